"""Lead flow vs capacity, computed by hand for small fixtures (now = 2026-11-16 12:00 UTC,
window = the 14 days before it, 2026-11-02 12:00 up to but not including now).

Every lead is built with the status events the services would have written, so the backlog
at the window's start can be read back from the records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.utils.text import slugify

from apps.bench.bench import recording_statements
from apps.campaigns.models import Campaign
from apps.goals.facts import rebuild_lead_facts
from apps.leads.models import Lead, LeadEvent, LeadFacts, StatusMove
from apps.routing.capacity import lead_flow
from apps.users.models import Role, User
from tests import factories

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=14)
BEFORE = START - timedelta(days=2)  # made ready before the window
INSIDE = NOW - timedelta(days=3)
LATER = INSIDE + timedelta(hours=1)


def _status(lead: Lead, old: str, new: str, at: datetime) -> None:
    factories.LeadEventFactory(
        lead=lead, kind=LeadEvent.Kind.STATUS, old_value=old, new_value=new, at=at
    )


def _campaign(name: str) -> Campaign:
    return Campaign.objects.create(name=name, slug=slugify(name))


def _lead(
    *,
    ready: datetime,
    answered: datetime | None = None,
    closed: datetime | None = None,
    owner: User | None = None,
    campaign: Campaign | None = None,
) -> Lead:
    """A lead made ready at `ready`; answered (ready -> working) at `answered`; converted at
    `closed` (working -> converted); with the status events the services write for each. A
    campaign brings it in by a touch (its source campaign, which the lead-flow sources read)."""
    status = Lead.Status.READY
    if answered:
        status = Lead.Status.WORKING
    if closed:
        status = Lead.Status.CONVERTED
    lead = factories.LeadFactory(
        campaign=campaign,
        status=status,
        ready_at=ready,
        owner=owner if answered else None,
        assigned_at=ready if answered and owner else None,
        first_response_at=answered,
        converted_at=closed,
    )
    if campaign is not None:
        factories.TouchpointFactory(lead=lead, campaign=campaign, occurred_at=ready)
    _status(lead, "nurture", "ready", ready)
    if answered:
        _status(lead, "ready", "working", answered)
    if closed:
        _status(lead, "working", "converted", closed)
    return lead


@pytest.fixture
def team(db, rep, other_rep, policy):  # type: ignore[no-untyped-def]
    # capacity: sam 25 + sara 10 = 35; an unavailable Sales rep (50) and a marketer do not count
    other_rep.capacity = 10
    other_rep.save()
    away = factories.UserFactory(username="away", capacity=50, is_available=False)
    away.groups.add(Group.objects.get(name=Role.SALES))
    factories.UserFactory(username="mona", capacity=40).groups.add(
        Group.objects.get_or_create(name=Role.MARKETING)[0]
    )
    return rep


@pytest.fixture
def behind(team, rep, other_rep):  # type: ignore[no-untyped-def]
    """28 ready arrivals, 14 answered, the unanswered backlog 5 -> 19, 7 converted."""
    webinar = _campaign("Spring webinar")
    search = _campaign("Paid search")
    # 5 old leads, ready before the window and unanswered when it opened (backlog at start 5):
    # 3 answered in the window, 2 still waiting
    for n in range(5):
        _lead(ready=BEFORE, answered=INSIDE if n < 3 else None, owner=rep)
    # 20 webinar leads made ready in the window (the first exactly at its start, which belongs
    # to the window): 3 answered, 17 waiting
    for n in range(20):
        _lead(
            ready=START if n == 0 else INSIDE,
            answered=LATER if n < 3 else None,
            owner=rep,
            campaign=webinar,
        )
    # 8 paid-search leads made ready and answered in the window, 7 of them converted in it
    for n in range(8):
        _lead(
            ready=INSIDE,
            answered=LATER,
            closed=LATER + timedelta(hours=1) if n < 7 else None,
            owner=rep,
            campaign=search,
        )
    # 6 working leads answered before the window: open load, nothing else
    for _ in range(6):
        _lead(ready=BEFORE, answered=BEFORE + timedelta(hours=1), owner=other_rep)
    # not in the backlog at the start, though ready once before it:
    # converted before the window,
    _lead(ready=BEFORE, answered=BEFORE, closed=BEFORE + timedelta(hours=2), owner=rep)
    # archived unanswered before the window (and not open now),
    factories.LeadFactory(
        status=Lead.Status.READY, is_archived=True, archived_at=BEFORE + timedelta(hours=1)
    ).events.create(kind=LeadEvent.Kind.STATUS, old_value="nurture", new_value="ready", at=BEFORE)
    # disqualified, then disputed back to nurture before the window: the dispute erased its
    # first response, so only its status (nurture since before the window) keeps it out
    sent_back = factories.LeadFactory(status=Lead.Status.NURTURE, ready_at=BEFORE)
    _status(sent_back, "nurture", "ready", BEFORE)
    _status(sent_back, "ready", "disqualified", BEFORE + timedelta(hours=1))
    _status(sent_back, "disqualified", "nurture", BEFORE + timedelta(hours=2))


def test_lead_flow_says_falling_behind_when_the_backlog_grows(
    behind, django_assert_max_num_queries
):  # type: ignore[no-untyped-def]
    # when
    with django_assert_max_num_queries(4):
        flow = lead_flow(now=NOW, days=14)
    # then: arrivals 20 webinar + 8 paid search = 28 -> 28 / 14 = 2 a day
    assert flow.ready_arrivals == 28
    assert flow.inflow_per_day == Decimal("2.0")
    # answered in the window: 3 old + 3 webinar + 8 paid search = 14 -> 1 a day
    assert flow.answered == 14
    assert flow.answer_rate_per_day == Decimal("1.0")
    assert flow.net_growth_per_day == Decimal("1.0")
    # backlog: 5 at the start; now 2 old + 17 webinar = 19 (= 5 + 28 - 14)
    assert (flow.backlog_at_start, flow.backlog) == (5, 19)
    assert flow.falling_behind
    assert not flow.keeping_up
    # capacity 35; open 5 old + 20 webinar + 1 paid search + 6 earlier = 32; 3 free
    assert (flow.capacity, flow.open_load, flow.headroom) == (35, 32, 3)
    # 7 converted left the open queue: the load grows by (28 - 7) / 14 = 1.5 a day, so the
    # 3 free slots are gone in 3 / 1.5 * 24 = 48 hours
    assert flow.left_open == 7
    assert flow.load_growth_per_day == Decimal("1.5")
    assert flow.hours_until_full == Decimal("48.0")
    assert [(c.name, c.ready, c.per_day) for c in flow.top_campaigns] == [
        ("Spring webinar", 20, Decimal("1.4")),  # 20 / 14 = 1.43
        ("Paid search", 8, Decimal("0.6")),  # 8 / 14 = 0.57
    ]
    assert flow.headline == (
        "Falling behind: 2 ready leads a day arrive, 1 is answered; the unanswered backlog "
        "grew from 5 to 19. Reps' capacity is full in 48 hours at this pace."
    )
    assert flow.warning == (
        "At this pace the 3 free slots are gone within 48 hours; then new ready leads wait in "
        "the pool and breach the 5-minute SLA. Slow down campaign Spring webinar (1.4/day) or "
        "add capacity."
    )
    assert flow.arithmetic == [
        "28 leads became ready in the last 14 days: 28 / 14 = 2 a day.",
        "Reps answered 14 leads for the first time in those days: 14 / 14 = 1 a day.",
        "Arrivals minus answers: (28 − 14) / 14 = 1 a day; 5 unanswered when the window "
        "opened + 28 − 14 = 19 expected now.",
        "Unanswered backlog (ready, no first response): 5 when the window opened, 19 now: it "
        "grew from 5 to 19, so reps are falling behind.",
        "Available Sales reps can hold 35 open leads; 32 are open now (owned by a rep or waiting in the "
        "pool), leaving 35 − 32 = 3 free.",
        "7 leads left the open queue in those days (converted, disqualified, recycled or "
        "archived): the open load grows by (28 − 7) / 14 = 1.5 a day.",
        "Hours until reps' capacity is full: 3 / (21 / 14) × 24 = 48 hours; after that new "
        "ready leads wait in the pool and breach the 5-minute SLA.",
    ]
    html = render_to_string("components.html#lead-flow", {"flow": flow})
    assert "<strong>Falling behind:</strong> 2 ready leads a day arrive" in html
    assert "flow--warning" in html
    assert "Hours until capacity is full</dt><dd>48.0</dd>" in html
    assert "Hours to breach" not in html


def test_campaigns_with_equal_arrivals_are_listed_by_name(team):  # type: ignore[no-untyped-def]
    # given: three campaigns with 2 ready arrivals each, created in an order that is neither
    # their names' order nor its reverse
    mid, alpha, zeta = (_campaign(name) for name in ("Mid webinar", "Alpha search", "Zeta fair"))
    for campaign in (mid, mid, alpha, alpha, zeta, zeta):
        _lead(ready=INSIDE, campaign=campaign)
    # when
    flow = lead_flow(now=NOW, days=14)
    # then: a tie in arrivals is broken by name
    assert [(c.name, c.ready) for c in flow.top_campaigns] == [
        ("Alpha search", 2),
        ("Mid webinar", 2),
        ("Zeta fair", 2),
    ]


def test_the_window_ends_just_before_now(team, rep):  # type: ignore[no-untyped-def]
    # given: a lead made ready exactly at `now`, and one answered exactly at `now`
    _lead(ready=NOW)
    _lead(ready=INSIDE, answered=NOW, owner=rep)
    # when
    flow = lead_flow(now=NOW, days=14)
    # then: neither moment is in the window [start, now); both leads are counted where the
    # leads' fields put them now (1 waiting, 1 working), and the backlog at the start is
    # rolled back through both events
    assert (flow.ready_arrivals, flow.answered) == (1, 0)
    assert (flow.backlog_at_start, flow.backlog) == (0, 1)


def test_lead_flow_says_keeping_up_when_the_backlog_falls(team, rep):  # type: ignore[no-untyped-def]
    # given: 5 unanswered at the start, all answered and converted in the window; 14 arrivals,
    # 11 answered (9 of them converted), 3 waiting
    for _ in range(5):
        _lead(ready=BEFORE, answered=INSIDE, closed=LATER, owner=rep)
    for n in range(14):
        _lead(
            ready=INSIDE,
            answered=LATER if n < 11 else None,
            closed=LATER + timedelta(hours=1) if n < 9 else None,
            owner=rep,
        )
    # when
    flow = lead_flow(now=NOW, days=14)
    # then: 14 / 14 = 1 arrives a day; 16 / 14 = 1.14 answered; backlog 5 -> 3
    assert (flow.ready_arrivals, flow.answered) == (14, 16)
    assert (flow.backlog_at_start, flow.backlog) == (5, 3)
    assert not flow.falling_behind
    # 14 arrived, 14 converted: the open load (2 working + 3 ready) is not growing
    assert (flow.open_load, flow.headroom, flow.left_open) == (5, 30, 14)
    assert flow.load_growth_per_day == Decimal("0.0")
    assert flow.hours_until_full is None
    assert flow.warning is None
    assert flow.headline == (
        "Keeping up: 1 ready lead a day arrives, 1.1 are answered; the unanswered backlog fell "
        "from 5 to 3. 30 of 35 rep slots are free and the open load is not growing."
    )
    html = render_to_string("components.html#lead-flow", {"flow": flow})
    assert "flow--calm" in html
    assert "Keeping up" in html
    assert "Hours until capacity is full</dt><dd>—</dd>" in html


def test_equal_rates_with_a_growing_backlog_are_falling_behind(team, rep):  # type: ignore[no-untyped-def]
    # given: the answers went to the 5 old leads while new ones pile up: 30 arrivals, 24 of
    # them answered, plus the 5 old = 29 answers. With records the services keep, the backlog
    # changes by at most arrivals - answers, so "equal" can only be equal after rounding:
    # 30 / 14 = 2.14 and 29 / 14 = 2.07 both read 2.1 a day
    for _ in range(5):
        _lead(ready=BEFORE, answered=INSIDE, owner=rep)
    for n in range(30):
        _lead(ready=INSIDE, answered=LATER if n < 24 else None, owner=rep)
    # when
    flow = lead_flow(now=NOW, days=14)
    # then
    assert flow.inflow_per_day == flow.answer_rate_per_day == Decimal("2.1")
    assert (flow.backlog_at_start, flow.backlog) == (5, 6)
    assert flow.falling_behind
    assert flow.headline.startswith(
        "Falling behind: 2.1 ready leads a day arrive, 2.1 are answered; the unanswered "
        "backlog grew from 5 to 6."
    )
    assert "Keeping up" not in render_to_string("components.html#lead-flow", {"flow": flow})


def test_the_backlog_at_the_start_is_read_from_the_records(team, rep):  # type: ignore[no-untyped-def]
    # given, each made ready before the window unless said otherwise:
    # in the backlog at the start --
    #   answered exactly at the start (the answer belongs to the window)
    _lead(ready=BEFORE, answered=START, owner=rep)
    #   archived unanswered in the window (it leaves the queue without an answer)
    archived = _lead(ready=BEFORE)
    Lead.objects.filter(pk=archived.pk).update(is_archived=True, archived_at=INSIDE)
    # not in it --
    #   made ready exactly at the start: an arrival in the window, waiting now
    _lead(ready=START)
    #   archived before the start
    gone = _lead(ready=BEFORE)
    Lead.objects.filter(pk=gone.pk).update(is_archived=True, archived_at=BEFORE)
    #   recycled to nurture before the start (recycling settled its first response)
    recycled = factories.LeadFactory(status=Lead.Status.NURTURE, first_response_at=BEFORE)
    _status(recycled, "nurture", "ready", BEFORE - timedelta(days=1))
    _status(recycled, "ready", "nurture", BEFORE)
    #   disqualified before the start, disputed back to ready in the window (the dispute
    #   erased its first response): an arrival, waiting now
    disputed = factories.LeadFactory(status=Lead.Status.READY, ready_at=INSIDE)
    _status(disputed, "nurture", "ready", BEFORE - timedelta(days=1))
    _status(disputed, "ready", "disqualified", BEFORE)
    _status(disputed, "disqualified", "nurture", INSIDE)
    _status(disputed, "nurture", "ready", INSIDE)
    #   answered before the start, though the attempt was logged (and the lead moved to
    #   working) in the window
    late_log = _lead(ready=BEFORE - timedelta(days=1), answered=INSIDE, owner=rep)
    Lead.objects.filter(pk=late_log.pk).update(first_response_at=BEFORE)
    rebuild_lead_facts()  # written behind the services' back: the facts follow, as in `rebuild_facts`
    # when
    flow = lead_flow(now=NOW, days=14)
    # then: at the start 2 (answered at the start, archived later); now 2 (ready at the start,
    # disputed); 2 arrivals, 1 answer; 2 + 2 - 1 = 3 expected, 1 fewer (the archived lead)
    assert (flow.backlog_at_start, flow.backlog) == (2, 2)
    assert (flow.ready_arrivals, flow.answered) == (2, 1)
    assert not flow.falling_behind  # more arrived than were answered, but the backlog held
    assert "the unanswered backlog stayed at 2." in flow.headline
    assert (
        "1 fewer than expected: an archived lead leaves the backlog without an answer, and a "
        "lead made ready again after an earlier first response arrives without joining it."
        in flow.arithmetic
    )
    # the archived open lead left the open queue in the window
    assert flow.left_open == 1


def test_lead_flow_says_capacity_is_full_now_without_free_slots(behind, rep):  # type: ignore[no-untyped-def]
    # given: sam drops to capacity 5: 5 + 10 = 15 slots for 32 open leads
    rep.capacity = 5
    rep.save()
    # when
    flow = lead_flow(now=NOW, days=14)
    # then
    assert flow.headroom == -17
    assert flow.hours_until_full == Decimal(0)
    assert flow.headline.endswith("Reps' capacity is full now.")
    assert flow.warning is not None
    assert flow.warning.startswith(
        "32 open leads for 15 slots: new ready leads wait in the pool and breach the 5-minute SLA."
    )
    assert (
        "Available Sales reps can hold 15 open leads; 32 are open now (owned by a rep or waiting in the "
        "pool): 17 more than they can hold." in flow.arithmetic
    )
    html = render_to_string("components.html#lead-flow", {"flow": flow})
    assert "Capacity warning" in html
    assert '<details class="flow__details" open>' in html
    assert "No free slots: reps&#x27; capacity is full now" in html


def test_a_quiet_window_keeps_up(behind):  # type: ignore[no-untyped-def]
    # given: a window that starts after every event (the last 2 days): nothing arrives or is
    # answered, and the 19 waiting leads were waiting when it opened
    flow = lead_flow(now=NOW, days=2)
    # then
    assert (flow.ready_arrivals, flow.answered) == (0, 0)
    assert (flow.backlog_at_start, flow.backlog) == (19, 19)
    assert not flow.falling_behind
    assert flow.hours_until_full is None
    assert flow.warning is None
    assert flow.headline.startswith("Keeping up: 0 ready leads a day arrive, 0 are answered; ")


@pytest.mark.parametrize("extra", [0, 20])
def test_lead_flow_queries_do_not_grow_with_the_data(  # type: ignore[no-untyped-def]
    behind, rep, extra, django_assert_max_num_queries
):
    # given: `extra` more leads of every kind
    for n in range(extra):
        campaign = _campaign(f"Campaign {n}")
        _lead(ready=BEFORE, answered=INSIDE if n % 2 else None, owner=rep, campaign=campaign)
        _lead(ready=INSIDE, answered=LATER, closed=LATER, owner=rep, campaign=campaign)
    # then: events, capacity, one aggregate over leads, the SLA policy
    with django_assert_max_num_queries(4):
        lead_flow(now=NOW, days=14)


def test_lead_flow_rejects_an_empty_window(db):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="days"):
        lead_flow(now=NOW, days=0)


def test_the_window_is_read_from_the_status_moves_alone(behind) -> None:  # type: ignore[no-untyped-def]
    # when
    with recording_statements() as statements:
        flow = lead_flow(now=NOW, days=14)
    # then: the window's arrivals, departures and roll-back come from one range of the moves,
    # which carry what the flow reads about each lead: no event, lead or facts row is joined
    window = [sql for sql, _ in statements if StatusMove._meta.db_table in sql]
    assert len(window) == 1
    for table in (LeadEvent, Lead, LeadFacts):
        assert f'"{table._meta.db_table}"' not in window[0]
    assert (flow.ready_arrivals, flow.backlog_at_start) == (28, 5)
