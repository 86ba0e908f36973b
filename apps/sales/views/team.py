"""The manager's team page: open leads, breaches, each rep's load, reassign, availability."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from apps.core.forms import call_service, refused_status
from apps.core.htmx import partial_for, query_without, refused
from apps.routing import held
from apps.routing import services as routing_services
from apps.sales import forms, selectors
from apps.sales.views import LEAD_CHANGED
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role, User
from apps.users.roles import role_required

TEAM_PARTS = {
    "team-counts",
    "team-reps",
    "team-held",
    "team-leads",
    "team-breached",
    "team-disputes",
}


def _team_context(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    screen = selectors.team_page(request=request)
    return {
        "counts": screen.counts,
        "reps": screen.reps,
        "leads": screen.leads,
        "breached": screen.breached,
        "disputes": screen.disputes,
        "page_query": query_without(request, "after"),
        "now": timezone.now(),
        **extra,
    }


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@role_required(Role.SALES_MANAGER, Role.REVOPS)
def team(request: HtmxHttpRequest) -> HttpResponse:
    """The team page. Its held-queue region arrives by htmx after the page and refreshes
    itself (`?held=1`: the region alone under htmx, the whole page with it without
    JavaScript), so the page's own queries stay few."""
    template = partial_for(request, "sales/team.html", TEAM_PARTS, "team-leads")
    summary = held.held_summary() if request.GET.get("held") else None
    if template.endswith("#team-held"):
        return render(request, template, {"held": summary})
    return render(request, template, _team_context(request, held=summary))


@require_POST
@role_required(Role.SALES_MANAGER, Role.REVOPS)
def reassign(request: HtmxHttpRequest, lead_id: int) -> HttpResponse:
    lead = selectors.team_lead(lead_id=lead_id)
    reps = selectors.sales_team()
    form = forms.ReassignForm(request.POST, reps=reps, auto_id=f"reassign_{lead_id}_%s")
    if form.is_valid() and call_service(
        form,
        routing_services.reassign_lead,
        lead_id=lead.pk,
        to_rep=next(rep for rep in reps if rep.pk == form.cleaned_data["to_rep"]),
        actor=request.user,
        reason=form.cleaned_data["reason"],
    ):
        message = f"{lead.display_name} reassigned."
        if request.htmx:
            context = {"lead": selectors.team_lead(lead_id=lead.pk), "reps": reps, "flash": message}
            response = render(request, "sales/team.html#team-lead-row", context)
            return trigger_client_event(response, LEAD_CHANGED)
        messages.success(request, message)
        return redirect("sales:team")
    status = refused_status(form)
    if request.htmx:
        context = {"lead": lead, "reps": reps, "reassign_form": form, "reassign_lead_id": lead.pk}
        return refused(render(request, "sales/team.html#team-lead-row", context, status=status))
    context = _team_context(request, reassign_form=form, reassign_lead_id=lead.pk)
    return render(request, "sales/team.html", context, status=status)


@require_POST
@role_required(Role.SALES_MANAGER)
def set_availability(request: HtmxHttpRequest, rep_id: int) -> HttpResponse:
    rep: User = selectors.sales_rep(rep_id=rep_id)
    form = forms.AvailabilityForm(request.POST)
    if form.is_valid() and call_service(
        form,
        routing_services.set_rep_availability,
        rep_id=rep.pk,
        actor=request.user,
        available=form.cleaned_data["available"],
    ):
        state = "available" if form.cleaned_data["available"] else "out of office"
        message = f"{rep.display_name} is {state}."
        if request.htmx:
            context: dict[str, Any] = {"reps": selectors.sales_team(), "flash": message}
            response = render(request, "sales/team.html#team-reps", context)
            return trigger_client_event(response, LEAD_CHANGED)
        messages.success(request, message)
        return redirect("sales:team")
    status = refused_status(form)
    if request.htmx:
        context = {"reps": selectors.sales_team(), "availability_form": form}
        response = render(request, "sales/team.html#team-reps", context, status=status)
        return refused(response, target="team-reps")
    context = _team_context(request, availability_form=form)
    return render(request, "sales/team.html", context, status=status)
