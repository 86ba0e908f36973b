"""Lead flow vs capacity, computed by hand for a small fixture (now = 2026-11-16 12:00 UTC,
window = the 14 days before it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.template.loader import render_to_string

from apps.leads.models import Lead, LeadEvent
from apps.routing.capacity import lead_flow
from apps.users.models import Role
from tests import factories

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=14)
INSIDE = NOW - timedelta(days=3)


def _ready_event(lead: Lead, at: datetime) -> None:
    factories.LeadEventFactory(
        lead=lead, kind=LeadEvent.Kind.STATUS, old_value="nurture", new_value="ready", at=at
    )


@pytest.fixture
def busy(db, rep, other_rep, policy):  # type: ignore[no-untyped-def]
    # capacity: sam 25 + sara 10 = 35; an unavailable Sales rep (50) and a marketer do not count
    other_rep.capacity = 10
    other_rep.save()
    away = factories.UserFactory(username="away", capacity=50, is_available=False)
    away.groups.add(Group.objects.get(name=Role.SALES))
    webinar = factories.CampaignFactory(name="Spring webinar")
    search = factories.CampaignFactory(name="Paid search")
    # 20 ready, unanswered leads of the webinar, each made ready in the window (the first one
    # exactly at the window's start, which is included): open 20, backlog 20, arrivals 20
    for n in range(20):
        lead = factories.LeadFactory(campaign=webinar, status=Lead.Status.READY)
        _ready_event(lead, START if n == 0 else INSIDE)
    # 8 working leads of paid search, ready and answered in the window: open 8, answered 8,
    # arrivals 8; one more ready event exactly at `now` is outside the half-open window
    for n in range(8):
        lead = factories.LeadFactory(
            campaign=search,
            status=Lead.Status.WORKING,
            owner=rep,
            assigned_at=INSIDE,
            first_response_at=INSIDE + timedelta(minutes=4),
        )
        _ready_event(lead, INSIDE)
        if n == 0:
            _ready_event(lead, NOW)
    # 6 converted leads answered in the window, made ready before it: answered 6, not open
    for _ in range(6):
        lead = factories.LeadFactory(
            campaign=search, status=Lead.Status.CONVERTED, first_response_at=INSIDE
        )
        _ready_event(lead, START - timedelta(seconds=1))
    # 4 working leads answered before the window: open 4
    for _ in range(4):
        factories.LeadFactory(
            status=Lead.Status.WORKING,
            owner=other_rep,
            assigned_at=START - timedelta(days=2),
            first_response_at=START - timedelta(days=1),
        )
    # an archived ready lead is not open load
    factories.LeadFactory(
        status=Lead.Status.READY, is_archived=True, archived_at=INSIDE, campaign=webinar
    )


def test_lead_flow_warns_when_the_free_slots_run_out(busy, django_assert_num_queries):  # type: ignore[no-untyped-def]
    # when
    with django_assert_num_queries(4):
        flow = lead_flow(now=NOW, days=14)
    # then: arrivals 20 + 8 = 28 -> 28 / 14 = 2 a day; answered 8 + 6 = 14 -> 1 a day
    assert flow.ready_arrivals == 28
    assert flow.inflow_per_day == Decimal("2.0")
    assert flow.answered == 14
    assert flow.answer_rate_per_day == Decimal("1.0")
    # capacity 25 + 10 = 35; open 20 + 8 + 4 = 32; headroom 3; backlog 20
    assert flow.capacity == 35
    assert flow.open_load == 32
    assert flow.headroom == 3
    assert flow.backlog == 20
    # net growth 2 - 1 = 1 a day; 3 / 1 * 24 = 72 hours (the warning horizon, inclusive)
    assert flow.net_growth_per_day == Decimal("1.0")
    assert flow.hours_to_breach == Decimal("72.0")
    assert [(c.name, c.ready, c.per_day) for c in flow.top_campaigns] == [
        ("Spring webinar", 20, Decimal("1.4")),  # 20 / 14 = 1.43
        ("Paid search", 8, Decimal("0.6")),  # 8 / 14 = 0.57
    ]
    assert flow.warning == (
        "Ready leads arrive at 2/day but reps answer 1/day: the backlog of 20 will breach "
        "the 5-minute SLA within 72 hours. Slow down campaign Spring webinar (1.4/day) or add "
        "capacity."
    )
    assert flow.arithmetic == [
        "28 leads became ready in the last 14 days: 28 / 14 = 2 a day.",
        "Reps answered 14 leads for the first time in those days: 14 / 14 = 1 a day.",
        "Available Sales reps can hold 35 open leads; 32 are open now (held or waiting in the "
        "pool), leaving 35 − 32 = 3 free.",
        "Net growth: 2 − 1 = 1 open leads a day.",
        "Hours until the free slots are gone: 3 / 1 × 24 = 72 hours; after that new ready "
        "leads wait in the pool and breach the 5-minute SLA.",
        "20 ready leads are waiting for a first response right now.",
    ]


def test_lead_flow_is_calm_when_reps_keep_up(busy):  # type: ignore[no-untyped-def]
    # given: a window that starts after every event (the last 2 days): nothing arrives
    flow = lead_flow(now=NOW, days=2)
    # then: 0 arrivals, 0 answered; net 0: no breach forecast, no warning
    assert (flow.ready_arrivals, flow.answered) == (0, 0)
    assert flow.hours_to_breach is None
    assert flow.warning is None
    html = render_to_string("components.html#lead-flow", {"flow": flow})
    assert "Capacity is keeping up" in html


def test_lead_flow_breaches_now_without_free_slots(busy, rep):  # type: ignore[no-untyped-def]
    # given: sam drops to capacity 5: 5 + 10 = 15 slots for 32 open leads
    rep.capacity = 5
    rep.save()
    # when: a 2-day window sees no arrivals (net 0) but the headroom is 15 - 32 = -17
    flow = lead_flow(now=NOW, days=2)
    # then
    assert flow.headroom == -17
    assert flow.hours_to_breach == Decimal(0)
    assert flow.warning is not None
    assert "breach the 5-minute SLA now" in flow.warning
    html = render_to_string("components.html#lead-flow", {"flow": flow})
    assert "Capacity warning" in html
    assert "<details" in html
    assert "No free slots and 20 ready leads unanswered" in html


def test_lead_flow_rejects_an_empty_window(db):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="days"):
        lead_flow(now=NOW, days=0)
