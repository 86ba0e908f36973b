"""Service use cases: health with history, closing renewals, voice notes, hand to sales."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.errors import InvalidTransition, NotAllowed
from apps.leads.models import Lead, LeadEvent, Touchpoint
from apps.service import services
from apps.service.models import HealthCheck, Renewal
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):  # type: ignore[no-untyped-def]
    return factories.AccountFactory(
        name="Acme", domain="acme.example", lifecycle=Account.Lifecycle.CUSTOMER, owner=rep
    )


# --- Health ---------------------------------------------------------------------------


def test_set_account_health_updates_account_and_keeps_history(service_user, customer):
    # given
    services.set_account_health(
        account_id=customer.pk, actor=service_user, health="green", note="Kick-off went well"
    )

    # when
    check = services.set_account_health(
        account_id=customer.pk, actor=service_user, health="red", note="Sponsor left"
    )

    # then
    customer.refresh_from_db()
    assert customer.health == "red"
    history = list(HealthCheck.objects.filter(account=customer).order_by("at", "pk"))
    assert [(h.health, h.note) for h in history] == [
        ("green", "Kick-off went well"),
        ("red", "Sponsor left"),
    ]
    assert check.set_by == service_user


def test_set_account_health_refuses_unknown_value(service_user, customer):
    # when
    with pytest.raises(InvalidTransition) as refused:
        services.set_account_health(
            account_id=customer.pk, actor=service_user, health="purple", note=""
        )

    # then
    assert refused.value.field == "health"
    assert not HealthCheck.objects.exists()


def test_sales_cannot_set_health(rep, customer):
    # when / then
    with pytest.raises(NotAllowed):
        services.set_account_health(account_id=customer.pk, actor=rep, health="green", note="")


# --- Renewals -------------------------------------------------------------------------


def test_renew_defaults_to_the_amount_due(service_user, customer):
    # given
    renewal = factories.RenewalFactory(account=customer, amount=Decimal("24000"))

    # when
    services.renew(renewal_id=renewal.pk, actor=service_user, renewed_amount=None)

    # then
    renewal.refresh_from_db()
    assert renewal.outcome == Renewal.Outcome.RENEWED
    assert renewal.renewed_amount == Decimal("24000")
    assert renewal.closed_by == service_user
    assert renewal.closed_at is not None


def test_renew_records_a_different_amount(revops, customer):
    # given
    renewal = factories.RenewalFactory(account=customer, amount=Decimal("24000"))

    # when
    services.renew(renewal_id=renewal.pk, actor=revops, renewed_amount=Decimal("30000.50"))

    # then
    renewal.refresh_from_db()
    assert renewal.renewed_amount == Decimal("30000.50")


@pytest.mark.parametrize("amount", ["-1", "lots", "1e20", "NaN"])
def test_renew_refuses_a_bad_amount_naming_the_field(service_user, customer, amount):
    # given
    renewal = factories.RenewalFactory(account=customer)

    # when
    with pytest.raises(InvalidTransition) as refused:
        services.renew(renewal_id=renewal.pk, actor=service_user, renewed_amount=amount)

    # then
    assert refused.value.field == "renewed_amount"
    renewal.refresh_from_db()
    assert renewal.outcome == Renewal.Outcome.PENDING


def test_only_pending_renewals_can_be_closed(service_user, customer):
    # given
    reason = factories.ChurnReasonFactory()
    renewal = factories.RenewalFactory(account=customer)
    services.renew(renewal_id=renewal.pk, actor=service_user, renewed_amount=None)

    # when / then
    with pytest.raises(InvalidTransition, match="already renewed"):
        services.churn(renewal_id=renewal.pk, actor=service_user, reason_id=reason.pk, note="")
    with pytest.raises(InvalidTransition, match="already renewed"):
        services.renew(renewal_id=renewal.pk, actor=service_user, renewed_amount=None)


def test_churn_needs_a_reason(service_user, customer):
    # given
    renewal = factories.RenewalFactory(account=customer)

    # when
    with pytest.raises(InvalidTransition) as refused:
        services.churn(renewal_id=renewal.pk, actor=service_user, reason_id=None, note="")

    # then
    assert refused.value.field == "reason"
    renewal.refresh_from_db()
    assert renewal.outcome == Renewal.Outcome.PENDING


def test_churn_refuses_an_inactive_reason(service_user, customer):
    # given
    retired = factories.ChurnReasonFactory(code="old", label="Old reason", is_active=False)
    renewal = factories.RenewalFactory(account=customer)

    # when / then
    with pytest.raises(InvalidTransition) as refused:
        services.churn(renewal_id=renewal.pk, actor=service_user, reason_id=retired.pk, note="")
    assert refused.value.field == "reason"


def test_churn_of_the_last_pending_renewal_churns_the_account(service_user, customer):
    # given
    reason = factories.ChurnReasonFactory()
    renewal = factories.RenewalFactory(account=customer)

    # when
    services.churn(
        renewal_id=renewal.pk, actor=service_user, reason_id=reason.pk, note="Went with a rival"
    )

    # then
    renewal.refresh_from_db()
    customer.refresh_from_db()
    assert (renewal.outcome, renewal.churn_reason, renewal.churn_note) == (
        Renewal.Outcome.CHURNED,
        reason,
        "Went with a rival",
    )
    assert customer.lifecycle == Account.Lifecycle.CHURNED


def test_churn_keeps_the_customer_while_another_renewal_is_pending(service_user, customer):
    # given
    reason = factories.ChurnReasonFactory()
    lost = factories.RenewalFactory(account=customer)
    factories.RenewalFactory(account=customer)

    # when
    services.churn(renewal_id=lost.pk, actor=service_user, reason_id=reason.pk, note="")

    # then
    customer.refresh_from_db()
    assert customer.lifecycle == Account.Lifecycle.CUSTOMER


def test_sales_cannot_mark_renewals(rep, customer):
    # given
    reason = factories.ChurnReasonFactory()
    renewal = factories.RenewalFactory(account=customer)

    # when / then
    with pytest.raises(NotAllowed):
        services.renew(renewal_id=renewal.pk, actor=rep, renewed_amount=None)
    with pytest.raises(NotAllowed):
        services.churn(renewal_id=renewal.pk, actor=rep, reason_id=reason.pk, note="")
    renewal.refresh_from_db()
    assert renewal.outcome == Renewal.Outcome.PENDING


# --- Voice notes ----------------------------------------------------------------------


def test_add_voice_note_splits_and_normalises_tags(service_user, customer):
    # when
    note = services.add_voice_note(
        account_id=customer.pk,
        actor=service_user,
        quote="  We'd pay more for SSO.  ",
        tags="Pricing, SSO ,, pricing",
        context="QBR",
    )

    # then
    assert note.quote == "We'd pay more for SSO."
    assert note.tags == ["pricing", "sso"]
    assert note.author == service_user


def test_marketing_cannot_add_voice_notes(marketer, customer):
    # when / then
    with pytest.raises(NotAllowed):
        services.add_voice_note(
            account_id=customer.pk, actor=marketer, quote="Hi", tags="", context=""
        )


def test_add_voice_note_needs_a_quote(service_user, customer):
    # when / then
    with pytest.raises(InvalidTransition) as refused:
        services.add_voice_note(
            account_id=customer.pk, actor=service_user, quote="   ", tags="", context=""
        )
    assert refused.value.field == "quote"


# --- Hand to sales --------------------------------------------------------------------


def test_hand_to_sales_creates_a_ready_expansion_lead_routed_to_the_account_owner(
    service_user, customer, rep, agreement, policy, pool, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        handoff = services.hand_to_sales(
            account_id=customer.pk,
            actor=service_user,
            kind="expansion",
            email=" Dana@Acme.example ",
            first_name="Dana",
            last_name="Lee",
            title="VP Operations",
            note="Wants the analytics add-on for two more teams.",
        )

    # then
    lead = Lead.objects.get(pk=handoff.lead.pk)
    assert handoff.created
    assert lead.email == "dana@acme.example"
    assert lead.source == Lead.Source.EXPANSION
    assert lead.account == customer
    assert lead.ready_reason == services.HANDOFF_REASON
    assert lead.ready_agreement == agreement
    assert lead.owner == rep
    assert lead.status == Lead.Status.READY
    touch = Touchpoint.objects.get(lead=lead)
    assert touch.metadata["note"] == "Wants the analytics add-on for two more teams."
    assert touch.metadata["from_account_id"] == customer.pk
    assert LeadEvent.objects.filter(lead=lead, actor=service_user).exists()


def test_hand_to_sales_referral_matches_its_own_account(
    service_user, customer, agreement, policy, pool, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        handoff = services.hand_to_sales(
            account_id=customer.pk,
            actor=service_user,
            kind="referral",
            email="ravi@globex.example",
            first_name="Ravi",
            last_name="Shah",
            title="CTO",
            note="Acme's CFO recommended us to him.",
        )

    # then
    lead = Lead.objects.select_related("account").get(pk=handoff.lead.pk)
    assert lead.source == Lead.Source.REFERRAL
    assert lead.account is not None
    assert lead.account.domain == "globex.example"
    assert lead.status == Lead.Status.READY
    assert lead.owner is not None  # the pool took it: Globex has no owner


def test_hand_to_sales_without_an_agreement_creates_nothing(service_user, customer):
    # when
    with pytest.raises(InvalidTransition, match="No qualification agreement"):
        services.hand_to_sales(
            account_id=customer.pk,
            actor=service_user,
            kind="expansion",
            email="dana@acme.example",
            first_name="Dana",
            last_name="Lee",
            title="",
            note="",
        )

    # then
    assert not Lead.objects.exists()
    assert not Touchpoint.objects.exists()


def test_hand_to_sales_expansion_needs_an_address_at_the_customer(
    service_user, customer, agreement
):
    # when
    with pytest.raises(InvalidTransition) as refused:
        services.hand_to_sales(
            account_id=customer.pk,
            actor=service_user,
            kind="expansion",
            email="dana@gmail.com",
            first_name="Dana",
            last_name="",
            title="",
            note="",
        )

    # then
    assert refused.value.field == "email"
    assert not Lead.objects.exists()


def test_hand_to_sales_refuses_a_lead_sales_already_works(service_user, customer, agreement, rep):
    # given
    factories.LeadFactory(
        email="dana@acme.example",
        account=customer,
        status=Lead.Status.WORKING,
        owner=rep,
        assigned_at=timezone.now(),
    )

    # when / then
    with pytest.raises(InvalidTransition, match="already a lead") as refused:
        services.hand_to_sales(
            account_id=customer.pk,
            actor=service_user,
            kind="expansion",
            email="dana@acme.example",
            first_name="Dana",
            last_name="",
            title="",
            note="",
        )
    assert refused.value.field == "email"


def test_hand_to_sales_is_for_service_only(rep, customer, agreement):
    # when / then
    with pytest.raises(NotAllowed):
        services.hand_to_sales(
            account_id=customer.pk,
            actor=rep,
            kind="expansion",
            email="dana@acme.example",
            first_name="Dana",
            last_name="",
            title="",
            note="",
        )
    assert not Lead.objects.exists()
