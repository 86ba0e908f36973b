"""The account roll-up the worker settles after a touch reads the account's own people from
lead_account_role_idx (the engagement sum and, per buying role, whether one of them engaged),
never a join over the whole leads table, which grew with every lead there is (on PostgreSQL;
the plan is priced as in tests/sales/test_query_plans.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.bench.bench import recording_statements
from apps.leads.models import BuyingRole, Lead, Touchpoint
from apps.scoring.services import roll_up_accounts
from tests import factories
from tests.fixtures.plans import plan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_roll_up_reads_the_accounts_people_from_its_index(agreement) -> None:  # type: ignore[no-untyped-def]
    # given an account of three people who engaged lately, among 400 people of other accounts
    now = timezone.now()
    account, elsewhere = factories.AccountFactory(), factories.AccountFactory()
    for role in (BuyingRole.DECISION_MAKER, BuyingRole.CHAMPION, BuyingRole.UNKNOWN):
        lead = factories.LeadFactory(account=account, buying_role=role, engagement_score=5)
        factories.TouchpointFactory(lead=lead, occurred_at=now - timedelta(days=1))
    others = Lead.objects.bulk_create(
        Lead(email=f"o{i}@else.example", account=elsewhere, buying_role=BuyingRole.USER)
        for i in range(400)
    )
    Touchpoint.objects.bulk_create(
        Touchpoint(lead=lead, account=elsewhere, kind="page_view", occurred_at=now)
        for lead in others
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE leads_lead")
        cursor.execute("VACUUM ANALYZE leads_touchpoint")
    # when it is rolled up
    with recording_statements() as statements:
        rolled = roll_up_accounts(account_ids=[account.pk], agreement=agreement, now=now)[
            account.pk
        ]
    # then the figures are its own people's, read through the account's index
    assert (rolled.engagement_score, rolled.buying_roles_engaged) == (
        15,
        ["champion", "decision_maker"],
    )
    for sql, params in statements:
        if "leads_lead" in sql:  # the sum, and who of each role engaged
            shown = plan(sql, params)
            assert "lead_account_role_idx" in shown, shown
            assert "Seq Scan on leads_lead" not in shown
