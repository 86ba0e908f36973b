"""Marketing's landing page, the campaign and channel performance with money and attribution,
and lead flow against sales capacity."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.campaigns import selectors as campaign_selectors
from apps.core import charts
from apps.core.csv_safe import csv_response
from apps.core.models import Quarter
from apps.core.quarters import current_quarter, pick_quarter, quarters
from apps.feedback import selectors as feedback_selectors
from apps.goals import metrics
from apps.goals import selectors as goal_selectors
from apps.routing import capacity, held
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required

PERFORMANCE_ROLES = (Role.MARKETING, Role.REVOPS, Role.SALES_MANAGER)
# The table's figure behind each funnel step (funnel_steps: leads, ready, opportunities, won).
FUNNEL_FIGURES = ("leads", "ready", "opportunities", "won_deals")


@require_GET
@vary_on_headers("HX-Request")
@role_required(Role.MARKETING, Role.REVOPS)
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The landing page. Its held-queue panel, like the lead flow, arrives by htmx after the
    page (`?held=1`: the panel alone under htmx, the whole page with the panel without
    JavaScript), so the landing page's own queries stay few."""
    summary = held.held_summary() if request.GET.get("held") else None
    if request.htmx and summary is not None:
        return render(request, "marketing/home.html#held-queue", {"held": summary})
    quarter = current_quarter(today=timezone.localdate())
    context = {
        "quarter": quarter,
        "campaigns": campaign_selectors.quarter_campaigns(quarter=quarter) if quarter else [],
        "disqualifications": feedback_selectors.open_disqualifications(),
        "held": summary,
    }
    return render(request, "marketing/home.html", context)


@require_GET
@vary_on_headers("HX-Request")
@role_required(Role.MARKETING, Role.REVOPS, Role.SALES_MANAGER)
def lead_flow(request: HtmxHttpRequest) -> HttpResponse:
    """The lead-flow panel: swapped into the landing page by htmx (which keeps the landing
    page's own queries few), or a page of its own without JavaScript."""
    flow = capacity.lead_flow()
    template = "components.html#lead-flow" if request.htmx else "marketing/lead_flow.html"
    return render(request, template, {"flow": flow})


PERFORMANCE_HEADER = [
    "Name",
    "Channel",
    "Leads",
    "Sales-ready leads",
    "Follow-up rate (%)",
    "Speed to lead, median (min)",
    "Opportunities",
    "Pipeline",
    "Won deals",
    "Sourced revenue",
    "Influenced revenue",
    "Attributed revenue",
    "Win rate (%)",
    "Cost",
    "Cost per ready lead",
    "Cost per won deal",
    "ROI (%)",
]


def _performance_cells(row: metrics.PerformanceRow) -> list[Any]:
    return [
        row.label,
        row.channel,
        row.leads,
        row.ready,
        row.follow_up_rate,
        row.speed_to_lead_median,
        row.opportunities,
        row.pipeline,
        row.won_deals,
        row.won_revenue,
        row.influenced_revenue,
        row.attributed_revenue,
        row.win_rate,
        row.cost,
        row.cost_per_ready_lead,
        row.cost_per_won_deal,
        row.roi,
    ]


def _performance_csv(
    table: str, quarter: Quarter, performance: metrics.Performance, credit: metrics.Attribution
) -> HttpResponse | None:
    quarter_name = quarter.name
    name = f"{quarter_name}-{table}.csv"
    if table == "campaigns":
        rows = [*performance.campaigns, performance.no_campaign, performance.total]
        return csv_response(name, PERFORMANCE_HEADER, [_performance_cells(r) for r in rows])
    if table == "channels":
        rows = [*performance.channels, performance.no_campaign, performance.total]
        return csv_response(name, PERFORMANCE_HEADER, [_performance_cells(r) for r in rows])
    if table == "funnel":
        steps = metrics.funnel_steps(performance)
        return csv_response(name, ["Step", "Count"], [[s.label, s.value] for s in steps])
    if table == "attribution":
        cells: list[list[Any]] = [
            [c.name, c.credit, c.deals, "; ".join(c.reps)] for c in credit.campaigns
        ]
        cells.append(["Unattributed (no campaign touch)", credit.unattributed, "", ""])
        header = ["Campaign", f"Credit ({credit.label})", "Deals", "Reps credited on the wins"]
        return csv_response(f"{quarter_name}-attribution-{credit.model}.csv", header, cells)
    if table == "deals":
        deal_rows = [
            [
                d.name,
                d.account_name,
                d.owner_name,
                d.amount,
                d.closed_at.date().isoformat(),
                "; ".join(f"{s.name}: {s.amount}" for s in d.shares),
            ]
            for d in metrics.attributed_deals(quarter, credit.model)
        ]
        header = ["Deal", "Account", "Owner (rep credit)", "Amount", "Closed", "Credit"]
        return csv_response(f"{quarter_name}-deals-{credit.model}.csv", header, deal_rows)
    return None


