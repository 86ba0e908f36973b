"""Disqualifying a lead under its reason's rules, and marketing's review of it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import AttemptsRequired, Conflict, InvalidTransition, NotAllowed
from apps.feedback.models import Disqualification
from apps.feedback.services import disqualify_lead, recycle_lead, review_disqualification
from apps.leads.models import Lead, LeadEvent
from apps.notifications.models import Notification
from apps.plays.services import log_attempt
from apps.routing import services as routing
from apps.routing.models import PoolMember
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_lead(pool, policy, rep):  # type: ignore[no-untyped-def]
    lead = factories.LeadFactory(
        status="ready", account=factories.AccountFactory(domain="acme.example")
    )
    routing.claim_lead(lead_id=lead.pk, rep=rep)
    lead.refresh_from_db()
    return lead


def test_disqualify_enforces_min_attempts_and_note(owned_lead, rep):
    reason = factories.DisqualificationReasonFactory(
        code="unreachable", label="Unreachable", min_attempts=2, note_required=True
    )
    with pytest.raises(AttemptsRequired, match="at least 2 contact attempts; 0 logged"):
        disqualify_lead(lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk, note="tried")
    for _ in range(2):
        log_attempt(lead_id=owned_lead.pk, rep=rep, channel="call", outcome="no_answer")
    with pytest.raises(InvalidTransition) as error:
        disqualify_lead(lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk, note="  ")
    assert error.value.field == "note"
    dq = disqualify_lead(
        lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk, note="Two calls, no answer"
    )
    owned_lead.refresh_from_db()
    assert owned_lead.status == Lead.Status.DISQUALIFIED
    assert (dq.review_status, dq.attempts_at_time) == ("open", 2)


def test_dispute_sends_the_lead_back_ready_and_tells_the_managers(
    owned_lead, rep, marketer, manager, agreement, django_capture_on_commit_callbacks
):
    reason = factories.DisqualificationReasonFactory(code="student", label="Student")
    dq = disqualify_lead(lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk)
    with django_capture_on_commit_callbacks(execute=True):
        review_disqualification(
            disqualification_id=dq.pk,
            actor=marketer,
            decision="dispute",
            note="She is the CFO, not a student",
            dispute_outcome="ready",
        )
    owned_lead.refresh_from_db()
    assert owned_lead.status == Lead.Status.READY
    assert owned_lead.owner is not None  # re-routed (eager tasks in tests)
    assert Notification.objects.filter(recipient=manager, kind="dispute").exists()
    dq.refresh_from_db()
    assert (dq.review_status, dq.dispute_outcome, dq.action_note) == (
        "disputed",
        "ready",
        "She is the CFO, not a student",
    )
    with pytest.raises(Conflict):
        review_disqualification(
            disqualification_id=dq.pk, actor=marketer, decision="acknowledge", note="x"
        )


def test_acknowledge_needs_an_action_note_and_only_marketing_reviews(owned_lead, rep, marketer):
    reason = factories.DisqualificationReasonFactory(code="student", label="Student")
    dq = disqualify_lead(lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk)
    with pytest.raises(NotAllowed):
        review_disqualification(
            disqualification_id=dq.pk, actor=rep, decision="acknowledge", note="fine"
        )
    with pytest.raises(InvalidTransition):
        review_disqualification(
            disqualification_id=dq.pk, actor=marketer, decision="acknowledge", note=""
        )
    review_disqualification(
        disqualification_id=dq.pk,
        actor=marketer,
        decision="acknowledge",
        note="Paused the student-heavy ad set",
    )
    assert Disqualification.objects.get(pk=dq.pk).review_status == "acknowledged"


# --- Rules that hold on every route: reasons, spread attempts, settled clocks -------------------


def _attempt_at(lead: Lead, rep, channel: str, at) -> None:  # type: ignore[no-untyped-def]
    """An attempt logged as it happened at `at` (after the lead's assignment)."""
    log_attempt(lead_id=lead.pk, rep=rep, channel=channel, outcome="no_answer", at=at)


def test_six_attempts_in_a_burst_do_not_make_a_lead_unreachable(owned_lead, rep, unreachable):
    # given six "no answer"s logged within a second, on one channel
    for _ in range(6):
        log_attempt(lead_id=owned_lead.pk, rep=rep, channel="call", outcome="no_answer")

    # when the rep disqualifies as unreachable, then the reason's spread rules refuse it
    with pytest.raises(AttemptsRequired, match="at least 2 different days") as error:
        disqualify_lead(lead_id=owned_lead.pk, actor=rep, reason_id=unreachable.pk)
    assert error.value.field == "reason"
    owned_lead.refresh_from_db()
    assert owned_lead.status == Lead.Status.WORKING


def test_attempts_spread_over_two_days_and_two_channels_make_it_unreachable(
    owned_lead, rep, unreachable
):
    # given six attempts over two days, by call and by email
    Lead.objects.filter(pk=owned_lead.pk).update(assigned_at=timezone.now() - timedelta(days=3))
    start = timezone.now() - timedelta(days=2)
    for n in range(6):
        _attempt_at(owned_lead, rep, "call" if n % 2 else "email", start + timedelta(hours=5 * n))

    # when / then
    dq = disqualify_lead(lead_id=owned_lead.pk, actor=rep, reason_id=unreachable.pk)
    assert dq.attempts_at_time == 6


def test_two_channels_are_needed_even_over_two_days(owned_lead, rep, unreachable):
    Lead.objects.filter(pk=owned_lead.pk).update(assigned_at=timezone.now() - timedelta(days=3))
    start = timezone.now() - timedelta(days=2)
    for n in range(6):
        _attempt_at(owned_lead, rep, "call", start + timedelta(hours=5 * n))
    with pytest.raises(AttemptsRequired, match="at least 2 channels"):
        disqualify_lead(lead_id=owned_lead.pk, actor=rep, reason_id=unreachable.pk)


def test_a_minimum_span_in_hours_is_enforced(owned_lead, rep):
    reason = factories.DisqualificationReasonFactory(code="slow", min_attempts=2, min_span_hours=4)
    log_attempt(lead_id=owned_lead.pk, rep=rep, channel="call", outcome="no_answer")
    log_attempt(lead_id=owned_lead.pk, rep=rep, channel="call", outcome="no_answer")
    with pytest.raises(AttemptsRequired, match="spread over at least 4 hours"):
        disqualify_lead(lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk)


def test_recycling_needs_a_reason_from_the_recycling_list(owned_lead, rep):
    dq_only = factories.DisqualificationReasonFactory(code="student", use="disqualify")
    retired = factories.DisqualificationReasonFactory(code="old", use="recycle", is_active=False)
    for reason in (dq_only, retired):
        with pytest.raises(InvalidTransition) as error:
            recycle_lead(lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk)
        assert error.value.field == "reason"
    owned_lead.refresh_from_db()
    assert owned_lead.status == Lead.Status.READY


def test_recycling_obeys_the_same_minimum_attempts_as_disqualifying(owned_lead, rep):
    later = factories.DisqualificationReasonFactory(code="later", use="both", min_attempts=1)
    with pytest.raises(AttemptsRequired, match="at least 1 contact attempts; 0 logged"):
        recycle_lead(lead_id=owned_lead.pk, actor=rep, reason_id=later.pk)
    log_attempt(lead_id=owned_lead.pk, rep=rep, channel="call", outcome="no_answer")
    lead = recycle_lead(lead_id=owned_lead.pk, actor=rep, reason_id=later.pk, note="Q3")
    assert (lead.status, lead.owner_id) == (Lead.Status.NURTURE, None)
    assert LeadEvent.objects.filter(lead=lead, reason__startswith="recycled to nurture: ").exists()


@pytest.mark.parametrize("leave", ["recycle", "disqualify"])
def test_leaving_the_queue_past_due_records_the_breach(owned_lead, rep, leave):  # type: ignore[no-untyped-def]
    # given an untouched lead whose clock ran out a minute ago
    reason = factories.DisqualificationReasonFactory(code="any", use="both")
    Lead.objects.filter(pk=owned_lead.pk).update(sla_due_at=timezone.now() - timedelta(minutes=1))

    # when the rep takes it out of the queue
    if leave == "recycle":
        recycle_lead(lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk)
    else:
        disqualify_lead(lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk)

    # then the clock is settled as breached, on the rep who held it, with its event
    owned_lead.refresh_from_db()
    assert owned_lead.sla_state == Lead.SlaState.BREACHED
    assert owned_lead.breached_owner_id == rep.pk
    assert LeadEvent.objects.filter(
        lead=owned_lead, kind=LeadEvent.Kind.SLA, new_value="breached"
    ).exists()


def test_leaving_the_queue_never_erases_a_breach(owned_lead, rep):
    reason = factories.DisqualificationReasonFactory(code="any", use="recycle")
    Lead.objects.filter(pk=owned_lead.pk).update(
        sla_state=Lead.SlaState.BREACHED, sla_breached_at=timezone.now(), breached_owner=rep
    )
    recycle_lead(lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk)
    owned_lead.refresh_from_db()
    assert (owned_lead.sla_state, owned_lead.breached_owner_id) == ("breached", rep.pk)


def _dispute_as_ready(dq, marketer, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        review_disqualification(
            disqualification_id=dq.pk,
            actor=marketer,
            decision="dispute",
            note="She asked for pricing twice",
            dispute_outcome="ready",
        )


@pytest.mark.parametrize("round_robin_favours_the_rep", [True, False])
def test_a_dispute_re_routes_the_lead_to_another_rep_than_the_one_who_disqualified(  # type: ignore[no-untyped-def]
    owned_lead, rep, other_rep, marketer, agreement, pool, django_capture_on_commit_callbacks,
    round_robin_favours_the_rep,
):  # fmt: skip
    # given: rep disqualified it; the round-robin would pick rep next (or not)
    favoured, other = (rep, other_rep) if round_robin_favours_the_rep else (other_rep, rep)
    PoolMember.objects.filter(rule=pool, rep=favoured).update(assigned=0)
    PoolMember.objects.filter(rule=pool, rep=other).update(assigned=50)
    reason = factories.DisqualificationReasonFactory(code="student", label="Student")
    dq = disqualify_lead(lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk)
    # when
    _dispute_as_ready(dq, marketer, django_capture_on_commit_callbacks)
    # then
    owned_lead.refresh_from_db()
    assert (owned_lead.status, owned_lead.owner) == (Lead.Status.READY, other_rep)


def test_a_disputed_lead_goes_back_to_the_same_rep_when_no_one_else_can_take_it(  # type: ignore[no-untyped-def]
    owned_lead, rep, other_rep, marketer, agreement, pool, django_capture_on_commit_callbacks
):
    # given: the other rep is away
    other_rep.is_available = False
    other_rep.save()
    reason = factories.DisqualificationReasonFactory(code="student", label="Student")
    dq = disqualify_lead(lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk)
    # when
    _dispute_as_ready(dq, marketer, django_capture_on_commit_callbacks)
    # then: rather than waiting in the pool
    owned_lead.refresh_from_db()
    assert owned_lead.owner == rep


def test_a_disputed_lead_skips_the_account_owner_who_disqualified_it(  # type: ignore[no-untyped-def]
    owned_lead, rep, other_rep, marketer, agreement, pool, django_capture_on_commit_callbacks
):
    # given: rep owns the account (normally routed there first) and disqualified the lead
    owned_lead.account.owner = rep
    owned_lead.account.save()
    reason = factories.DisqualificationReasonFactory(code="student", label="Student")
    dq = disqualify_lead(lead_id=owned_lead.pk, actor=rep, reason_id=reason.pk)
    # when
    _dispute_as_ready(dq, marketer, django_capture_on_commit_callbacks)
    # then
    owned_lead.refresh_from_db()
    assert owned_lead.owner == other_rep
