"""The nightly goal snapshot: one row per goal per day, safe to run again."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.goals import services
from apps.goals.models import GoalSnapshot
from apps.goals.tasks import snapshot_goals_task
from tests import factories
from tests.goals.test_metrics import at, quarters, ready_lead

pytestmark = pytest.mark.django_db


def test_snapshot_goals_records_each_goal_of_the_quarter_containing_the_day(db):  # type: ignore[no-untyped-def]
    # given two Q4 goals (one segmented to DE), a Q3 goal, and leads ready in Q4
    q = quarters()
    everyone = factories.JointGoalFactory(quarter=q.q4, metric="sales_ready_leads")
    germany = factories.JointGoalFactory(
        quarter=q.q4, metric="sales_ready_leads", segment_country="DE"
    )
    factories.JointGoalFactory(quarter=q.q3, metric="sales_ready_leads")
    ready_lead(at(2026, 10, 2, 9), country="DE")
    ready_lead(at(2026, 10, 3, 9), country="US")
    # when
    written = services.snapshot_goals(on=date(2026, 10, 20))
    # then
    assert written == 2
    rows = {row.goal_id: row for row in GoalSnapshot.objects.all()}
    assert set(rows) == {everyone.pk, germany.pk}
    assert rows[everyone.pk].actual == Decimal("2")
    assert rows[germany.pk].actual == Decimal("1")
    assert {row.on for row in rows.values()} == {date(2026, 10, 20)}


def test_snapshot_goals_twice_the_same_day_keeps_one_row_with_the_new_value(db):  # type: ignore[no-untyped-def]
    # given
    q = quarters()
    goal = factories.JointGoalFactory(quarter=q.q4, metric="sales_ready_leads")
    ready_lead(at(2026, 10, 2, 9))
    services.snapshot_goals(on=date(2026, 10, 20))
    ready_lead(at(2026, 10, 20, 9))
    # when
    services.snapshot_goals(on=date(2026, 10, 20))
    # then
    snapshot = GoalSnapshot.objects.get(goal=goal)
    assert snapshot.on == date(2026, 10, 20)
    assert snapshot.actual == Decimal("2")


def test_snapshot_goals_on_a_new_day_adds_a_row(db):  # type: ignore[no-untyped-def]
    # given
    q = quarters()
    goal = factories.JointGoalFactory(quarter=q.q4, metric="win_rate", target=Decimal("50"))
    services.snapshot_goals(on=date(2026, 10, 20))
    # when
    services.snapshot_goals(on=date(2026, 10, 21))
    # then a rate with nothing to divide is stored as no value, not as zero
    assert list(GoalSnapshot.objects.filter(goal=goal).values_list("on", "actual")) == [
        (date(2026, 10, 20), None),
        (date(2026, 10, 21), None),
    ]


def test_snapshot_goals_outside_any_quarter_writes_nothing(db):  # type: ignore[no-untyped-def]
    # given
    q = quarters()
    factories.JointGoalFactory(quarter=q.q4)
    # when
    written = services.snapshot_goals(on=date(2030, 1, 1))
    # then
    assert written == 0
    assert not GoalSnapshot.objects.exists()


def test_snapshot_goals_task_snapshots_today(db):  # type: ignore[no-untyped-def]
    # given a quarter around today with one goal
    today = timezone.localdate()
    quarter = factories.QuarterFactory(
        name="2099-Q1", starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=80)
    )
    goal = factories.JointGoalFactory(quarter=quarter, metric="pipeline_created")
    # when
    result = snapshot_goals_task.delay()
    # then
    assert snapshot_goals_task.name == "goals.snapshot_goals"
    assert result.get() == 1
    assert GoalSnapshot.objects.get(goal=goal).on == today
