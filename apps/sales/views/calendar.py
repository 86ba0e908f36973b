"""My calendar (/sales/calendar/): the rep's bookable week (zone, hours, days), the busy feed
of their external calendar with its status, the next free slots buyers are offered, and the
meetings booked with them."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.core.errors import DomainError
from apps.core.forms import add_refusal, refused_status
from apps.meetings import availability
from apps.meetings import selectors as meetings
from apps.meetings import services as meeting_services
from apps.meetings.models import BookingRules, BusyFeed
from apps.sales.forms import CalendarForm
from apps.users import services as user_services
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required

PAGE = "sales/calendar.html"
SLOTS_SHOWN = 12


def _initial(request: HtmxHttpRequest, feed: BusyFeed | None) -> dict[str, object]:
    user = request.user
    return {
        "time_zone": user.time_zone,
        "work_start": user.work_start,
        "work_end": user.work_end,
        "work_days": [int(d) for d in user.work_days.split(",") if d.strip().isdigit()],
        "ics_url": feed.url if feed else "",
    }


def _save(request: HtmxHttpRequest, form: CalendarForm) -> bool:
    data = form.cleaned_data
    try:
        with transaction.atomic():
            user_services.set_working_hours(
                user=request.user,
                time_zone=data["time_zone"],
                work_start=data["work_start"],
                work_end=data["work_end"],
                work_days=data["work_days"],
            )
            meeting_services.set_feed(rep=request.user, url=data["ics_url"])
    except DomainError as error:
        add_refusal(form, error)
        return False
    return True


@require_http_methods(["GET", "POST"])
@role_required(Role.SALES, Role.SALES_MANAGER)
def calendar(request: HtmxHttpRequest) -> HttpResponse:
    feed = BusyFeed.objects.filter(rep=request.user).first()
    if request.method == "POST":
        form = CalendarForm(request.POST)
        if form.is_valid() and _save(request, form):
            messages.success(request, "Saved: buyers are offered times inside these hours.")
            return redirect("sales:calendar")
        request.user.refresh_from_db()
        status = refused_status(form)
    else:
        form, status = CalendarForm(initial=_initial(request, feed)), 200
    now = timezone.now()
    booking = BookingRules.current()
    context = {
        "form": form,
        "feed": feed,
        "booking": booking,
        "days": meetings.group_slots(
            availability.free_slots(request.user, now=now, booking=booking, limit=SLOTS_SHOWN),
            request.user.zone,
        ),
        "upcoming": list(meetings.upcoming_meetings(rep=request.user, now=now)[:20]),
        "now": now,
    }
    return render(request, PAGE, context, status=status)
