"""goals/?quarter= and sla/?quarter=: the shared scoreboard, computed by apps.goals.metrics."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_goals_of_a_quarter_for_every_role(rep_api, service_api):  # type: ignore[no-untyped-def]
    goal = factories.JointGoalFactory(target=120)
    for api in (rep_api, service_api):
        body = api.get("/api/v1/goals/", {"quarter": "2026-Q4"}).json()
        assert body["quarter"]["name"] == "2026-Q4"
        row = body["goals"][0]
        assert (row["id"], row["metric"], row["target"]) == (goal.pk, "sales_ready_leads", "120.00")
        assert row["teams"] == ["Marketing", "Sales"]


def test_unknown_or_malformed_quarter(rep_api):  # type: ignore[no-untyped-def]
    factories.QuarterFactory()
    assert rep_api.get("/api/v1/goals/", {"quarter": "2031-Q1"}).status_code == 404
    bad = rep_api.get("/api/v1/sla/", {"quarter": "Q4-2026"})
    assert bad.status_code == 400
    assert "quarter" in bad.json()


def test_sla_scoreboard_has_both_sides(manager_api):  # type: ignore[no-untyped-def]
    factories.QuarterFactory()
    body = manager_api.get("/api/v1/sla/", {"quarter": "2026-Q4"}).json()
    assert body["quarter"]["name"] == "2026-Q4"
    assert {f["metric"] for f in body["marketing"]} >= {"sales_ready_leads"}
    assert {f["metric"] for f in body["sales"]} >= {"sla_compliance", "speed_to_lead_median"}


def test_page_and_api_show_the_same_figures(rep_api, manager, client):  # type: ignore[no-untyped-def]
    # given a quarter with leads that became ready, one answered in time, and two goals
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    quarter = factories.QuarterFactory()
    factories.JointGoalFactory(quarter=quarter, metric="sales_ready_leads", target=10)
    factories.JointGoalFactory(
        quarter=quarter, metric="sla_compliance", target=90, team_marketing=False
    )
    ready_at = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)
    for i, state in enumerate(["met", "breached", "met"]):
        lead = factories.LeadFactory(
            ready_at=ready_at,
            sla_state=state,
            owner=manager,
            assigned_at=ready_at,
            status="working",
            sla_due_at=ready_at + timedelta(minutes=5),
            first_response_at=ready_at + timedelta(minutes=3 + i * 5),
        )
        factories.LeadEventFactory(
            lead=lead, kind="status", old_value="nurture", new_value="ready", at=ready_at
        )
    # when both are asked
    api_goals = {
        g["metric"]: g
        for g in rep_api.get("/api/v1/goals/", {"quarter": "2026-Q4"}).json()["goals"]
    }
    api_sla = rep_api.get("/api/v1/sla/", {"quarter": "2026-Q4"}).json()
    client.force_login(manager)
    sheet = client.get("/goals/", {"quarter": "2026-Q4"}).context["sheet"]
    # then every goal's actual and every scoreboard figure agree
    for card in sheet.cards:
        api_value = api_goals[card.progress.goal.metric]["actual"]
        page_value = card.progress.actual.value
        assert (None if api_value is None else Decimal(str(api_value))) == page_value
    assert api_goals["sales_ready_leads"]["actual"] is not None
    assert Decimal(str(api_goals["sales_ready_leads"]["actual"])) == 3
    assert Decimal(str(api_goals["sla_compliance"]["actual"])) == Decimal("66.7")
    page_figures = {
        c.figure.metric: c.figure.value
        for c in (*sheet.scoreboard.marketing, *sheet.scoreboard.sales)
    }
    for side in ("marketing", "sales"):
        for figure in api_sla[side]:
            value = figure["value"]
            assert (None if value is None else Decimal(str(value))) == page_figures[
                figure["metric"]
            ]