@require_GET
@vary_on_headers("HX-Request")
@role_required(*PERFORMANCE_ROLES)
def performance(request: HtmxHttpRequest) -> HttpResponse:
    """The campaign and channel funnel with money, attribution by the chosen model, lead flow,
    revenue by the team that sourced it, and meetings booked at the hand-raise."""
    options = quarters()
    quarter = pick_quarter(options, name=request.GET.get("quarter"), today=timezone.localdate())
    model = request.GET.get("model") or "w_shaped"
    if model not in metrics.ATTRIBUTION_MODELS:
        model = "w_shaped"
    if quarter is None:
        return render(request, "marketing/performance.html", {"quarter": None, "quarters": []})
    # the table and the attribution card sum one read of credits, and with the revenue by
    # origin one read of the quarter's deals
    with metrics.shared_reads():
        table = metrics.campaign_performance(quarter, model)
        credit = metrics.attribution(quarter, model)
        origins = metrics.revenue_by_origin(quarter)
    if request.GET.get("format") == "csv":
        response = _performance_csv(request.GET.get("table", "campaigns"), quarter, table, credit)
        if response is not None:
            return response
    steps = metrics.funnel_steps(table)
    context = {
        "quarter": quarter,
        "quarters": options,
        "model": model,
        "models": metrics.ATTRIBUTION_MODELS,
        "performance": table,
        "attribution": credit,
        "funnel": steps,
        "funnel_figures": list(zip(steps, FUNNEL_FIGURES, strict=True)),
        # every figure links to its records: performance_records with these and ?figure=
        # (reversed once here: the page draws some 300 links)
        "records_href": reverse("marketing:performance-records")
        + "?"
        + urlencode({"quarter": quarter.name, "model": model}),
        "funnel_chart": charts.funnel_chart(
            chart_id="funnel-chart",
            title=f"Funnel for {quarter.name}: leads, sales-ready, opportunities, won",
            steps=[(step.label, step.value) for step in steps],
        ),
        "attribution_chart": charts.bar_chart(
            chart_id="attribution-chart",
            title=f"Won revenue credited to campaigns ({credit.label}), {quarter.name}",
            items=[(c.name, c.credit) for c in credit.campaigns],
            money=True,
        ),
        "flow": capacity.lead_flow(),
        "origins": origins,
        "booking": metrics.booking_performance(quarter),
    }
    template = "marketing/performance.html"
    if request.htmx and request.htmx.target == "attribution":
        template += "#attribution"
    return render(request, template, context)


@require_GET
@vary_on_headers("HX-Request")
@role_required(*PERFORMANCE_ROLES)
def performance_records(request: HtmxHttpRequest) -> HttpResponse:
    """The records behind one figure of the performance page: `?figure=` of the line
    `?campaign=<id|none>` or `?channel=` (else the total), or of the booking card's line
    `?booking_asset=<id>` or `?booking_campaign=<id|none>`, for `?quarter=` and `?model=`."""
    drill = goal_selectors.performance_records(
        user=request.user, request=request, today=timezone.localdate()
    )
    template = (
        "goals/figure_records.html#record-page"
        if request.htmx
        else "marketing/performance_records.html"
    )
    return render(request, template, {"drill": drill})
