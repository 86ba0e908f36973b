"""Where a joint goal stands today: actual, percent of target, pace, forecast and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from apps.core.models import Quarter
from apps.goals.metrics.base import MetricValue, Segment, percent, rounded
from apps.goals.metrics.registry import compute
from apps.goals.models import JointGoal, Metric

Status = Literal["ahead", "on_track", "behind"]

CUMULATIVE = frozenset(
    {
        Metric.SALES_READY_LEADS,
        Metric.PIPELINE_CREATED,
        Metric.REVENUE_WON,
        Metric.EXPANSION_REVENUE,
        Metric.HELD_TOO_LONG,
    }
)
TOLERANCE = Decimal("0.10")  # within 10% of the pace counts as on track


@dataclass(frozen=True)
class GoalProgress:
    """A goal's standing on `today`. Decimal fields are None when they cannot be known."""

    goal: JointGoal
    actual: MetricValue
    percent_of_target: Decimal | None
    pace: Decimal | None
    forecast: Decimal | None
    status: Status | None
    elapsed_days: int
    total_days: int


def quarter_days(quarter: Quarter, today: date) -> tuple[int, int]:
    """(elapsed, total) days. Elapsed includes today; 0 before the quarter, total after it."""
    total = (quarter.ends_on - quarter.starts_on).days + 1
    if today < quarter.starts_on:
        return 0, total
    if today > quarter.ends_on:
        return total, total
    return (today - quarter.starts_on).days + 1, total


def pace_status(actual: Decimal, pace: Decimal, *, lower_is_better: bool) -> Status:
    """ "on_track" within 10% of the pace either way; otherwise "ahead" above it (below it when
    lower is better) and "behind" on the other side."""
    if pace == 0:
        if actual == 0:
            return "on_track"
        return "behind" if lower_is_better else "ahead"
    if abs(actual - pace) <= pace * TOLERANCE:
        return "on_track"
    better = actual < pace if lower_is_better else actual > pace
    return "ahead" if better else "behind"


def goal_progress(goal: JointGoal, today: date) -> GoalProgress:
    """The goal's actual, computed with compute(goal.metric, goal.quarter, goal's segment), and:

    - percent_of_target: actual / target * 100 (for a lower-is-better goal, how much of the
      allowed value is used: under 100 is good); None when the actual is None; 1 decimal;
    - pace, where the actual should be by today: for cumulative metrics (sales-ready leads,
      pipeline created, revenue won, expansion revenue, leads held too long) target *
      elapsed_days / total_days,
      linearly through the quarter; for rates and averages the target itself;
    - forecast, for cumulative metrics only: actual / elapsed_days * total_days (None before
      the quarter starts; equal to the actual once it has ended);
    - status "ahead" | "on_track" | "behind" comparing actual with pace (on_track within 10% of
      pace, inverted for lower_is_better); None when the actual is None.

    Elapsed days include today: day 30 of a 92-day quarter is 30/92 of the way.
    """
    quarter = goal.quarter
    actual = compute(goal.metric, quarter, Segment.from_goal(goal))
    elapsed, total = quarter_days(quarter, today)
    target = goal.target
    value = actual.value
    cumulative = goal.metric in CUMULATIVE
    share = None if value is None else percent(value, target)
    pace = rounded(target * elapsed / total, actual.unit) if cumulative else target
    forecast = None
    if cumulative and value is not None and elapsed:
        forecast = rounded(value * total / elapsed, actual.unit)
    status = (
        pace_status(value, pace, lower_is_better=goal.lower_is_better)
        if value is not None and pace is not None
        else None
    )
    return GoalProgress(
        goal=goal,
        actual=actual,
        percent_of_target=share,
        pace=pace,
        forecast=forecast,
        status=status,
        elapsed_days=elapsed,
        total_days=total,
    )
