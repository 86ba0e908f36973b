"""Service workspace: customers, their health and next renewal, and this quarter's renewals."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.core.views import HtmxHttpRequest
from apps.goals import selectors as goal_selectors
from apps.service import selectors
from apps.users.models import Role
from apps.users.roles import role_required


@require_GET
@role_required(Role.SERVICE, Role.REVOPS)
def home(request: HtmxHttpRequest) -> HttpResponse:
    quarter = goal_selectors.current_quarter(today=timezone.localdate())
    context = {
        "quarter": quarter,
        "customers": selectors.customer_accounts(),
        "renewals": selectors.quarter_renewals(quarter=quarter) if quarter else [],
        "totals": selectors.quarter_renewal_totals(quarter=quarter) if quarter else None,
        "limit": selectors.LIST_LIMIT,
    }
    return render(request, "service/home.html", context)
