"""Routing a hand-raiser who is about to book (issue 18): the buyer sees the routed rep's free
times the moment they submit, so for a form that offers booking routing skips a rep with no
free slot in the booking window (the round-robin's turn and the account owner alike), unless
nobody has one: then the lead is routed as usual and the buyer is told sales will contact them.
A form that does not offer booking routes as before. Upcoming booked meetings count as work in
the weighted round-robin.

The world is tests/meetings/conftest.py's: `rep` (Sam) and `other_rep` (Sara) in one pool,
both working 09:00-17:30 UTC on weekdays; routing runs at the real time, so every fixture here
is laid out from `timezone.now()`."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.campaigns.models import Asset
from apps.leads.models import Lead, LeadEvent
from apps.meetings import availability, links, selectors
from apps.meetings.models import BusyFeed, Meeting
from apps.routing.models import PoolMember
from apps.users.models import User
from tests import factories
from tests.meetings.hands import hand_raise

pytestmark = pytest.mark.django_db


def _feed_busy_all_window(rep: User) -> None:
    """The rep's calendar feed (fetched fine) shows them busy from yesterday to two months on."""
    now = timezone.now()
    BusyFeed.objects.create(
        rep=rep,
        url="https://calendar.example/busy.ics",
        status=BusyFeed.Status.OK,
        checked_at=now,
        fetched_at=now,
        busy=[[(now - timedelta(days=1)).isoformat(), (now + timedelta(days=60)).isoformat()]],
    )


def _works_on_no_day(rep: User) -> None:
    # a raw write: the profile form would refuse it, but a stored value is what routing reads
    User.objects.filter(pk=rep.pk).update(work_days="")
    rep.refresh_from_db()


NO_SLOT = [
    pytest.param(_feed_busy_all_window, id="feed-busy-all-window"),
    pytest.param(_works_on_no_day, id="works-on-no-day"),
]


def _turns(**assigned: int) -> None:
    """Set the pool's round-robin counters by username."""
    for username, count in assigned.items():
        PoolMember.objects.filter(rep__username=username).update(assigned=count)


def _assigned(rep: User) -> int:
    return PoolMember.objects.get(rep=rep).assigned


def _has_slot(rep: User) -> bool:
    rep.refresh_from_db()
    return bool(availability.free_slots(rep, now=timezone.now(), limit=1))


def _hand_raise(
    asset: Asset, capture: Any, email: str = "dana@buyer.example"
) -> tuple[Lead, links.BookingClaim]:
    """Submit `asset`'s form the way intake does and let routing run at commit."""
    return hand_raise(asset, capture, email)


def _meeting(rep: User, starts_at: datetime, **kwargs: Any) -> Meeting:
    return Meeting.objects.create(
        uid=f"{uuid.uuid4()}@test",
        lead=factories.LeadFactory(),
        rep=rep,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        buyer_time_zone="UTC",
        raised_at=starts_at - timedelta(days=3),
        booked_at=starts_at - timedelta(days=3),
        **kwargs,
    )


# --- a form that offers booking ---------------------------------------------------------------


@pytest.mark.parametrize("make_busy", NO_SLOT)
def test_a_rep_with_no_free_slot_is_skipped_even_on_their_round_robin_turn(
    booking_world, rep, other_rep, django_capture_on_commit_callbacks, make_busy
):
    # given Sam's turn in the round-robin (far fewer leads), but no free slot in his window
    _turns(sam=0, sara=10)
    make_busy(rep)
    assert not _has_slot(rep)
    assert _has_slot(other_rep)
    # when a buyer raises their hand on the booking form
    lead, _ = _hand_raise(booking_world, django_capture_on_commit_callbacks)
    # then Sara, who has time, gets the lead and the turn; Sam's turn waits
    assert lead.owner_id == other_rep.pk
    assert (_assigned(rep), _assigned(other_rep)) == (0, 11)
    event = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.OWNER)
    assert "Everyone" in event.reason


@pytest.mark.parametrize("make_busy", NO_SLOT)
def test_an_account_owner_with_no_free_slot_is_skipped_for_a_rep_with_one(
    booking_world, rep, other_rep, django_capture_on_commit_callbacks, make_busy
):
    # given the buyer's company is Sam's account, and Sam has no free slot
    factories.AccountFactory(domain="buyer.example", owner=rep)
    make_busy(rep)
    # when the buyer raises their hand on the booking form
    lead, _ = _hand_raise(booking_world, django_capture_on_commit_callbacks)
    # then the lead is the account's, but it goes to Sara, who has time
    assert lead.account is not None
    assert lead.account.owner_id == rep.pk
    assert lead.owner_id == other_rep.pk
    assert "account owner" not in LeadEvent.objects.get(lead=lead, kind="owner").reason


