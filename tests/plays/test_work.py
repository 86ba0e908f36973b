"""The rep's work on a play: call-and-log is one action, steps are attempts, callbacks are
steps, templates read the lead, and the first step is due when the SLA clock is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.core.errors import DomainError, InvalidTransition
from apps.leads.models import Activity, Lead, QueueBucket
from apps.plays import services
from apps.plays.models import LeadPlayStep
from apps.routing import services as routing
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def play(db):  # type: ignore[no-untyped-def]
    play = factories.PlayFactory(name="Demo request", is_default=True)
    factories.PlayStepFactory(
        play=play,
        order=1,
        channel="call",
        title="Call now",
        due_offset_minutes=0,
        template="Hi {first_name}, this is {rep_name} from Revenue Desk about {asset}.",
    )
    factories.PlayStepFactory(
        play=play,
        order=2,
        channel="email",
        title="Send the case study",
        due_offset_minutes=60,
        template="Subject: {company} and {asset}\nHi {first_name},\nas promised. {rep_first_name}",
    )
    factories.PlayStepFactory(
        play=play, order=3, channel="call", title="Call again", due_offset_minutes=60 * 24 * 3
    )
    return play


@pytest.fixture
def lead(pool, policy, rep, play):  # type: ignore[no-untyped-def]
    asset = factories.AssetFactory(name="Book a demo", hand_raiser=True)
    lead = factories.LeadFactory(
        first_name="Ana",
        status="ready",
        account=factories.AccountFactory(name="Northwind", domain="northwind.example"),
    )
    factories.TouchpointFactory(lead=lead, asset=asset, occurred_at=timezone.now())
    routing.claim_lead(lead_id=lead.pk, rep=rep)
    lead.refresh_from_db()
    return lead


def _steps(lead: Lead) -> list[LeadPlayStep]:
    return list(LeadPlayStep.objects.filter(lead_play__lead=lead).order_by("order"))


def test_the_first_step_is_due_when_the_sla_clock_is(lead):  # type: ignore[no-untyped-def]
    first, email, again = _steps(lead)
    assert first.due_at == lead.sla_due_at
    # the rest keep the play's spacing from the first
    assert email.due_at - first.due_at == timedelta(minutes=60)
    assert again.due_at - first.due_at == timedelta(days=3)
    assert lead.next_action_at == first.due_at


def test_logging_a_call_ticks_the_matching_due_step_and_no_other(lead, rep):  # type: ignore[no-untyped-def]
    # when the rep logs a call
    attempt = services.log_attempt(lead_id=lead.pk, rep=rep, channel="call", outcome="no_answer")

    # then "Call now" is done; the email step and the call in three days are not
    first, email, again = _steps(lead)
    assert attempt.step == first
    assert first.completed_at is not None
    assert email.completed_at is None
    assert again.completed_at is None
    lead.refresh_from_db()
    assert (lead.attempt_count, lead.status, lead.sla_state) == (1, "working", "met")
    assert lead.next_action_at == email.due_at
    assert lead.queue_bucket == QueueBucket.WORKING


def test_an_attempt_on_another_channel_ticks_nothing(lead, rep):  # type: ignore[no-untyped-def]
    attempt = services.log_attempt(lead_id=lead.pk, rep=rep, channel="sms", outcome="no_answer")
    assert attempt.step is None
    assert all(step.completed_at is None for step in _steps(lead))


def test_a_callback_becomes_a_call_step_and_orders_the_working_queue(lead, rep):  # type: ignore[no-untyped-def]
    # given
    when = timezone.now() + timedelta(minutes=30)

    # when the rep logs a call with a callback in half an hour
    attempt = services.log_attempt(
        lead_id=lead.pk, rep=rep, channel="call", outcome="voicemail", callback_at=when
    )

    # then the callback is the play's next step, and the lead's next action
    assert attempt.callback is not None
    assert (attempt.callback.title, attempt.callback.channel, attempt.callback.due_at) == (
        "Call back",
        "call",
        when,
    )
    assert _steps(lead)[-1] == attempt.callback
    lead.refresh_from_db()
    assert lead.next_action_at == when
    assert lead.queue_at == when


@pytest.mark.parametrize("offset", [timedelta(minutes=-1), timedelta(days=91)])
def test_a_callback_is_in_the_next_ninety_days(lead, rep, offset):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidTransition) as error:
        services.log_attempt(
            lead_id=lead.pk,
            rep=rep,
            channel="call",
            outcome="voicemail",
            callback_at=timezone.now() + offset,
        )
    assert error.value.field == "callback_at"
    lead.refresh_from_db()
    assert lead.attempt_count == 0  # nothing half-written


def test_marking_a_step_done_is_an_attempt_with_its_outcome(lead, rep):  # type: ignore[no-untyped-def]
    first, *_ = _steps(lead)
    with pytest.raises(InvalidTransition) as error:
        services.complete_play_step(step_id=first.pk, actor=rep, outcome="")
    assert error.value.field == "outcome"

    attempt = services.complete_play_step(step_id=first.pk, actor=rep, outcome="connected")

    assert attempt.activity.channel == "call"
    assert attempt.activity.outcome == "connected"
    first.refresh_from_db()
    assert first.completed_at is not None
    with pytest.raises(InvalidTransition, match="done already"):
        services.complete_play_step(step_id=first.pk, actor=rep, outcome="connected")


def test_another_rep_cannot_tick_my_step(lead, other_rep):  # type: ignore[no-untyped-def]
    first, *_ = _steps(lead)
    with pytest.raises(DomainError):
        services.complete_play_step(step_id=first.pk, actor=other_rep, outcome="connected")


def test_a_step_that_does_not_exist_is_refused_naming_it(lead, rep):  # type: ignore[no-untyped-def]
    missing = LeadPlayStep.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    with pytest.raises(InvalidTransition) as ticked:
        services.complete_play_step(step_id=missing, actor=rep, outcome="connected")
    with pytest.raises(InvalidTransition) as sent:
        services.send_step_email(
            step_id=missing, lead_id=lead.pk, actor=rep, subject="Hi", body="Hello"
        )
    assert (ticked.value.field, sent.value.field) == ("step", "step")


def test_templates_read_the_lead_and_rep(lead, rep):  # type: ignore[no-untyped-def]
    values = services.merge_values(lead=lead, rep=rep)
    assert services.render_template(
        "Hi {first_name}, {rep_name} here about {asset} for {company}.", values
    ) == ("Hi Ana, Sam Rep here about Book a demo for Northwind.")


def test_a_missing_value_reads_a_sensible_word_never_a_placeholder(rep):  # type: ignore[no-untyped-def]
    bare = factories.LeadFactory(first_name="", company_name="", account=None)
    values = services.merge_values(lead=bare, rep=rep, asset="")
    text = services.render_template("Hi {first_name} at {company}, about {asset}. {nope}", values)
    assert text == "Hi there at your team, about our content. "
    assert "{" not in text


def test_authoring_refuses_a_merge_field_no_lead_can_fill(manager):  # type: ignore[no-untyped-def]
    spec = services.PlaySpec(
        name="Bad",
        steps=(
            services.StepSpec(
                order=1, channel="call", due_offset_minutes=0, title="Call", template="Hi {nmae}"
            ),
        ),
    )
    with pytest.raises(DomainError, match=r"\{nmae\}") as error:
        services.create_play(actor=manager, spec=spec)
    assert error.value.field == "steps"


def test_sending_a_step_email_sends_it_and_logs_it_as_an_email_attempt(lead, rep):  # type: ignore[no-untyped-def]
    # given the email step
    _, email_step, _ = _steps(lead)

    # when the rep sends it
    attempt = services.send_step_email(
        step_id=email_step.pk, actor=rep, subject="Northwind and Book a demo", body="Hi Ana"
    )

    # then it went out through Django's mail backend, and the attempt carries the message
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert (sent.to, sent.subject, sent.body) == (
        [lead.email],
        "Northwind and Book a demo",
        "Hi Ana",
    )
    assert sent.reply_to == [rep.email]
    assert attempt.activity.channel == "email"
    assert attempt.activity.outcome == Activity.Outcome.SENT
    assert attempt.activity.note == "Subject: Northwind and Book a demo\n\nHi Ana"
    email_step.refresh_from_db()
    assert email_step.completed_at is not None


def test_a_failed_send_logs_nothing(lead, rep, settings):  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    _, email_step, _ = _steps(lead)
    with pytest.raises(OSError):  # noqa: PT011 - refused connection
        services.send_step_email(step_id=email_step.pk, actor=rep, subject="S", body="B")
    lead.refresh_from_db()
    assert lead.attempt_count == 0
    email_step.refresh_from_db()
    assert email_step.completed_at is None
