"""A booking world: a hand-raiser form that offers booking, two reps in one pool working
09:00-17:30 UTC on weekdays, the hand-raiser play with its calendar step, an agreement in
force and an SLA policy; `raise_hand` submits the form the way intake does and routes the
lead (the worker's work run at commit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from apps.campaigns.models import Asset
from apps.leads.models import Lead
from apps.meetings.links import BookingClaim
from tests import factories
from tests.meetings.hands import hand_raise


@pytest.fixture
def booking_form(db):  # type: ignore[no-untyped-def]
    return factories.AssetFactory(
        slug="book-a-demo",
        name="Book a demo",
        kind=Asset.Kind.DEMO_REQUEST,
        hand_raiser=True,
        is_public_form=True,
        offers_booking=True,
        engagement_weight=20,
    )


@pytest.fixture
def hand_raiser_play(db):  # type: ignore[no-untyped-def]
    play = factories.PlayFactory(name="Hand-raiser", priority=200, is_default=True)
    factories.PlayStepFactory(play=play, order=1, channel="call", title="Call now")
    factories.PlayStepFactory(
        play=play, order=2, channel="email", title="Email a calendar link", due_offset_minutes=15
    )
    return play


@pytest.fixture
def booking_world(agreement, policy, pool, rep, other_rep, booking_form, hand_raiser_play):  # type: ignore[no-untyped-def]
    return booking_form


RaiseHand = Callable[..., tuple[Lead, BookingClaim]]


@pytest.fixture
def raise_hand(booking_world, django_capture_on_commit_callbacks) -> RaiseHand:  # type: ignore[no-untyped-def]
    def submit(email: str = "dana@buyer.example", *, at: datetime | None = None):  # type: ignore[no-untyped-def]
        return hand_raise(booking_world, django_capture_on_commit_callbacks, email, at=at)

    return submit
