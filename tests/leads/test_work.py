"""A rep's work on a lead, and marketing's review of a disqualification, through the services."""

from decimal import Decimal

import pytest

from apps.accounts.models import Account
from apps.core.errors import AttemptsRequired, Conflict, InvalidTransition, NotAllowed
from apps.feedback.models import Disqualification
from apps.feedback.services import disqualify_lead, review_disqualification
from apps.leads.models import Lead, LeadEvent
from apps.leads.services import log_attempt, recycle_lead
from apps.notifications.models import Notification
from apps.opportunities.services import change_stage, convert_lead
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


def test_convert_opens_an_opportunity_and_settles_the_clock(owned_lead, rep):
    opportunity = convert_lead(
        lead_id=owned_lead.pk, actor=rep, name="Acme pilot", amount="12500.50"
    )
    owned_lead.refresh_from_db()
    assert owned_lead.status == Lead.Status.CONVERTED
    assert owned_lead.sla_state == Lead.SlaState.MET
    assert (opportunity.amount, opportunity.owner, opportunity.primary_lead) == (
        Decimal("12500.50"),
        rep,
        owned_lead,
    )


@pytest.mark.parametrize(("amount", "field"), [("lots", "amount"), ("-5", "amount")])
def test_convert_refuses_a_bad_amount(owned_lead, rep, amount, field):
    with pytest.raises(InvalidTransition) as error:
        convert_lead(lead_id=owned_lead.pk, actor=rep, name="Deal", amount=amount)
    assert error.value.field == field
    owned_lead.refresh_from_db()
    assert owned_lead.status == Lead.Status.READY


def test_another_rep_cannot_work_my_lead(owned_lead, other_rep, marketer):
    for user in (other_rep, marketer):
        with pytest.raises(NotAllowed):
            log_attempt(lead_id=owned_lead.pk, rep=user, channel="call", outcome="no_answer")


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


def test_recycle_returns_the_lead_to_nurture_and_stops_the_clock(owned_lead, rep):
    recycle_lead(lead_id=owned_lead.pk, actor=rep, note="Not yet")
    owned_lead.refresh_from_db()
    assert (owned_lead.status, owned_lead.owner, owned_lead.sla_state) == ("nurture", None, "")


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


def test_won_opportunity_makes_the_account_a_customer_and_lost_needs_a_reason(
    owned_lead, rep, other_rep
):
    opportunity = convert_lead(lead_id=owned_lead.pk, actor=rep, name="Deal", amount=1000)
    with pytest.raises(NotAllowed):
        change_stage(opportunity_id=opportunity.pk, actor=other_rep, stage="won")
    change_stage(opportunity_id=opportunity.pk, actor=rep, stage="won")
    assert Account.objects.get(pk=owned_lead.account_id).lifecycle == "customer"
    second = factories.OpportunityFactory(owner=rep)
    with pytest.raises(InvalidTransition) as error:
        change_stage(opportunity_id=second.pk, actor=rep, stage="lost")
    assert error.value.field == "lost_reason"
    with pytest.raises(InvalidTransition):
        change_stage(opportunity_id=opportunity.pk, actor=rep, stage="demo")  # won is final


def test_every_change_is_in_the_event_log(owned_lead, rep):
    log_attempt(lead_id=owned_lead.pk, rep=rep, channel="email", outcome="replied")
    kinds = list(
        LeadEvent.objects.filter(lead=owned_lead).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds[-3:] == ["attempt", "sla", "status"]
