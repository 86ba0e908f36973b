"""Marketing workspace: this quarter's campaigns and the disqualifications to review."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.campaigns import selectors
from apps.core.views import HtmxHttpRequest
from apps.goals import selectors as goal_selectors
from apps.users.models import Role
from apps.users.roles import role_required


@require_GET
@role_required(Role.MARKETING, Role.REVOPS)
def home(request: HtmxHttpRequest) -> HttpResponse:
    quarter = goal_selectors.current_quarter(today=timezone.localdate())
    context = {
        "quarter": quarter,
        "campaigns": selectors.quarter_campaigns(quarter=quarter) if quarter else [],
        "disqualifications": selectors.open_disqualifications(),
    }
    return render(request, "marketing/home.html", context)
