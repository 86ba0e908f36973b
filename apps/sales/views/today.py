"""Today: the rep's day in one list (due and overdue steps and callbacks, untouched
hand-raisers) and the meetings buyers booked with them, with its count in the navigation
(context_processors.today)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.core import pulse
from apps.meetings import selectors as meetings
from apps.sales import selectors
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required

MEETINGS_SHOWN = 10


@require_GET
@vary_on_headers("HX-Request")
@role_required(Role.SALES, Role.SALES_MANAGER)
@pulse.read_first
def today(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {
        "rows": selectors.today_list(rep=request.user, now=now),
        "meetings": list(meetings.upcoming_meetings(rep=request.user, now=now)[:MEETINGS_SHOWN]),
        "now": now,
    }
    template = "sales/today.html#today-list" if request.htmx else "sales/today.html"
    return render(request, template, context)
