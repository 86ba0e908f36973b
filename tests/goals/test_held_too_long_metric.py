"""The goal metric "Leads held too long": leads the throttle's held queue sent back to nurture
because they waited longer than the agreement allows, counted per quarter (issue 20).

The held and expired leads are made by the routing services themselves (the throttle's hold on
mark_ready, expire_held, the ceiling's recycling), so the metric reads what routing writes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.goals import metrics
from apps.goals.metrics import Segment
from apps.goals.models import JointGoal, Metric
from apps.leads.models import Lead, LeadEvent
from apps.routing import services
from apps.scoring.services import mark_ready
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def q4(db: Any) -> Any:
    return factories.QuarterFactory(name="2026-Q4", starts_on=date(2026, 10, 1),
                                    ends_on=date(2026, 12, 31))  # fmt: skip


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The wall clock the services stamp their events with, moved by the steps below."""
    moment = SimpleNamespace(at=at(9, 1))
    monkeypatch.setattr(timezone, "now", lambda: moment.at)
    return moment


def _expire(clock: SimpleNamespace, now: datetime) -> int:
    """The sweep's expiry pass at `now`."""
    clock.at = now
    return services.expire_held(now=now)


@pytest.fixture
def throttling(throttling: Any) -> Any:
    """The throttle (tests/fixtures/throttle.py), one held lead per pool at most (a better lead
    sends the bottom one back: "held queue full"), in force for every moment the test passes."""
    throttling.hold_ceiling = 1
    throttling.effective_from = at(1, 1)
    throttling.save()
    return throttling


def _ready_on_score(clock: SimpleNamespace, agreement: Any, lead: Lead, *, now: datetime) -> Lead:
    """Scoring makes the lead ready on score at `now` (the throttle holds it: the pool is full)."""
    clock.at = now
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        mark_ready(
            lead=locked, agreement=agreement, reason=Lead.ReadyReason.SCORE, actor=None, now=now
        )
    lead.refresh_from_db()
    return lead


def _held(
    clock: SimpleNamespace, agreement: Any, *, now: datetime, score: int = 70, **fields: Any
) -> Lead:
    lead = factories.LeadFactory(score=score, **fields)
    lead = _ready_on_score(clock, agreement, lead, now=now)
    assert lead.status == Lead.Status.HELD
    return lead


def _sent_back(lead: Lead) -> list[tuple[str, datetime]]:
    return list(
        LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.STATUS, old_value="held")
        .order_by("at")
        .values_list("reason", "at")
    )


@pytest.fixture
def quarter_of_expiries(
    clock: SimpleNamespace, throttling: Any, full_pool: Any, q4: Any
) -> dict[str, Lead]:
    """Four leads sent back from the held queue around 2026-Q4 (1 Oct - 31 Dec):

    - before (paid): held 29 Sep 23:00, expired 30 Sep 23:30 (before the quarter: not counted);
    - october (paid): held 14 Oct 09:00, expired 15 Oct 10:00 (counted);
    - full: held 1 Nov 09:30 with score 61 behind `november` (score 80, held 09:00) at a
      ceiling of one, so sent back at once as "held queue full" (not counted);
    - november (referral): held 1 Nov 09:00, expired 2 Nov 10:00 (counted).
    Held too long in Q4: october and november = 2."""
    before = _held(clock, throttling, now=at(9, 29, 23), source="paid")
    assert _expire(clock, at(9, 30, 23, 30)) == 1
    october = _held(clock, throttling, now=at(10, 14, 9), source="paid")
    assert _expire(clock, at(10, 15, 10)) == 1
    november = _held(clock, throttling, now=at(11, 1, 9), score=80, source="referral")
    full = factories.LeadFactory(score=61)
    full = _ready_on_score(clock, throttling, full, now=at(11, 1, 9, 30))
    assert _expire(clock, at(11, 2, 10)) == 1
    # the routing services wrote what the figure reads
    assert _sent_back(before) == [(services.HELD_TOO_LONG, at(9, 30, 23, 30))]
    assert _sent_back(october) == [(services.HELD_TOO_LONG, at(10, 15, 10))]
    assert _sent_back(full) == [(services.HELD_QUEUE_FULL, at(11, 1, 9, 30))]
    assert _sent_back(november) == [(services.HELD_TOO_LONG, at(11, 2, 10))]
    assert not Lead.objects.held().exists()
    return {"before": before, "october": october, "full": full, "november": november}


