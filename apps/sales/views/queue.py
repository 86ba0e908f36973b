"""The rep's queue: my open leads in queue order (running clocks, untouched, working), the
counts, and the team pool to claim from."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from apps.core import pulse
from apps.core.forms import call_service
from apps.core.htmx import partial_for, query_without, refused
from apps.leads.models import Lead
from apps.routing import services as routing_services
from apps.sales import selectors
from apps.sales.views import LEAD_CHANGED
from apps.sales.views.lead import workspace_response
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required

QUEUE_PARTS = {"queue-list", "pool-list"}
COUNT_PARTS = {"queue-counts", "counts-strip"}


def _queue_context(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    screen = selectors.queue_page(rep=request.user, request=request)
    return {
        "counts": screen.counts,
        "today_count": screen.counts["today"],  # the navigation's badge, read with the counts
        "filters": screen.filters,
        "queue": screen.page,
        "pool": screen.pool,
        "filter_query": query_without(request, "after"),
        # what a live refresh re-fetches: this page, cursor and filters included
        "page_query": request.GET.urlencode(),
        "now": timezone.now(),
        **extra,
    }


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@role_required(Role.SALES, Role.SALES_MANAGER)
@pulse.read_first
def queue(request: HtmxHttpRequest) -> HttpResponse:
    template = partial_for(request, "sales/queue.html", QUEUE_PARTS, "queue-region")
    return render(request, template, _queue_context(request))


@require_GET
@vary_on_headers("HX-Target")
@role_required(Role.SALES, Role.SALES_MANAGER)
def counts(request: HtmxHttpRequest) -> HttpResponse:
    """The counts regions of the queue and lead pages refresh themselves from here."""
    part = request.htmx.target if request.htmx.target in COUNT_PARTS else "queue-counts"
    context = {"counts": selectors.queue_counts(rep=request.user)}
    return render(request, f"sales/components.html#{part}", context)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def claim(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    """Take a lead from the team pool. The loser of a race is told politely, in place, and is
    shown nothing of a lead they may no longer read."""
    target = selectors.claim_target(user=request.user, lead_id=lead_id)
    lead = target.lead
    form = django_forms.Form(request.POST)
    outcome = call_service(form, routing_services.claim_lead, lead_id=lead.pk, rep=request.user)
    row = f"pool-lead-{lead.pk}"
    in_pool_row = bool(request.htmx) and request.htmx.target == row
    if outcome:
        if in_pool_row:
            claimed = selectors.claim_target(user=request.user, lead_id=lead.pk).lead
            response = render(
                request, "sales/queue.html#pool-row", {"lead": claimed, "claimed": True}
            )
            return trigger_client_event(response, LEAD_CHANGED)
        message = "Claimed: the lead is yours, and its SLA clock is running."
        if request.htmx:
            return trigger_client_event(workspace_response(request, lead.pk, message), LEAD_CHANGED)
        messages.success(request, message)
        return redirect("sales:lead", lead.pk)
    if not target.readable:
        # Only the lead's id reaches the template: the rep may no longer read the lead.
        if in_pool_row:
            context = {"lead_id": lead.pk, "claim_form": form}
            response = render(
                request, "sales/queue.html#pool-row-taken", context, status=outcome.status
            )
            return refused(response)
        if request.htmx:
            context = {"lead": Lead(pk=lead.pk), "claim_form": form}
            response = render(request, "sales/lead.html#claim-form", context, status=outcome.status)
            return refused(response, target="claim-form")
        return render(
            request,
            "sales/queue.html",
            _queue_context(request, claim_form=form),
            status=outcome.status,
        )
    if in_pool_row:
        context = {"lead": lead, "claim_form": form}
        return refused(render(request, "sales/queue.html#pool-row", context, status=outcome.status))
    if request.htmx:
        context = {"lead": lead, "claim_form": form}
        response = render(request, "sales/lead.html#claim-form", context, status=outcome.status)
        return refused(response, target="claim-form")
    context = _queue_context(request, claim_form=form)
    return render(request, "sales/queue.html", context, status=outcome.status)
