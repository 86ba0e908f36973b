"""Marketing workspace: the landing page, campaigns and assets, performance and lead flow."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from apps.campaigns import charts, forms, selectors, services
from apps.core.csv_safe import safe_row
from apps.core.errors import DomainError
from apps.core.views import HtmxHttpRequest
from apps.goals import metrics
from apps.goals import selectors as goal_selectors
from apps.routing import capacity
from apps.users.models import Role
from apps.users.roles import has_role, role_required

PERFORMANCE_ROLES = (Role.MARKETING, Role.REVOPS, Role.SALES_MANAGER)


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


@require_GET
@vary_on_headers("HX-Request")
@role_required(Role.MARKETING, Role.REVOPS, Role.SALES_MANAGER)
def lead_flow(request: HtmxHttpRequest) -> HttpResponse:
    """The lead-flow panel: swapped into the landing page by htmx (which keeps the landing
    page's own queries few), or a page of its own without JavaScript."""
    flow = capacity.lead_flow()
    template = "_lead_flow.html" if request.htmx else "marketing/lead_flow.html"
    return render(request, template, {"flow": flow})


# --- Campaigns and assets ----------------------------------------------------------------


@require_GET
def campaign_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every role reads campaigns and intent notes; Marketing and RevOps get the edit links."""
    context = {
        "campaigns": selectors.campaigns_with_assets(),
        "standalone_assets": selectors.standalone_assets(),
        "can_edit": has_role(request.user, *services.CAMPAIGN_EDITORS),
    }
    return render(request, "marketing/campaigns.html", context)


def _save_form(
    request: HtmxHttpRequest, form: Any, save: Any, success: str, **kwargs: Any
) -> HttpResponse | None:
    """Run the service with the form's spec; a refusal becomes an error on the field it names."""
    if not form.is_valid():
        return None
    try:
        save(actor=request.user, spec=form.spec(), **kwargs)
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return None
    messages.success(request, success)
    return redirect("marketing:campaigns")


def _form_page(
    request: HtmxHttpRequest, form: Any, title: str, *, subject: Any = None, kind: str
) -> HttpResponse:
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "title": title, "subject": subject, "kind": kind}
    return render(request, "marketing/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*services.CAMPAIGN_EDITORS)
def campaign_create(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.CampaignForm(request.POST or None)
    if request.method == "POST":
        done = _save_form(request, form, services.create_campaign, "Campaign created.")
        if done:
            return done
    return _form_page(request, form, "New campaign", kind="campaign")


@require_http_methods(["GET", "POST"])
@role_required(*services.CAMPAIGN_EDITORS)
def campaign_edit(request: HtmxHttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaign_for(campaign_id=campaign_id)
    form = forms.CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST":
        done = _save_form(
            request,
            form,
            services.update_campaign,
            f"Saved {form.data.get('name') or campaign.name}.",
            campaign_id=campaign_id,
        )
        if done:
            return done
    return _form_page(request, form, f"Edit {campaign.name}", subject=campaign, kind="campaign")


@require_http_methods(["GET", "POST"])
@role_required(*services.CAMPAIGN_EDITORS)
def asset_create(request: HtmxHttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaign_for(campaign_id=campaign_id)
    form = forms.AssetForm(request.POST or None)
    if request.method == "POST":
        done = _save_form(
            request,
            form,
            services.create_asset,
            f"Asset added to {campaign.name}.",
            campaign_id=campaign.pk,
        )
        if done:
            return done
    return _form_page(
        request, form, f"New asset for {campaign.name}", subject=campaign, kind="asset"
    )


@require_http_methods(["GET", "POST"])
@role_required(*services.CAMPAIGN_EDITORS)
def asset_edit(request: HtmxHttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.asset_for(asset_id=asset_id)
    form = forms.AssetForm(request.POST or None, instance=asset)
    if request.method == "POST":
        done = _save_form(
            request, form, services.update_asset, f"Saved {asset.name}.", asset_id=asset_id
        )
        if done:
            return done
    return _form_page(request, form, f"Edit {asset.name}", subject=asset.campaign, kind="asset")


# --- Performance -------------------------------------------------------------------------


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """A CSV download written with the csv module, every cell neutralised against formulas."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(["" if cell is None else cell for cell in row]))
    return response


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
    "Won revenue",
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
        row.win_rate,
        row.cost,
        row.cost_per_ready_lead,
        row.cost_per_won_deal,
        row.roi,
    ]


def _performance_csv(
    table: str, quarter_name: str, performance: metrics.Performance, credit: metrics.Attribution
) -> HttpResponse | None:
    name = f"{quarter_name}-{table}.csv"
    if table == "campaigns":
        rows = [*performance.campaigns, performance.total]
        return csv_response(name, PERFORMANCE_HEADER, [_performance_cells(r) for r in rows])
    if table == "channels":
        rows = [*performance.channels, performance.total]
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
                d.touches,
                "; ".join(f"{s.name}: {s.amount}" for s in d.shares),
            ]
            for d in credit.deals
        ]
        header = ["Deal", "Account", "Owner (rep credit)", "Amount", "Closed", "Touches", "Credit"]
        return csv_response(f"{quarter_name}-deals-{credit.model}.csv", header, deal_rows)
    return None


@require_GET
@vary_on_headers("HX-Request")
@role_required(*PERFORMANCE_ROLES)
def performance(request: HtmxHttpRequest) -> HttpResponse:
    """The campaign and channel funnel with money, attribution by the chosen model, lead flow."""
    options = goal_selectors.quarters()
    quarter = goal_selectors.pick_quarter(
        options, name=request.GET.get("quarter"), today=timezone.localdate()
    )
    model = request.GET.get("model") or "w_shaped"
    if model not in metrics.ATTRIBUTION_MODELS:
        model = "w_shaped"
    if quarter is None:
        return render(request, "marketing/performance.html", {"quarter": None, "quarters": []})
    table = metrics.campaign_performance(quarter)
    credit = metrics.attribution(quarter, model)
    if request.GET.get("format") == "csv":
        response = _performance_csv(
            request.GET.get("table", "campaigns"), quarter.name, table, credit
        )
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
    }
    template = "marketing/performance.html"
    if request.htmx and request.htmx.target == "attribution":
        template += "#attribution"
    return render(request, template, context)
