"""Converting a lead opens an opportunity; a win makes the account a customer."""

from decimal import Decimal

import pytest

from apps.accounts.models import Account
from apps.core.errors import InvalidTransition, NotAllowed
from apps.leads.models import Lead
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
