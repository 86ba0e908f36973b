"""Disqualifying a lead under its reason's rules, and marketing's review of it."""

import pytest

from apps.core.errors import AttemptsRequired, Conflict, InvalidTransition, NotAllowed
from apps.feedback.models import Disqualification
from apps.feedback.services import disqualify_lead, review_disqualification
from apps.leads.models import Lead
from apps.leads.services import log_attempt
from apps.notifications.models import Notification
from apps.routing import services as routing
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
