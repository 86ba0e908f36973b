"""Writes of the goals app: the nightly goal snapshot."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from apps.core.models import Quarter
from apps.goals import metrics
from apps.goals.models import GoalSnapshot, JointGoal


def snapshot_goals(*, on: date | None = None) -> int:
    """Record each goal's actual on `on` (default today) for the quarter containing that day:
    one GoalSnapshot per goal and day, updated in place when run again the same day. Safe to
    call twice. Returns the number of goals snapshotted (0 when no quarter contains the day)."""
    day = on or timezone.localdate()
    quarter = Quarter.objects.filter(starts_on__lte=day, ends_on__gte=day).first()
    if quarter is None:
        return 0
    goals = list(JointGoal.objects.filter(quarter=quarter).order_by("pk"))
    # Compute first, write after: the metric reads hold no transaction open.
    actuals = [
        (goal, metrics.compute(goal.metric, quarter, metrics.Segment.from_goal(goal)).value)
        for goal in goals
    ]
    with transaction.atomic(durable=True):
        for goal, actual in actuals:
            GoalSnapshot.objects.update_or_create(goal=goal, on=day, defaults={"actual": actual})
    return len(actuals)
