"""A lead Service hands to sales arrives with its customer: health, the next renewal, the
latest voice-of-customer note, Service's note and who to ask."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from apps.accounts.models import Account
from apps.service import services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):  # type: ignore[no-untyped-def]
    return factories.AccountFactory(
        name="Acme", domain="acme.example", lifecycle=Account.Lifecycle.CUSTOMER, owner=rep
    )


def _hand_over(service_user, customer, kind: str, email: str, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return services.hand_to_sales(
            account_id=customer.pk,
            actor=service_user,
            kind=kind,
            email=email,
            first_name="Priya",
            note="Wants the analytics add-on for two more teams.",
        ).lead


def test_an_expansion_lead_shows_its_customer_on_the_lead_page(  # type: ignore[no-untyped-def]
    service_user, customer, rep, agreement, policy, pool, django_capture_on_commit_callbacks
):
    # given: what Service knows about Acme
    services.set_account_health(account_id=customer.pk, actor=service_user, health="yellow")
    factories.RenewalFactory(account=customer, due_on=date(2027, 3, 31), amount=Decimal("42000"))
    factories.RenewalFactory(account=customer, due_on=date(2028, 3, 31), amount=Decimal("50000"))
    services.add_voice_note(
        account_id=customer.pk,
        actor=service_user,
        quote="The exception alerts saved our peak season.",
        tags="alerts",
        context="QBR",
    )
    lead = _hand_over(
        service_user,
        customer,
        "expansion",
        "priya@acme.example",
        django_capture_on_commit_callbacks,
    )
    client = Client()
    client.force_login(rep)
    # when
    page = client.get(f"/sales/leads/{lead.pk}/")
    # then
    assert page.status_code == 200
    context = page.context["page"].customer
    assert context.account == customer
    assert (context.kind, context.handed_by) == ("expansion", service_user)
    html = page.content.decode()
    assert "Customer context" in html
    assert "An expansion at Acme, a customer, handed over by Sid Service" in html
    assert "Yellow" in html
    assert "31 Mar 2027 · 42,000" in html  # the next pending renewal, not the later one
    assert "The exception alerts saved our peak season." in html
    assert "Wants the analytics add-on for two more teams." in html


def test_a_referral_shows_the_customer_who_referred_it(  # type: ignore[no-untyped-def]
    service_user, customer, agreement, policy, pool, manager, django_capture_on_commit_callbacks
):
    lead = _hand_over(
        service_user, customer, "referral", "li@globex.example", django_capture_on_commit_callbacks
    )
    client = Client()
    client.force_login(manager)
    html = client.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert "Referred by Acme, a customer, handed over by Sid Service" in html
    assert "None pending" in html


def test_other_leads_have_no_customer_context(rep, pool, policy) -> None:  # type: ignore[no-untyped-def]
    lead = factories.LeadFactory(status="ready", source="web_form")
    client = Client()
    client.force_login(rep)
    page = client.get(f"/sales/leads/{lead.pk}/")  # a pool lead every rep reads
    assert page.status_code == 200
    assert page.context["page"].customer is None
    assert "Customer context" not in page.content.decode()
