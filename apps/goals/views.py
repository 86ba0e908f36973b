"""The shared goal sheet every role reads."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.core.views import HtmxHttpRequest
from apps.goals import selectors
from apps.users.models import Role
from apps.users.roles import role_required


@require_GET
@role_required(*Role.values)
def home(request: HtmxHttpRequest) -> HttpResponse:
    options = selectors.quarters()
    quarter = selectors.pick_quarter(
        options, name=request.GET.get("quarter"), today=timezone.localdate()
    )
    context = {
        "quarters": options,
        "quarter": quarter,
        "goals": selectors.quarter_goals(quarter=quarter) if quarter else [],
    }
    return render(request, "goals/home.html", context)
