"""Authoring services: create_play, update_play, set_play_active."""

from __future__ import annotations

import pytest

from apps.core.errors import DomainError, NotAllowed
from apps.plays import services
from apps.plays.models import Play
from apps.plays.services import PlaySpec, StepSpec
from apps.users.models import User
from tests import factories

pytestmark = pytest.mark.django_db

STEPS = (
    StepSpec(order=2, channel="email", due_offset_minutes=30, title="Email"),
    StepSpec(order=1, channel="call", due_offset_minutes=0, title="Call"),
)


def test_create_play_numbers_steps_in_their_order(marketer: User) -> None:
    # when
    play = services.create_play(actor=marketer, spec=PlaySpec(name="Inbound", steps=STEPS))

    # then
    assert list(play.steps.order_by("order").values_list("order", "title")) == [
        (1, "Call"),
        (2, "Email"),
    ]


def test_create_play_refuses_a_rep(rep: User) -> None:
    # when / then
    with pytest.raises(NotAllowed):
        services.create_play(actor=rep, spec=PlaySpec(name="Mine", steps=STEPS))
    assert not Play.objects.exists()


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ((), "at least one step"),
        (
            (StepSpec(order=1, channel="call", due_offset_minutes=-1, title="x"),),
            "before assignment",
        ),
        (
            (
                StepSpec(order=1, channel="call", due_offset_minutes=0, title="a"),
                StepSpec(order=1, channel="sms", due_offset_minutes=5, title="b"),
            ),
            "same order",
        ),
        (
            (
                StepSpec(order=1, channel="call", due_offset_minutes=60, title="a"),
                StepSpec(order=2, channel="sms", due_offset_minutes=5, title="b"),
            ),
            "due in their order",
        ),
        ((StepSpec(order=1, channel="fax", due_offset_minutes=0, title="a"),), "unknown channel"),
    ],
)
def test_create_play_refuses_steps_a_rep_cannot_follow(
    manager: User, steps: tuple[StepSpec, ...], message: str
) -> None:
    # when / then
    with pytest.raises(DomainError, match=message) as error:
        services.create_play(actor=manager, spec=PlaySpec(name="Bad", steps=steps))
    assert error.value.field == "steps"


def test_update_play_refuses_a_second_active_default(revops: User) -> None:
    # given
    factories.PlayFactory(name="Default", is_default=True)
    play = factories.PlayFactory(name="Other")

    # when / then
    with pytest.raises(DomainError) as error:
        services.update_play(
            play_id=play.pk, actor=revops, spec=PlaySpec(name="Other", steps=STEPS, is_default=True)
        )
    assert error.value.field == "is_default"


def test_set_play_active_deactivates_without_deleting(marketer: User) -> None:
    # given
    play = factories.PlayFactory()
    factories.LeadPlayFactory(play=play)

    # when
    services.set_play_active(play_id=play.pk, actor=marketer, active=False)

    # then
    play.refresh_from_db()
    assert play.is_active is False
    assert play.lead_plays.count() == 1
