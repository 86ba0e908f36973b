"""The pipeline: opportunities by stage, with stage changes in place (won, or lost with a reason
from the list), overdue deals flagged, and the deals lost in the window by reason and campaign.
`?lost_reason=<id>` (and `&campaign=<id>|none`) lists the lost deals behind one of its counts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from apps.core.forms import call_service, refused_status
from apps.core.htmx import refused
from apps.core.pagination import keyset_page
from apps.opportunities import selectors, services
from apps.opportunities.models import Opportunity
from apps.sales.forms import LostDealsForm, OpportunityStageForm
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required

PIPELINE_CHANGED = "pipeline-changed"
LOST_DEALS_PAGE = 50
NO_CARD_ERROR: dict[str, Any] = {"opportunity": {"pk": None}, "form": None}


def _stage_form(opportunity: Opportunity, data: Any = None) -> OpportunityStageForm:
    return OpportunityStageForm(
        data,
        initial={"stage": opportunity.stage},
        auto_id=f"opp_{opportunity.pk}_%s",
        label_suffix="",
    )


def _board_context(
    request: HtmxHttpRequest, *, report: bool = True, **extra: Any
) -> dict[str, Any]:
    """The board, the reasons its cards offer and (`report`) the lost-reasons panels."""
    board = selectors.pipeline_board(user=request.user)
    reasons = selectors.offered_lost_reasons() if board.may_change else []
    context = {
        "board": board,
        "stages": Opportunity.Stage.choices,
        "reason_choices": [(reason.pk, reason.name) for reason in reasons],
        # no card refused: the cards' checks of `card_error` find a key rather than raise
        # through the template engine's failed-lookup path on each of them
        "card_error": NO_CARD_ERROR,
        **extra,
    }
    if report:
        context["lost"] = selectors.lost_report(user=request.user, since=board.since)
    return context


@require_GET
@vary_on_headers("HX-Request")
@role_required(*Role.values)  # reps see their own; everyone else reads the team's
def pipeline(request: HtmxHttpRequest) -> HttpResponse:
    if "lost_reason" in request.GET:
        return _lost_deals(request)
    template = "sales/pipeline.html#pipeline-board" if request.htmx else "sales/pipeline.html"
    return render(request, template, _board_context(request))


def _lost_deals(request: HtmxHttpRequest) -> HttpResponse:
    """The deals behind one count of the lost-reasons panel, newest loss first."""
    form = LostDealsForm(request.GET)
    if not form.is_valid():
        raise Http404("No such lost reason or campaign.")
    records = selectors.lost_records(
        user=request.user,
        since=selectors.pipeline_since(),
        reason_id=form.cleaned_data["lost_reason"],
        campaign=form.cleaned_data["campaign"],
    )
    page = keyset_page(
        records.deals, request, keys=("closed_at", "pk"), page_size=LOST_DEALS_PAGE, descending=True
    )
    query = request.GET.copy()
    query.pop("after", None)
    context = {"records": records, "page": page, "filter_query": query.urlencode()}
    return render(request, "sales/pipeline_lost.html", context)


@require_POST
@role_required(Role.SALES, Role.SALES_MANAGER)
def change_stage(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = selectors.opportunity_for(user=request.user, opportunity_id=opportunity_id)
    form = _stage_form(opportunity, request.POST)
    if form.is_valid() and call_service(
        form,
        services.change_stage,
        opportunity_id=opportunity.pk,
        actor=request.user,
        stage=form.cleaned_data["stage"],
        lost_reason_id=form.cleaned_data["lost_reason"],
        lost_details=form.cleaned_data["lost_details"],
    ):
        label = Opportunity.Stage(form.cleaned_data["stage"]).label
        message = f"“{opportunity.name}” moved to {label}."
        if form.cleaned_data["stage"] == Opportunity.Stage.WON:
            message = f"“{opportunity.name}” won: {opportunity.account.name} is now a customer."
        if request.htmx:
            response = render(
                request,
                "sales/pipeline.html#pipeline-board",
                _board_context(request, flash=message),
            )
            return trigger_client_event(response, PIPELINE_CHANGED)
        messages.success(request, message)
        return redirect("sales:pipeline")
    status = refused_status(form)
    errors = {"opportunity": opportunity, "form": form}
    if request.htmx:
        context = _board_context(request, report=False, card_error=errors, opp=opportunity)
        response = render(request, "sales/pipeline.html#opportunity-card", context, status=status)
        return refused(response, target=f"opp-{opportunity.pk}")
    context = _board_context(request, card_error=errors)
    return render(request, "sales/pipeline.html", context, status=status)
