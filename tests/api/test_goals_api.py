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
