"""The lead-flow rules one at a time: the window, the per-day rounding, what counts as an
arrival, as waiting and as leaving the open queue, the team's capacity, the hours until it is
full and the warning and arithmetic the /marketing/ panel shows.

Times as in test_capacity: now = 2026-11-16 12:00 UTC, the window the 14 days before it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from apps.goals.facts import rebuild_lead_facts
from apps.leads.models import Lead, LeadEvent
from apps.routing.capacity import (
    _capacity_sentence,
    _flow_sentence,
    _hours_until_full,
    _one_decimal,
    lead_flow,
)
from apps.users.models import Role
from tests import factories
from tests.routing.test_capacity import BEFORE, INSIDE, LATER, NOW, START, _campaign, _lead, _status

# -- pure rules: no database -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("0.25", "0.3", id="a half rounds up, 0.25 -> 0.3"),
        pytest.param("1.05", "1.1", id="a half rounds up after an odd digit too, 1.05 -> 1.1"),
        pytest.param("2.14", "2.1", id="below a half rounds down, 2.14 -> 2.1"),
        pytest.param("48", "48.0", id="whole numbers keep one decimal, 48 -> 48.0"),
    ],
)
def test_per_day_figures_round_half_up_to_one_decimal(value: str, shown: str) -> None:
    # when
    rounded = _one_decimal(Decimal(value))
    # then
    assert str(rounded) == shown


def test_the_flow_sentences_separate_thousands_like_the_cards_beside_them() -> None:
    # given a 100k-lead install's fortnight: 15,723 ready arrivals, 12,826 answered
    inflow, answer_rate = Decimal(15723) / 14, Decimal(12826) / 14
    # when
    flow = _flow_sentence(inflow=inflow, answer_rate=answer_rate, before=1250, after=3402)
    capacity = _capacity_sentence(hours=None, headroom=1200, capacity=2500)
    full = _capacity_sentence(hours=Decimal("1234.5"), headroom=3, capacity=2500)
    # then 1,123.07 -> 1,123.1 and 916.14 -> 916.1 a day; counts as 1,250 and 3,402
    assert flow == (
        "1,123.1 ready leads a day arrive, 916.1 are answered; "
        "the unanswered backlog grew from 1,250 to 3,402."
    )
    assert capacity == ("1,200 of 2,500 rep slots are free and the open load is not growing.")
    assert full == "Reps' capacity is full in 1,234.5 hours at this pace."


@pytest.mark.parametrize(
    ("headroom", "load_growth", "hours"),
    [
        pytest.param(0, "0", Decimal(0), id="no free slot: full now, growing or not"),
        pytest.param(-2, "-1", Decimal(0), id="over capacity: full now"),
        pytest.param(1, "1", Decimal("24.0"), id="1 free slot, 1 a day: 24 hours"),
        pytest.param(1, "0.5", Decimal("48.0"), id="1 free slot, half a lead a day: 48 hours"),
        pytest.param(3, "1.5", Decimal("48.0"), id="3 free slots, 1.5 a day: 48 hours"),
        pytest.param(1, "7", Decimal("3.4"), id="1 free slot, 7 a day: 24 / 7 = 3.43 -> 3.4"),
        pytest.param(5, "0", None, id="free slots and a flat load: never full"),
        pytest.param(5, "-1", None, id="free slots and a shrinking load: never full"),
    ],
)
def test_hours_until_full_are_free_slots_over_load_growth_in_hours(
    headroom: int, load_growth: str, hours: Decimal | None
) -> None:
    # when
    result = _hours_until_full(headroom=headroom, load_growth=Decimal(load_growth))
    # then
    assert result == hours
    assert (result is None) == (hours is None)


# -- the window --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lead_flow_measures_the_last_14_days_by_default(rep) -> None:  # type: ignore[no-untyped-def]
    # given: a lead made ready half a day before the 14-day window opened, still waiting
    _lead(ready=START - timedelta(hours=12))
    # when
    flow = lead_flow(now=NOW)
    # then: it was waiting when the window opened; it did not arrive in it
    assert (flow.now, flow.days) == (NOW, 14)
    assert flow.ready_arrivals == 0
    assert (flow.backlog_at_start, flow.backlog) == (1, 1)


@pytest.mark.django_db
def test_a_one_day_window_is_allowed(rep) -> None:  # type: ignore[no-untyped-def]
    # given: a lead made ready 12 hours ago
    _lead(ready=NOW - timedelta(hours=12))
    # when
    flow = lead_flow(now=NOW, days=1)
    # then
    assert flow.days == 1
    assert (flow.ready_arrivals, flow.inflow_per_day) == (1, Decimal("1.0"))


@pytest.mark.parametrize("days", [0, -7])
def test_lead_flow_rejects_a_window_shorter_than_a_day(days: int) -> None:
    with pytest.raises(ValueError, match=r"^days must be at least 1\.$"):
        lead_flow(now=NOW, days=days)


# -- arrivals and the campaigns they came from -------------------------------------------------


@pytest.mark.django_db
def test_top_campaigns_rank_by_arrivals_then_name_and_gather_leads_without_one(rep) -> None:  # type: ignore[no-untyped-def]
    # given: Zeta created before Alpha, 2 arrivals each; 1 arrival without a campaign
    zeta, alpha = _campaign("Zeta"), _campaign("Alpha")
    for campaign in (zeta, zeta, alpha, alpha, None):
        _lead(ready=INSIDE, campaign=campaign)
    # when
    flow = lead_flow(now=NOW, days=14)
    # then: 2 / 14 = 0.14 and 1 / 14 = 0.07 both read 0.1 a day
    assert [(c.campaign_id, c.name, c.ready, c.per_day) for c in flow.top_campaigns] == [
        (alpha.pk, "Alpha", 2, Decimal("0.1")),
        (zeta.pk, "Zeta", 2, Decimal("0.1")),
        (None, "No campaign", 1, Decimal("0.1")),
    ]


@pytest.mark.django_db
def test_only_status_changes_count_as_arrivals(rep) -> None:  # type: ignore[no-untyped-def]
    # given: a lead waiting since before the window, and a play named "ready" attached to it in
    # the window (an event whose new value reads "ready", but not a status change)
    lead = _lead(ready=BEFORE)
    factories.LeadEventFactory(
        lead=lead, kind=LeadEvent.Kind.PLAY, old_value="", new_value="ready", at=INSIDE
    )
    # when
    flow = lead_flow(now=NOW, days=14)
    # then
    assert flow.ready_arrivals == 0
    assert (flow.backlog_at_start, flow.backlog) == (1, 1)


# -- the unanswered backlog ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_backlog_counts_only_ready_leads_without_a_first_response(rep) -> None:  # type: ignore[no-untyped-def]
    # given: a lead made ready in the window and waiting (in the backlog) --
    _lead(ready=INSIDE)
    # a recycled lead made ready again in the window, which keeps its earlier first response
    # (not waiting for a first answer) --
    again = factories.LeadFactory(status=Lead.Status.READY, first_response_at=BEFORE)
    _status(again, "nurture", "ready", BEFORE - timedelta(days=1))
    _status(again, "ready", "working", BEFORE)
    _status(again, "working", "nurture", BEFORE + timedelta(hours=1))
    _status(again, "nurture", "ready", INSIDE)
    # and a lead moved to working by hand in the window with no first response recorded (a
    # rep holds it: it is worked, not waiting)
    by_hand = factories.LeadFactory(
        status=Lead.Status.WORKING, owner=rep, assigned_at=BEFORE, first_response_at=None
    )
    _status(by_hand, "nurture", "ready", BEFORE)
    _status(by_hand, "ready", "working", INSIDE)
    # when
    flow = lead_flow(now=NOW, days=14)
    # then: 1 waiting now; 1 waiting at the start (the one moved by hand), so not growing
    assert flow.ready_arrivals == 2
    assert (flow.backlog_at_start, flow.backlog) == (1, 1)
    assert not flow.falling_behind


@pytest.mark.django_db
def test_the_arithmetic_flags_a_backlog_larger_than_the_window_explains(rep) -> None:  # type: ignore[no-untyped-def]
    # given: 2 leads waiting now: one made ready in the window, one exactly at `now`, whose
    # status change falls outside the window [start, now)
    _lead(ready=INSIDE)
    _lead(ready=NOW)
    # when
    flow = lead_flow(now=NOW, days=14)
    # then: 0 at the start + 1 arrival - 0 answers = 1 expected, 2 waiting
    assert (flow.backlog_at_start, flow.ready_arrivals, flow.backlog) == (0, 1, 2)
    assert (
        "1 more than expected: some status changes are missing from the window's records."
        in flow.arithmetic
    )


@pytest.mark.django_db
def test_a_falling_backlog_with_a_shrinking_load_is_explained_step_by_step(rep) -> None:  # type: ignore[no-untyped-def]
    # given: a lead waiting when the window opened, answered and converted in it
    _lead(ready=BEFORE, answered=INSIDE, closed=LATER, owner=rep)
    # when
    flow = lead_flow(now=NOW, days=14)
    # then: 0 arrivals, 1 answer (1 / 14 = 0.07 -> 0.1 a day), backlog 1 -> 0; sam's 25 slots
    # all free and the load shrinking ((0 - 1) / 14 = -0.07 -> -0.1 a day)
    assert not flow.falling_behind
    assert flow.hours_until_full is None
    assert flow.arithmetic == [
        "0 leads became ready in the last 14 days: 0 / 14 = 0 a day.",
        "Reps answered 1 leads for the first time in those days: 1 / 14 = 0.1 a day.",
        "Arrivals minus answers: (0 − 1) / 14 = -0.1 a day; 1 unanswered when the window "
        "opened + 0 − 1 = 0 expected now.",
        "Unanswered backlog (ready, no first response): 1 when the window opened, 0 now: it "
        "fell from 1 to 0, so reps are keeping up.",
        "Available Sales reps can hold 25 open leads; 0 are open now (owned by a rep or waiting in the "
        "pool), leaving 25 − 0 = 25 free.",
        "1 leads left the open queue in those days (converted, disqualified, recycled or "
        "archived): the open load grows by (0 − 1) / 14 = -0.1 a day.",
        "The open load is not growing, so capacity does not fill at this pace.",
    ]
    assert flow.headline == (
        "Keeping up: 0 ready leads a day arrive, 0.1 are answered; the unanswered backlog fell "
        "from 1 to 0. 25 of 25 rep slots are free and the open load is not growing."
    )


# -- leaving the open queue ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answered", "is_archived", "archived_at", "left_open"),
    [
        pytest.param(False, True, INSIDE, 1, id="an open lead archived in the window left it"),
        pytest.param(False, True, NOW, 0, id="an open lead archived at now has not left yet"),
        pytest.param(
            False, False, INSIDE, 0, id="a lead taken back out of the archive is open again"
        ),
        pytest.param(
            True,
            True,
            LATER + timedelta(hours=1),
            1,
            id="a converted lead archived later left once",
        ),
    ],
)
@pytest.mark.django_db
def test_an_archived_lead_leaves_the_open_queue_once_when_archived_in_the_window(  # type: ignore[no-untyped-def]
    rep, answered, is_archived, archived_at, left_open
):
    # given: a lead waiting since before the window; answered and converted in it, if said
    lead = _lead(
        ready=BEFORE,
        answered=INSIDE if answered else None,
        closed=LATER if answered else None,
        owner=rep,
    )
    Lead.objects.filter(pk=lead.pk).update(is_archived=is_archived, archived_at=archived_at)
    rebuild_lead_facts()  # written behind the services' back: the facts follow
    # when
    flow = lead_flow(now=NOW, days=14)
    # then
    assert flow.left_open == left_open


# -- capacity, the hours until it is full and the warning ---------------------------------------


@pytest.mark.django_db
def test_capacity_counts_only_active_available_sales_reps(rep) -> None:  # type: ignore[no-untyped-def]
    # given: sam (Sales, 25); an inactive Sales rep (40), an unavailable one (50) and a marketer
    sales = Group.objects.get(name=Role.SALES)
    factories.UserFactory(username="gone", capacity=40, is_active=False).groups.add(sales)
    factories.UserFactory(username="away", capacity=50, is_available=False).groups.add(sales)
    factories.UserFactory(username="mona", capacity=30).groups.add(
        Group.objects.get_or_create(name=Role.MARKETING)[0]
    )
    # when
    flow = lead_flow(now=NOW, days=14)
    # then
    assert flow.capacity == 25


@pytest.mark.django_db
def test_without_an_available_sales_rep_capacity_is_full_now() -> None:
    # given: a lead waiting in the pool and no Sales rep at all
    _lead(ready=INSIDE)
    # when
    flow = lead_flow(now=NOW, days=14)
    # then
    assert (flow.capacity, flow.open_load, flow.headroom) == (0, 1, -1)
    assert flow.hours_until_full == Decimal(0)
    assert flow.headline.endswith("Reps' capacity is full now.")


@pytest.mark.parametrize(
    ("policy_minutes", "active", "sla_minutes", "sla_text"),
    [
        pytest.param(5, True, 5, "the 5-minute SLA", id="the active policy's minutes"),
        pytest.param(5, False, None, "the first-response SLA", id="an inactive policy: unnamed"),
        pytest.param(None, False, None, "the first-response SLA", id="no policy: unnamed"),
    ],
)
@pytest.mark.django_db
def test_capacity_exactly_taken_is_full_now_and_waiting_leads_breach_the_sla(  # type: ignore[no-untyped-def]
    rep, policy_minutes, active, sla_minutes, sla_text
):
    # given: sam can hold 1 lead, and 1 lead without a campaign waits
    rep.capacity = 1
    rep.save()
    if policy_minutes is not None:
        factories.SlaPolicyFactory(first_response_minutes=policy_minutes, is_active=active)
    _lead(ready=INSIDE)
    # when
    flow = lead_flow(now=NOW, days=14)
    # then: 1 - 1 = 0 free slots
    assert (flow.headroom, flow.hours_until_full, flow.sla_minutes) == (0, Decimal(0), sla_minutes)
    assert flow.headline.endswith("Reps' capacity is full now.")
    assert (
        "Available Sales reps can hold 1 open leads; 1 are open now (owned by a rep or waiting in the "
        "pool), leaving 1 − 1 = 0 free." in flow.arithmetic
    )
    assert flow.arithmetic[-1] == (
        "No free slots: reps' capacity is full now, so new ready leads wait in the pool and "
        f"breach {sla_text}."
    )
    assert flow.warning == (
        f"1 open leads for 1 slots: new ready leads wait in the pool and breach {sla_text}. "
        "Add capacity or pause the busiest campaign."
    )


@pytest.mark.parametrize(
    ("capacity", "hours", "warning"),
    [
        pytest.param(
            2,
            Decimal("24.0"),
            "At this pace the 1 free slot is gone within 24 hours; then new ready leads wait in "
            "the pool and breach the 5-minute SLA. Add capacity or pause the busiest campaign.",
            id="1 free slot, full in 24 hours: warned, one slot",
        ),
        pytest.param(
            4,
            Decimal("72.0"),
            "At this pace the 3 free slots are gone within 72 hours; then new ready leads wait "
            "in the pool and breach the 5-minute SLA. Add capacity or pause the busiest campaign.",
            id="full in exactly 72 hours: warned",
        ),
        pytest.param(5, Decimal("96.0"), None, id="full in 96 hours: beyond the horizon"),
    ],
)
@pytest.mark.django_db
def test_a_warning_is_raised_when_capacity_is_full_within_72_hours(  # type: ignore[no-untyped-def]
    rep, policy, capacity, hours, warning
):
    # given: over a 1-day window, 1 lead without a campaign arrived and waits (the load grows
    # by 1 a day); sam holds `capacity`, so capacity - 1 slots are free
    rep.capacity = capacity
    rep.save()
    _lead(ready=NOW - timedelta(hours=12))
    # when
    flow = lead_flow(now=NOW, days=1)
    # then: (capacity - 1) / 1 * 24 hours
    assert flow.hours_until_full == hours
    assert flow.warning == warning
