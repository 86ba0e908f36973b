"""The admin of quarters and goals: overlaps refused, goals copied to the next quarter once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.models import Quarter
from apps.goals.models import JointGoal
from tests import factories


def url(model_label: str, view: str, *args: Any) -> str:
    app_label, model_name = model_label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def goal_data(quarter: Quarter, **overrides: str) -> dict[str, str]:
    data = {
        "quarter": str(quarter.pk),
        "metric": "sales_ready_leads",
        "name": "",
        "target": "120",
        "team_marketing": "on",
        "team_sales": "on",
        "segment_campaign": "",
        "segment_source": "",
        "segment_country": "",
        "segment_tier": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != "off"}


def test_quarter_overlapping_another_is_refused_naming_it(revops_client: Client) -> None:
    # given
    factories.QuarterFactory(
        name="2026-Q4", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31)
    )

    # when
    response = revops_client.post(
        url("core.quarter", "add"),
        {"name": "2027-Q1", "starts_on": "2026-12-15", "ends_on": "2027-03-31"},
    )

    # then
    assert response.status_code == 200
    assert "overlap quarter 2026-Q4" in response.content.decode()
    assert not Quarter.objects.filter(name="2027-Q1").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "2027-Q1", "starts_on": "2027-03-31", "ends_on": "2027-01-01"}, "must end after"),
        ({"name": "Q1 2027", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}, "2026-Q4"),
    ],
    ids=["end-before-start", "bad-name"],
)
def test_quarter_with_bad_dates_or_name_is_refused(
    revops_client: Client, data: dict[str, str], message: str
) -> None:
    # when
    response = revops_client.post(url("core.quarter", "add"), data)

    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Quarter.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"target": "0"}, "target", "greater than zero"),
        ({"team_marketing": "off", "team_sales": "off"}, "team_marketing", "at least one"),
    ],
    ids=["zero-target", "no-team"],
)
def test_goal_without_positive_target_or_team_is_refused(
    revops_client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    # given
    quarter = factories.QuarterFactory()

    # when
    response = revops_client.post(url("goals.jointgoal", "add"), goal_data(quarter, **overrides))

    # then
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert not JointGoal.objects.exists()


def test_copy_goals_to_next_quarter_copies_once(revops_client: Client) -> None:
    # given
    q4 = factories.QuarterFactory(name="2026-Q4")
    q1 = factories.QuarterFactory(
        name="2027-Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31)
    )
    ready = factories.JointGoalFactory(quarter=q4, metric="sales_ready_leads")
    won = factories.JointGoalFactory(
        quarter=q4, metric="revenue_won", target=Decimal("500000"), team_service=True
    )
    action = {"action": "copy_to_next_quarter", "_selected_action": [ready.pk, won.pk]}

    # when
    first = revops_client.post(url("goals.jointgoal", "changelist"), action, follow=True)
    second = revops_client.post(url("goals.jointgoal", "changelist"), action, follow=True)

    # then
    copies = JointGoal.objects.filter(quarter=q1).order_by("metric")
    assert [(g.metric, g.target, g.teams) for g in copies] == [
        ("revenue_won", Decimal("500000.00"), ["Marketing", "Sales", "Service"]),
        ("sales_ready_leads", Decimal("100.00"), ["Marketing", "Sales"]),
    ]
    assert "Copied 2 goal(s) from 2026-Q4 to 2027-Q1; skipped 0" in messages_of(first)[0]
    assert "Copied 0 goal(s) from 2026-Q4 to 2027-Q1; skipped 2" in messages_of(second)[0]


def test_copy_goals_keeps_a_goal_of_another_segment(revops_client: Client) -> None:
    # given
    q4 = factories.QuarterFactory(name="2026-Q4")
    q1 = factories.QuarterFactory(
        name="2027-Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31)
    )
    factories.JointGoalFactory(quarter=q1, metric="sales_ready_leads", segment_country="DE")
    goal = factories.JointGoalFactory(quarter=q4, metric="sales_ready_leads")

    # when
    revops_client.post(
        url("goals.jointgoal", "changelist"),
        {"action": "copy_to_next_quarter", "_selected_action": [goal.pk]},
    )

    # then
    assert JointGoal.objects.filter(quarter=q1).count() == 2


def test_quarter_action_copies_last_quarters_goals(revops_client: Client) -> None:
    # given
    q4 = factories.QuarterFactory(name="2026-Q4")
    q1 = factories.QuarterFactory(
        name="2027-Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31)
    )
    factories.JointGoalFactory(quarter=q4, metric="win_rate")

    # when
    response = revops_client.post(
        url("core.quarter", "changelist"),
        {"action": "copy_last_quarters_goals", "_selected_action": [q1.pk]},
        follow=True,
    )

    # then
    assert list(q1.goals.values_list("metric", flat=True)) == ["win_rate"]
    assert "2027-Q1: copied 1 goal(s) from 2026-Q4" in messages_of(response)[0]
