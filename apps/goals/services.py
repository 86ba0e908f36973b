"""Writes of the goals app: the nightly goal snapshot and the rebuilt goal history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.models import Quarter
from apps.goals import history
from apps.goals.metrics import shared_reads
from apps.goals.models import GoalSnapshot, JointGoal

CENT = Decimal("0.01")
Actuals = dict[tuple[int, date], Decimal | None]  # (goal id, day) -> actual


def snapshot_goals(*, on: date | None = None) -> int:
    """Record each goal's actual on `on` (default today) for the quarter containing that day:
    one GoalSnapshot per goal and day, updated in place when run again the same day. Safe to
    call twice. Returns the number of goals snapshotted (0 when no quarter contains the day).
    The actual is the quarter to date as of the end of the day (history.goal_actual), the
    same value rebuild_goal_history() writes for that day."""
    day = on or timezone.localdate()
    quarter = Quarter.objects.filter(starts_on__lte=day, ends_on__gte=day).first()
    if quarter is None:
        return 0
    goals = JointGoal.objects.filter(quarter=quarter).order_by("pk")
    # Compute first, write after: the metric reads hold no transaction open.
    with shared_reads():
        actuals = {
            (goal.pk, day): history.goal_actual(goal, quarter=quarter, on=day) for goal in goals
        }
    with transaction.atomic(durable=True):
        _store_snapshots(actuals)
    return len(actuals)


@dataclass(frozen=True)
class HistoryRebuilt:
    """What rebuild_goal_history did: `written` rows were new or had another actual;
    `unchanged` already held the rebuilt value (a re-run writes nothing)."""

    quarters: tuple[str, ...]
    days: int
    goals: int
    written: int
    unchanged: int


def rebuild_goal_history(
    *, quarters: Iterable[Quarter] | None = None, today: date | None = None
) -> HistoryRebuilt:
    """Write each goal's snapshot for every elapsed day of the quarters (default: every
    quarter that has begun), computed from the records as they stood at the end of each day
    (apps.goals.history). Replaces what the nightly job wrote for those days with the same
    definition; safe to run again: only missing or different rows are written."""
    today = today or timezone.localdate()
    if quarters is None:
        quarters = Quarter.objects.filter(starts_on__lte=today).order_by("starts_on", "pk")
    names: list[str] = []
    days = goals_count = written = unchanged = 0
    for quarter in quarters:
        goals = list(JointGoal.objects.filter(quarter=quarter).order_by("pk"))
        # Compute first, write after: the reads hold no transaction open.
        actuals = history.quarter_history(quarter, goals, today=today)
        with transaction.atomic(durable=True):
            new, same = _store_snapshots(actuals)
        names.append(quarter.name)
        days += len(history.elapsed_days(quarter, today))
        goals_count += len(goals)
        written, unchanged = written + new, unchanged + same
    return HistoryRebuilt(
        quarters=tuple(names), days=days, goals=goals_count, written=written, unchanged=unchanged
    )


def _store_snapshots(actuals: Actuals) -> tuple[int, int]:
    """Insert the missing (goal, day) snapshots and update those whose actual differs; rows
    that already hold the value are left alone (their taken_at too). Returns (written,
    unchanged). Caller holds a transaction. Existing rows are locked in pk order, so two
    writers (the nightly job and a rebuild) queue instead of deadlocking, and a row the other
    one inserted meanwhile is updated (an upsert on the unique goal and day), not duplicated."""
    goal_ids = sorted({goal_id for goal_id, _ in actuals})
    days = sorted({day for _, day in actuals})
    existing = {
        (row.goal_id, row.on): row
        for row in GoalSnapshot.objects.select_for_update()
        .filter(goal_id__in=goal_ids, on__in=days)
        .order_by("pk")
        .only("pk", "goal_id", "on", "actual")
    }
    now = timezone.now()
    missing: list[GoalSnapshot] = []
    changed: list[GoalSnapshot] = []
    for (goal_id, day), value in sorted(actuals.items()):
        # stored with the column's two places: compare like with like, so a re-run is a no-op
        actual = None if value is None else value.quantize(CENT)
        row = existing.get((goal_id, day))
        if row is None:
            missing.append(GoalSnapshot(goal_id=goal_id, on=day, actual=actual))
        elif row.actual != actual:
            row.actual, row.taken_at = actual, now
            changed.append(row)
    GoalSnapshot.objects.bulk_create(
        missing,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["goal", "on"],
        update_fields=["actual", "taken_at"],
    )
    GoalSnapshot.objects.bulk_update(changed, ["actual", "taken_at"], batch_size=1000)
    return len(missing) + len(changed), len(actuals) - len(missing) - len(changed)