def test_an_account_owner_with_a_free_slot_still_gets_their_account_s_hand_raiser(
    booking_world, rep, other_rep, django_capture_on_commit_callbacks
):
    # the control for the test above: the same world with Sam free
    factories.AccountFactory(domain="buyer.example", owner=rep)
    _turns(sam=10, sara=0)  # and not Sam's turn
    lead, _ = _hand_raise(booking_world, django_capture_on_commit_callbacks)
    assert lead.owner_id == rep.pk
    assert "account owner" in LeadEvent.objects.get(lead=lead, kind="owner").reason


@pytest.mark.parametrize("make_busy", NO_SLOT)
def test_when_nobody_has_a_free_slot_the_lead_is_routed_as_usual_and_told_sales_will_call(
    booking_world, rep, other_rep, client, django_capture_on_commit_callbacks, make_busy
):
    # given neither rep has a free slot, and it is Sara's turn
    make_busy(rep)
    make_busy(other_rep)
    _turns(sam=10, sara=0)
    # when a buyer raises their hand on the booking form
    lead, claim = _hand_raise(booking_world, django_capture_on_commit_callbacks)
    # then the lead is not stuck: the round-robin gives it to Sara, clock running
    assert lead.owner_id == other_rep.pk
    assert (lead.status, lead.sla_state) == (Lead.Status.READY, Lead.SlaState.PENDING)
    assert lead.sla_due_at is not None
    assert (_assigned(rep), _assigned(other_rep)) == (10, 1)
    # and the booking page says Sara will be in touch instead of offering times
    state = selectors.booking_state(claim=claim, zone_name="UTC", now=timezone.now())
    assert (state.kind, state.rep_name, state.days) == (selectors.CONTACT, "Sara Rep", [])
    token = links.booking_token(lead_id=lead.pk, asset_id=claim.asset_id, raised_at=claim.raised_at)
    response = client.get(f"/book/{token}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "We will contact you" in page
    assert "Sara Rep has no free time in the next 5 working days" in page
    assert 'name="start"' not in page


# --- a form that does not offer booking -------------------------------------------------------


@pytest.mark.parametrize("make_busy", NO_SLOT)
def test_a_hand_raiser_from_a_form_without_booking_is_routed_regardless_of_slots(
    booking_world, demo_asset, rep, other_rep, django_capture_on_commit_callbacks, make_busy
):
    # given Sam has no free slot but it is his turn, and his account too
    assert not demo_asset.offers_booking
    assert demo_asset.hand_raiser
    make_busy(rep)
    _turns(sam=0, sara=10)
    # when buyers raise their hands on the demo form, which does not offer booking
    lead, _ = _hand_raise(demo_asset, django_capture_on_commit_callbacks)
    factories.AccountFactory(domain="owned.example", owner=rep)
    _turns(sam=10, sara=0)
    owned, _ = _hand_raise(demo_asset, django_capture_on_commit_callbacks, "kim@owned.example")
    # then Sam gets them both, as before booking existed: his turn, then his account
    assert lead.owner_id == rep.pk
    assert owned.owner_id == rep.pk
    assert "account owner" in LeadEvent.objects.get(lead=owned, kind="owner").reason


# --- booked meetings in the round-robin -------------------------------------------------------


def test_upcoming_booked_meetings_count_in_the_round_robin(
    booking_world, rep, other_rep, django_capture_on_commit_callbacks
):
    # given equal counters, which Sam would win on his lower id, and two meetings ahead for Sam
    assert rep.pk < other_rep.pk
    _turns(sam=3, sara=3)
    first, *_, later = availability.free_slots(rep, now=timezone.now(), limit=6)
    _meeting(rep, first)
    _meeting(rep, later)
    # when a buyer raises their hand
    lead, _ = _hand_raise(booking_world, django_capture_on_commit_callbacks)
    # then Sara, with no meeting ahead, gets the lead
    assert lead.owner_id == other_rep.pk
    assert (_assigned(rep), _assigned(other_rep)) == (3, 4)


@pytest.mark.parametrize(
    "not_upcoming",
    [
        pytest.param(
            lambda start: {
                "starts_at": start,
                "status": Meeting.Status.CANCELLED,
                "cancelled_at": timezone.now(),
            },
            id="cancelled",
        ),
        pytest.param(lambda start: {"starts_at": start - timedelta(days=7)}, id="past"),
    ],
)
def test_cancelled_and_past_meetings_do_not_count_in_the_round_robin(
    booking_world, rep, other_rep, django_capture_on_commit_callbacks, not_upcoming
):
    # given equal counters, and two meetings of Sam's that are cancelled or over
    _turns(sam=3, sara=3)
    first, *_, later = availability.free_slots(rep, now=timezone.now(), limit=6)
    _meeting(rep, **not_upcoming(first))
    _meeting(rep, **not_upcoming(later))
    # when a buyer raises their hand
    lead, _ = _hand_raise(booking_world, django_capture_on_commit_callbacks)
    # then Sam wins on his lower id, as with no meetings at all
    assert lead.owner_id == rep.pk
    assert (_assigned(rep), _assigned(other_rep)) == (4, 3)
