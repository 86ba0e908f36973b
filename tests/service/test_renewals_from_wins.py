"""Won → customer → renewal: a won deal opens the account's renewal, once, due a contract term
after the win, for the deal's amount; a lost task is caught by the hourly reconciliation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client

from apps.core.errors import InvalidTransition
from apps.core.quarters import add_months
from apps.opportunities.models import Opportunity
from apps.opportunities.services import change_stage, convert_lead
from apps.routing import services as routing
from apps.service import selectors
from apps.service.models import Renewal
from apps.service.services import open_missing_renewals, open_renewal_for_win
from revenue.celery import app
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (date(2026, 11, 30), 12, date(2027, 11, 30)),  # a year on the same day
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # February is shorter: its last day
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # in a leap year too
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # across the year end, into a short month
        (date(2026, 12, 15), 1, date(2027, 1, 15)),  # December to January
        (date(2026, 3, 31), 120, date(2036, 3, 31)),  # the longest term
        (date(2026, 5, 31), 1, date(2026, 6, 30)),  # a 30-day month
    ],
)
def test_a_contract_term_runs_to_the_same_day_or_the_end_of_a_shorter_month(
    start: date, months: int, due: date
) -> None:
    assert add_months(start, months) == due


@pytest.fixture
def owned_lead(pool, policy, rep):  # type: ignore[no-untyped-def]
    lead = factories.LeadFactory(
        status="ready", account=factories.AccountFactory(domain="acme.example", name="Acme")
    )
    routing.claim_lead(lead_id=lead.pk, rep=rep)
    lead.refresh_from_db()
    return lead


def test_a_won_deal_opens_its_renewal_a_term_later_for_its_amount(  # type: ignore[no-untyped-def]
    owned_lead, rep, django_capture_on_commit_callbacks
):
    # given: a two-year deal
    opportunity = convert_lead(
        lead_id=owned_lead.pk, actor=rep, name="Acme platform", amount="48000", term_months=24
    )
    # when: it is won (the task the win enqueues runs after the commit)
    with django_capture_on_commit_callbacks(execute=True):
        change_stage(opportunity_id=opportunity.pk, actor=rep, stage="won")
    # then
    opportunity.refresh_from_db()
    renewal = Renewal.objects.get()
    won_on = opportunity.closed_at.astimezone(UTC).date()
    assert renewal.source_opportunity == opportunity
    assert renewal.account_id == opportunity.account_id
    assert renewal.due_on == add_months(won_on, 24)
    assert renewal.amount == Decimal("48000.00")
    assert renewal.outcome == Renewal.Outcome.PENDING
    # the customer is on /service/'s list with that renewal next
    customer = next(a for a in selectors.customer_accounts() if a.pk == opportunity.account_id)
    assert (customer.next_renewal_on, customer.next_renewal_amount) == (
        renewal.due_on,
        Decimal("48000.00"),
    )


def test_asking_twice_opens_one_renewal_and_the_database_refuses_a_second(rep) -> None:  # type: ignore[no-untyped-def]
    # given
    opportunity = factories.OpportunityFactory(
        owner=rep, stage="won", closed_at=datetime(2026, 11, 2, 9, tzinfo=UTC), amount=9000
    )
    # when
    first = open_renewal_for_win(opportunity_id=opportunity.pk)
    again = open_renewal_for_win(opportunity_id=opportunity.pk)
    # then
    assert first is not None
    assert again == first
    assert Renewal.objects.count() == 1
    assert first.due_on == date(2027, 11, 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Renewal.objects.create(
            account_id=opportunity.account_id,
            source_opportunity=opportunity,
            due_on=date(2027, 1, 1),
            amount=1,
        )


def test_a_deal_that_is_not_won_opens_no_renewal(rep) -> None:  # type: ignore[no-untyped-def]
    lost = factories.OpportunityFactory(
        owner=rep,
        stage="lost",
        lost_reason=factories.LostReasonFactory(name="Budget cut"),
        closed_at=datetime.now(UTC),
    )
    open_deal = factories.OpportunityFactory(owner=rep)
    assert open_renewal_for_win(opportunity_id=lost.pk) is None
    assert open_renewal_for_win(opportunity_id=open_deal.pk) is None
    assert not Renewal.objects.exists()


def test_the_reconciliation_opens_what_a_lost_task_missed_in_the_last_week(rep) -> None:  # type: ignore[no-untyped-def]
    # given: wins whose task never ran, one 2 days and one 10 days ago
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    recent = factories.OpportunityFactory(owner=rep, stage="won", closed_at=now - timedelta(days=2))
    old = factories.OpportunityFactory(owner=rep, stage="won", closed_at=now - timedelta(days=10))
    # when
    opened = open_missing_renewals(now=now)
    # then: the recent one only, and a second pass opens nothing
    assert opened == 1
    assert list(Renewal.objects.values_list("source_opportunity", flat=True)) == [recent.pk]
    assert open_missing_renewals(now=now) == 0
    assert not Renewal.objects.filter(source_opportunity=old).exists()


def test_the_contract_term_is_checked_where_the_deal_is_opened(owned_lead, rep) -> None:  # type: ignore[no-untyped-def]
    for term in (0, 121):
        with pytest.raises(InvalidTransition) as refused:
            convert_lead(lead_id=owned_lead.pk, actor=rep, name="Deal", amount=1, term_months=term)
        assert refused.value.field == "term_months"
    assert not Opportunity.objects.exists()


def test_the_api_takes_a_term_and_names_the_field_when_it_is_out_of_range(  # type: ignore[no-untyped-def]
    owned_lead, rep
):
    client = Client()
    client.force_login(rep)
    url = f"/api/v1/leads/{owned_lead.pk}/convert/"
    bad = client.post(
        url, {"name": "Deal", "amount": "100", "term_months": 0}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert "term_months" in bad.json()
    good = client.post(
        url, {"name": "Deal", "amount": "100", "term_months": 36}, content_type="application/json"
    )
    assert good.status_code == 201
    assert good.json()["term_months"] == 36


def test_the_account_page_of_a_customer_without_a_renewal_says_it_is_coming(  # type: ignore[no-untyped-def]
    owned_lead, rep
):
    client = Client()
    client.force_login(rep)
    account = owned_lead.account
    account.lifecycle = "customer"
    account.save()
    html = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "a won deal opens its renewal within seconds" in html
    assert "not a customer yet" not in html


def test_beat_reconciles_missing_renewals_every_hour() -> None:
    entries = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    schedule = entries["service.open_missing_renewals"]
    assert isinstance(schedule, crontab)
    assert (len(schedule.hour), len(schedule.minute)) == (24, 1)
    app.loader.import_default_modules()
    assert "service.open_renewal_for_win" in app.tasks
    assert "service.open_missing_renewals" in app.tasks
