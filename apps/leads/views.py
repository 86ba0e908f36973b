"""Sales workspace pages: the rep's queue, the manager's team view, the read-only lead page."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.core.views import HtmxHttpRequest
from apps.leads import selectors
from apps.users.models import Role
from apps.users.roles import role_required


@require_GET
@vary_on_headers("HX-Request")
@role_required(Role.SALES, Role.SALES_MANAGER)
def queue(request: HtmxHttpRequest) -> HttpResponse:
    context = {
        "counts": selectors.queue_counts(rep=request.user),
        "queue": selectors.rep_queue(rep=request.user),
        "pool": selectors.team_pool(),
        "limit": selectors.LIST_LIMIT,
        "now": timezone.now(),
    }
    template = "sales/queue.html#queue-region" if request.htmx else "sales/queue.html"
    return render(request, template, context)


@require_GET
@role_required(Role.SALES_MANAGER)
def team(request: HtmxHttpRequest) -> HttpResponse:
    context = {
        "reps": selectors.sales_team(),
        "breached": selectors.team_breached(),
        "now": timezone.now(),
    }
    return render(request, "sales/team.html", context)


@require_GET
@role_required(*Role.values)  # which leads each role reads is visible_to()'s job
def lead(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    page = selectors.lead_page(user=request.user, lead_id=lead_id)
    return render(request, "sales/lead.html", {"page": page, "lead": page.lead})
