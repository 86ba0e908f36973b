"""The single entry point: every page, endpoint and report asks `compute` and `drilldown`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import QuerySet

from apps.goals.metrics import funnel, meetings, revenue
from apps.goals.metrics.base import MetricValue, Segment, cohort
from apps.goals.models import Metric

if TYPE_CHECKING:
    from apps.core.models import Quarter


class MetricFunction(Protocol):
    """A metric: its value for the quarter and segment, as the records stood at `as_of`
    (the quarter to date then; None: now)."""

    def __call__(
        self, quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
    ) -> MetricValue: ...


DrilldownFunction = Callable[["Quarter", Segment | None], QuerySet[Any]]

METRICS: dict[str, MetricFunction] = {
    Metric.SALES_READY_LEADS: funnel.sales_ready_leads,
    Metric.SPEED_TO_LEAD_MEDIAN: funnel.speed_to_lead_median,
    Metric.SPEED_TO_LEAD_P90: funnel.speed_to_lead_p90,
    Metric.SLA_COMPLIANCE: funnel.sla_compliance,
    Metric.FOLLOW_UP_RATE: funnel.follow_up_rate,
    Metric.ATTEMPTS_BEFORE_DQ: funnel.attempts_before_dq,
    Metric.DISQUALIFICATION_RATE: funnel.disqualification_rate,
    Metric.READY_TO_OPPORTUNITY: funnel.ready_to_opportunity,
    Metric.OPPORTUNITY_TO_WON: revenue.opportunity_to_won,
    Metric.WIN_RATE: revenue.win_rate,
    Metric.PIPELINE_CREATED: revenue.pipeline_created,
    Metric.REVENUE_WON: revenue.revenue_won,
    Metric.SALES_CYCLE_DAYS: revenue.sales_cycle_days,
    Metric.COST_PER_READY_LEAD: revenue.cost_per_ready_lead,
    Metric.COST_PER_WON_DEAL: revenue.cost_per_won_deal,
    Metric.GROSS_REVENUE_RETENTION: revenue.gross_revenue_retention,
    Metric.EXPANSION_REVENUE: revenue.expansion_revenue,
    Metric.HELD_TOO_LONG: funnel.held_too_long,
    Metric.FORM_TO_MEETING_RATE: meetings.form_to_meeting_rate,
    Metric.FORM_TO_MEETING_MINUTES: meetings.form_to_meeting_minutes,
    funnel.JUNK_SHARE: funnel.junk_share,
}


def _junk(quarter: Quarter, segment: Segment | None) -> QuerySet[Any]:
    return funnel.disqualifications(quarter, segment).filter(reason__is_junk=True)


def _expansion(quarter: Quarter, segment: Segment | None) -> QuerySet[Any]:
    return revenue.won_in(quarter, segment).filter(type="expansion")


def _campaign_cohort(quarter: Quarter, segment: Segment | None) -> QuerySet[Any]:
    return cohort(quarter, segment.campaign_only() if segment else None)


def _campaign_won(quarter: Quarter, segment: Segment | None) -> QuerySet[Any]:
    return revenue.won_in(quarter, segment.campaign_only() if segment else None)


# The records behind each number: the denominator's records for a rate, the summed ones for a sum.
DRILLDOWNS: dict[str, DrilldownFunction] = {
    Metric.SALES_READY_LEADS: cohort,
    Metric.SPEED_TO_LEAD_MEDIAN: funnel.speed_drilldown,
    Metric.SPEED_TO_LEAD_P90: funnel.speed_drilldown,
    Metric.SLA_COMPLIANCE: funnel.sla_drilldown,
    Metric.FOLLOW_UP_RATE: cohort,
    Metric.ATTEMPTS_BEFORE_DQ: funnel.disqualifications,
    Metric.DISQUALIFICATION_RATE: funnel.disqualifications,
    Metric.READY_TO_OPPORTUNITY: cohort,
    Metric.OPPORTUNITY_TO_WON: revenue.created_in,
    Metric.WIN_RATE: revenue.closed_in,
    Metric.PIPELINE_CREATED: revenue.created_in,
    Metric.REVENUE_WON: revenue.won_in,
    Metric.SALES_CYCLE_DAYS: revenue.won_in,
    Metric.COST_PER_READY_LEAD: _campaign_cohort,
    Metric.COST_PER_WON_DEAL: _campaign_won,
    Metric.GROSS_REVENUE_RETENTION: revenue.renewals_due,
    Metric.EXPANSION_REVENUE: _expansion,
    Metric.HELD_TOO_LONG: funnel.held_too_long_leads,
    Metric.FORM_TO_MEETING_RATE: meetings.hand_raise_leads,
    Metric.FORM_TO_MEETING_MINUTES: meetings.first_meetings,
    funnel.JUNK_SHARE: _junk,
}

_RELATED: dict[str, tuple[str, ...]] = {
    "Lead": ("account", "campaign", "owner"),
    "Opportunity": ("account", "owner", "primary_lead"),
    "Disqualification": ("lead", "reason", "rep"),
    "Renewal": ("account",),
    "Meeting": ("lead", "rep", "asset"),
}


def _known(metric: str) -> str:
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}.")
    return str(metric)


def compute(
    metric: str,
    quarter: Quarter,
    segment: Segment | None = None,
    *,
    as_of: datetime | None = None,
) -> MetricValue:
    """The value of `metric` (an apps.goals.models.Metric value, or "junk_share") for the quarter
    and optional segment. Given `as_of`, the value the records gave at that moment: the quarter
    to date, nothing stamped at or after it (apps.goals.history says how exact that is per
    metric). Raises ValueError for an unknown metric."""
    return METRICS[_known(metric)](quarter, segment, as_of=as_of)


def drilldown(metric: str, quarter: Quarter, segment: Segment | None = None) -> QuerySet[Any]:
    """The records behind compute(metric, quarter, segment): leads, opportunities,
    disqualifications, renewals or meetings, with their list columns' relations joined, in pk
    order."""
    records = DRILLDOWNS[_known(metric)](quarter, segment)
    related = _RELATED.get(records.model.__name__, ())
    return records.select_related(*related).order_by("pk")
