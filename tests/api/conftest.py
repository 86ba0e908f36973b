"""A small world with a lead for every visibility rule, and an API client per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import Account
from apps.leads.models import Lead
from tests import factories


@dataclass
class World:
    own: Lead
    pool: Lead
    others: Lead
    account_lead: Lead
    customer_lead: Lead
    nurture: Lead


@pytest.fixture
def world(rep, other_rep, manager, marketer, service_user, revops):  # type: ignore[no-untyped-def]
    now = timezone.now()
    rep_account = factories.AccountFactory(name="Rep's Account", domain="repco.example", owner=rep)
    customer = factories.AccountFactory(
        name="Customer", domain="customer.example", lifecycle=Account.Lifecycle.CUSTOMER
    )
    company = factories.AccountFactory(name="Company", domain="company.example")
    return World(
        own=factories.LeadFactory(
            email="own@company.example",
            account=company,
            status=Lead.Status.WORKING,
            owner=rep,
            assigned_at=now,
            ready_at=now,
        ),
        pool=factories.LeadFactory(
            email="pool@company.example", account=company, status=Lead.Status.READY, ready_at=now
        ),
        others=factories.LeadFactory(
            email="others@company.example",
            account=company,
            status=Lead.Status.WORKING,
            owner=other_rep,
            assigned_at=now,
            ready_at=now,
        ),
        account_lead=factories.LeadFactory(email="person@repco.example", account=rep_account),
        customer_lead=factories.LeadFactory(email="buyer@customer.example", account=customer),
        nurture=factories.LeadFactory(email="someone@gmail.com"),
    )


def _client(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def rep_api(rep) -> APIClient:  # type: ignore[no-untyped-def]
    return _client(rep)


@pytest.fixture
def other_rep_api(other_rep) -> APIClient:  # type: ignore[no-untyped-def]
    return _client(other_rep)


@pytest.fixture
def manager_api(manager) -> APIClient:  # type: ignore[no-untyped-def]
    return _client(manager)


@pytest.fixture
def marketing_api(marketer) -> APIClient:  # type: ignore[no-untyped-def]
    return _client(marketer)


@pytest.fixture
def service_api(service_user) -> APIClient:  # type: ignore[no-untyped-def]
    return _client(service_user)


@pytest.fixture
def revops_api(revops) -> APIClient:  # type: ignore[no-untyped-def]
    return _client(revops)