def test_counts_the_leads_sent_back_held_too_long_in_the_quarter(
    q4: Any, quarter_of_expiries: dict[str, Lead]
) -> None:
    # when
    value = metrics.compute(Metric.HELD_TOO_LONG, q4)

    # then 2: october and november; not the one of 30 September nor the one the full queue
    # sent back
    assert value.value == D(2)
    assert value.unit == "count"
    assert value.label == "Leads held too long"
    leads = quarter_of_expiries
    assert set(metrics.drilldown(Metric.HELD_TOO_LONG, q4).values_list("pk", flat=True)) == {
        leads["october"].pk,
        leads["november"].pk,
    }


def test_the_drilldown_lists_as_many_leads_as_the_goal_shows(
    client: Client, manager: Any, q4: Any, quarter_of_expiries: dict[str, Lead]
) -> None:
    # given a goal on the metric
    goal = factories.JointGoalFactory(quarter=q4, metric=Metric.HELD_TOO_LONG, target=D("10"))

    # when the sales manager opens its records (signed in now: the clock has moved on)
    client.force_login(manager)
    response = client.get(reverse("goals:records", args=[goal.pk]))

    # then the figure and the records behind it agree: 2 leads
    assert response.status_code == 200
    drill = response.context["drill"]
    assert drill.value_text == "2"
    assert drill.total == 2
    assert drill.listed_label == "Leads held too long"
    leads = quarter_of_expiries
    assert {lead.pk for lead in drill.page} == {leads["october"].pk, leads["november"].pk}


def test_as_of_a_day_counts_only_the_expiries_before_its_end(
    q4: Any, quarter_of_expiries: dict[str, Lead]
) -> None:
    # when the goal history reads the quarter as it stood at the end of 15 October and 1 Nov
    mid_october = metrics.compute(Metric.HELD_TOO_LONG, q4, as_of=at(10, 16))
    first_of_november = metrics.compute(Metric.HELD_TOO_LONG, q4, as_of=at(11, 2))

    # then october's expiry alone: november's happened on 2 November
    assert mid_october.value == D(1)
    assert first_of_november.value == D(1)
    assert metrics.compute(Metric.HELD_TOO_LONG, q4, as_of=at(11, 3)).value == D(2)


def test_a_segment_counts_its_own_leads_and_the_drilldown_follows(
    q4: Any, quarter_of_expiries: dict[str, Lead]
) -> None:
    # given october's lead (and September's) came from paid ads, november's from a referral
    paid, referral = Segment(source="paid"), Segment(source="referral")
    events = Segment(source="event")
    leads = quarter_of_expiries

    # then each segment counts its own, and lists the same leads
    assert metrics.compute(Metric.HELD_TOO_LONG, q4, paid).value == D(1)
    assert metrics.compute(Metric.HELD_TOO_LONG, q4, referral).value == D(1)
    assert metrics.compute(Metric.HELD_TOO_LONG, q4, events).value == D(0)
    assert list(metrics.drilldown(Metric.HELD_TOO_LONG, q4, paid)) == [leads["october"]]
    assert list(metrics.drilldown(Metric.HELD_TOO_LONG, q4, referral)) == [leads["november"]]


def test_a_lead_sent_back_twice_in_the_quarter_counts_once(
    clock: SimpleNamespace, throttling: Any, full_pool: Any, q4: Any
) -> None:
    # given one lead held and expired on 3-4 October, then held and expired again 10-11 October
    lead = _held(clock, throttling, now=at(10, 3, 9))
    assert _expire(clock, at(10, 4, 10)) == 1
    assert _ready_on_score(clock, throttling, lead, now=at(10, 10, 9)).status == Lead.Status.HELD
    assert _expire(clock, at(10, 11, 10)) == 1
    assert len(_sent_back(lead)) == 2

    # when / then: one lead held too long, as its drill-down lists one lead
    assert metrics.compute(Metric.HELD_TOO_LONG, q4).value == D(1)
    assert metrics.drilldown(Metric.HELD_TOO_LONG, q4).count() == 1


def test_a_new_goal_on_the_metric_is_preset_lower_is_better(revops_client: Client, q4: Any) -> None:
    # when RevOps adds the goal leaving the box as the add page showed it (unticked)
    data = {
        "quarter": str(q4.pk),
        "metric": Metric.HELD_TOO_LONG,
        "name": "",
        "target": "5",
        "team_marketing": "on",
        "team_sales": "on",
        "segment_campaign": "",
        "segment_source": "",
        "segment_country": "",
        "segment_tier": "",
    }
    response = revops_client.post(reverse("admin:goals_jointgoal_add"), data)
    preset = revops_client.get(reverse("admin:goals_jointgoal_add") + "?metric=held_too_long")

    # then fewer leads held too long is the better side
    assert response.status_code == 302
    assert JointGoal.objects.get(metric=Metric.HELD_TOO_LONG).lower_is_better is True
    assert preset.context["adminform"].form["lower_is_better"].value() is True
