"""Booking races on PostgreSQL: fifty buyers click the same time of the same rep at the same
moment, each on their own connection (issue 18).

One of them gets the meeting; every other one is told the time was just taken and is shown
the next free times. Two guards make that true: `services.book` locks the rep's row before it
checks the slot, and the exclusion constraint `meeting_rep_no_overlap` (migration
apps/meetings/migrations/0002_no_overlap.py) refuses overlapping booked meetings of one rep in
the database itself, whatever the code does. Cancelled meetings do not hold their time.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import Conflict
from apps.leads.models import Lead, Touchpoint
from apps.meetings import availability, selectors, services
from apps.meetings.links import BookingClaim
from apps.meetings.models import BookingRules, Meeting
from apps.users.models import User
from tests import factories
from tests.fixtures.concurrency import all_at_once
from tests.fixtures.leads import make_owned_lead

pytestmark = [pytest.mark.postgres]


BUYERS = 50
# A Monday in the future, well clear of anything the tests compute from the clock.
MONDAY_TEN = datetime(2031, 1, 6, 10, 0, tzinfo=UTC)


def _meeting(rep: User, starts_at: datetime, minutes: int = 30, **kwargs: Any) -> Meeting:
    """A meeting row written directly, past every check `services.book` makes."""
    return Meeting.objects.create(
        uid=f"{uuid.uuid4()}@test",
        lead=kwargs.pop("lead", None) or factories.LeadFactory(),
        rep=rep,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        buyer_time_zone="UTC",
        raised_at=starts_at - timedelta(days=1),
        booked_at=starts_at - timedelta(days=1),
        **kwargs,
    )


def _starts(state: selectors.BookingState) -> list[datetime]:
    return [slot.start for day in state.days for slot in day.slots]


def test_fifty_buyers_racing_for_one_slot_of_one_rep_book_it_once(transactional_db: Any) -> None:
    # given one rep holding fifty fresh hand-raisers, each buyer with their own booking link
    rep = factories.UserFactory(username="race-rep", first_name="Rae", last_name="Rep")
    now = timezone.now()
    claims = [
        BookingClaim(
            lead_id=make_owned_lead(rep).pk, asset_id=None, raised_at=now - timedelta(minutes=1)
        )
        for _ in range(BUYERS)
    ]
    rules = BookingRules.current()
    length = timedelta(minutes=rules.length_minutes)
    buffer = timedelta(minutes=rules.buffer_minutes)
    offered = availability.free_slots(rep, now=now)
    start = offered[0]

    # when all fifty book the rep's first free slot at the same moment
    results = all_at_once(
        [
            (
                lambda claim=claim: services.book(
                    claim=claim, start=start, buyer_time_zone="Europe/Berlin", now=now
                )
            )
            for claim in claims
        ]
    )

    # then exactly one booking went through, for that slot, and nothing else failed
    booked = [r for r in results if isinstance(r, Meeting)]
    refused = [r for r in results if isinstance(r, Conflict)]
    unexpected = [r for r in results if not isinstance(r, Meeting | Conflict)]
    assert not unexpected, unexpected[:3]
    assert len(booked) == 1
    assert len(refused) == BUYERS - 1
    winner = booked[0]
    assert list(Meeting.objects.values_list("pk", "rep_id", "starts_at", "status")) == [
        (winner.pk, rep.pk, start, Meeting.Status.BOOKED)
    ]
    # every loser is told, on the start field, that the time was just taken
    assert {(error.field, error.message) for error in refused} == {
        ("start", "That time was just taken: pick one of the next free times.")
    }
    # and no loser's lead was touched: no meeting touch, SLA still running, still ready
    losers = [claim.lead_id for claim in claims if claim.lead_id != winner.lead_id]
    assert not Touchpoint.objects.filter(lead_id__in=losers, kind=Touchpoint.Kind.MEETING).exists()
    assert set(
        Lead.objects.filter(pk__in=losers).values_list("status", "sla_state", "first_response_at")
    ) == {(Lead.Status.READY, Lead.SlaState.PENDING, None)}
    assert Touchpoint.objects.filter(lead_id=winner.lead_id, kind=Touchpoint.Kind.MEETING).exists()

    # the taken slot is no longer offered, with its buffer, but every later one still is
    after = availability.free_slots(rep, now=now)
    assert start not in after
    assert after == [s for s in offered if s >= start + length + buffer]
    assert after, "the rep still has free times after the taken one"
    # and a loser's booking page shows exactly those times with the same rep
    loser_claim = next(claim for claim in claims if claim.lead_id == losers[0])
    state = selectors.booking_state(claim=loser_claim, zone_name="Europe/Berlin", now=now)
    assert (state.kind, state.rep_name) == (selectors.SLOTS, "Rae Rep")
    assert _starts(state) == after
    # the loser books the next free time without trouble
    second = services.book(claim=loser_claim, start=after[0], buyer_time_zone="UTC", now=now)
    assert (second.rep_id, second.starts_at) == (rep.pk, after[0])

    # when the winner cancels, the time is free again and another loser can take it
    services.cancel(uid=winner.uid, now=now)
    assert start in availability.free_slots(rep, now=now)
    third_claim = next(claim for claim in claims if claim.lead_id == losers[1])
    third = services.book(claim=third_claim, start=start, buyer_time_zone="UTC", now=now)
    assert (third.starts_at, third.status) == (start, Meeting.Status.BOOKED)
    assert Meeting.objects.filter(rep=rep, starts_at=start).count() == 2  # one cancelled


def test_the_database_refuses_an_overlapping_booked_meeting_of_one_rep(db: Any) -> None:
    # given a rep booked 10:00-10:30
    rep = factories.UserFactory(username="busy-rep")
    other_rep = factories.UserFactory(username="free-rep")
    _meeting(rep, MONDAY_TEN)
    # when a row overlapping it by a quarter of an hour is written directly, past the service
    # then the exclusion constraint refuses it
    with pytest.raises(IntegrityError, match="meeting_rep_no_overlap"), transaction.atomic():
        _meeting(rep, MONDAY_TEN + timedelta(minutes=15))
    # a meeting inside it or around it is refused as well
    with pytest.raises(IntegrityError, match="meeting_rep_no_overlap"), transaction.atomic():
        _meeting(rep, MONDAY_TEN + timedelta(minutes=5), minutes=10)
    with pytest.raises(IntegrityError, match="meeting_rep_no_overlap"), transaction.atomic():
        _meeting(rep, MONDAY_TEN - timedelta(minutes=30), minutes=120)
    # but the next meeting may start the minute this one ends (ranges are half-open)
    _meeting(rep, MONDAY_TEN + timedelta(minutes=30))
    # and another rep may meet at the very same time
    _meeting(other_rep, MONDAY_TEN)
    assert sorted(Meeting.objects.values_list("rep_id", "starts_at")) == sorted(
        [
            (rep.pk, MONDAY_TEN),
            (rep.pk, MONDAY_TEN + timedelta(minutes=30)),
            (other_rep.pk, MONDAY_TEN),
        ]
    )


def test_a_cancelled_meeting_does_not_block_its_time(db: Any) -> None:
    # given a rep whose 10:00 meeting was cancelled
    rep = factories.UserFactory(username="freed-rep")
    _meeting(
        rep,
        MONDAY_TEN,
        status=Meeting.Status.CANCELLED,
        cancelled_at=MONDAY_TEN - timedelta(hours=2),
    )
    # when a new meeting is booked at the same time
    rebooked = _meeting(rep, MONDAY_TEN)
    # then the database takes it
    assert Meeting.objects.filter(rep=rep, starts_at=MONDAY_TEN).count() == 2
    # and when that one is cancelled too (a row update, as services.cancel writes it), a third
    # booking of the same time is taken as well
    Meeting.objects.filter(pk=rebooked.pk).update(
        status=Meeting.Status.CANCELLED, cancelled_at=MONDAY_TEN - timedelta(hours=1)
    )
    _meeting(rep, MONDAY_TEN + timedelta(minutes=10))
    assert Meeting.objects.filter(rep=rep, status=Meeting.Status.BOOKED).count() == 1
    # while un-cancelling the old one, overlapping the booked meeting, is refused
    with pytest.raises(IntegrityError, match="meeting_rep_no_overlap"), transaction.atomic():
        Meeting.objects.filter(pk=rebooked.pk).update(
            status=Meeting.Status.BOOKED, cancelled_at=None
        )
