"""Every metric of the goal sheet, computed one way for the goals page, the API and reports.

All windows are [quarter.starts_on 00:00 UTC, quarter.ends_on + 1 day 00:00 UTC). Start with
`compute(metric, quarter, segment)` and `drilldown(metric, quarter, segment)`; the definitions
live in the docstrings of the metric functions (funnel.py: leads and disqualifications,
revenue.py: opportunities, cost and renewals, meetings.py: form to meeting).
"""

from apps.goals.metrics.base import (
    CohortFigures,
    MetricValue,
    Segment,
    Unit,
    cohort,
    cohort_figures,
    quarter_window,
    shared_reads,
)
from apps.goals.metrics.funnel import (
    JUNK_SHARE,
    BreakdownRow,
    attempts_before_dq,
    disqualification_breakdown,
    disqualification_rate,
    follow_up_rate,
    held_too_long,
    junk_share,
    ready_to_opportunity,
    sales_ready_leads,
    sla_compliance,
    speed_to_lead_median,
    speed_to_lead_p90,
)
from apps.goals.metrics.meetings import (
    BookingPerformance,
    BookingRow,
    booking_performance,
    form_to_meeting_minutes,
    form_to_meeting_rate,
)
from apps.goals.metrics.plays import PlayPerformance, PlayPerformanceTable, play_performance
from apps.goals.metrics.progress import CUMULATIVE, GoalProgress, goal_progress, quarter_days
from apps.goals.metrics.registry import METRICS, compute, drilldown
from apps.goals.metrics.revenue import (
    cost_per_ready_lead,
    cost_per_won_deal,
    expansion_revenue,
    gross_revenue_retention,
    opportunity_to_won,
    pipeline_created,
    revenue_won,
    sales_cycle_days,
    win_rate,
)
from apps.goals.metrics.scoreboard import (
    Figure,
    RepFigures,
    Scoreboard,
    known_goals,
    known_quarters,
    previous_quarter,
    sla_scoreboard,
)

__all__ = [
    "BookingPerformance",
    "BookingRow",
    "booking_performance",
    "form_to_meeting_minutes",
    "form_to_meeting_rate",
    "CohortFigures",
    "cohort_figures",
    "shared_reads",
    "PlayPerformanceTable",
    "PlayPerformance",
    "play_performance",
    "CUMULATIVE",
    "JUNK_SHARE",
    "METRICS",
    "BreakdownRow",
    "Figure",
    "GoalProgress",
    "MetricValue",
    "RepFigures",
    "Scoreboard",
    "Segment",
    "Unit",
    "attempts_before_dq",
    "cohort",
    "compute",
    "cost_per_ready_lead",
    "cost_per_won_deal",
    "disqualification_breakdown",
    "disqualification_rate",
    "drilldown",
    "expansion_revenue",
    "follow_up_rate",
    "goal_progress",
    "gross_revenue_retention",
    "held_too_long",
    "junk_share",
    "opportunity_to_won",
    "pipeline_created",
    "known_goals",
    "known_quarters",
    "previous_quarter",
    "quarter_days",
    "quarter_window",
    "ready_to_opportunity",
    "revenue_won",
    "sales_cycle_days",
    "sales_ready_leads",
    "sla_compliance",
    "sla_scoreboard",
    "speed_to_lead_median",
    "speed_to_lead_p90",
    "win_rate",
]

# Marketing's grouped figures (campaign table, attribution, reasons over time).
from apps.goals.metrics.marketing import (  # noqa: E402
    ATTRIBUTION_MODELS,
    ORIGIN_LABELS,
    Attribution,
    OriginRow,
    Performance,
    PerformanceRow,
    ReasonsOverTime,
    attributed_deals,
    attribution,
    campaign_performance,
    disqualification_records,
    funnel_steps,
    parse_breakdown_key,
    reasons_over_time,
    revenue_by_origin,
)
from apps.opportunities.attribution import split_cents, touch_weights  # noqa: E402

__all__ += [
    "ATTRIBUTION_MODELS",
    "ORIGIN_LABELS",
    "Attribution",
    "OriginRow",
    "Performance",
    "PerformanceRow",
    "ReasonsOverTime",
    "attributed_deals",
    "attribution",
    "campaign_performance",
    "disqualification_records",
    "funnel_steps",
    "parse_breakdown_key",
    "reasons_over_time",
    "revenue_by_origin",
    "split_cents",
    "touch_weights",
]
