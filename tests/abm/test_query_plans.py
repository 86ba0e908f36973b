"""The account page's readiness panel finds the account's latest hand-off from a partial index
of hand-off events, not by reading every "became ready" event since the account did (on
PostgreSQL; the plan is priced as in tests/sales/test_query_plans.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.abm.selectors import account_readiness
from apps.bench.bench import recording_statements
from apps.leads.models import Lead, LeadEvent
from tests import factories
from tests.fixtures.plans import plan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_readiness_panel_reads_the_hand_off_index(rep) -> None:  # type: ignore[no-untyped-def]
    # given a ready account whose best contact was handed over with who engaged, among 400
    # other leads made ready since (individually: no one at an account engaged)
    now = timezone.now()
    account = factories.AccountFactory(
        owner=rep, is_conversation_ready=True, ready_since=now - timedelta(days=2)
    )
    contact = factories.LeadFactory(account=account)
    engaged = [{"lead_id": contact.pk, "name": "Pat", "role": "champion", "what": "Pricing"}]
    factories.LeadEventFactory(
        lead=contact,
        kind=LeadEvent.Kind.STATUS,
        old_value=Lead.Status.NURTURE,
        new_value=Lead.Status.READY,
        payload={"engaged": engaged},
        at=now - timedelta(days=1),
    )
    others = Lead.objects.bulk_create(
        Lead(email=f"solo{i}@solo.example", status=Lead.Status.NURTURE) for i in range(400)
    )
    LeadEvent.objects.bulk_create(
        LeadEvent(
            lead=lead,
            kind=LeadEvent.Kind.STATUS,
            old_value=Lead.Status.NURTURE,
            new_value=Lead.Status.READY,
            payload={"reason": "score"},
            at=now - timedelta(hours=i % 40),
        )
        for i, lead in enumerate(others)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE leads_leadevent")
        cursor.execute("VACUUM ANALYZE leads_lead")
    # when the panel is read
    with recording_statements() as statements:
        readiness = account_readiness(user=rep, account=account, now=now)
    # then it shows the hand-off, found through the hand-off index
    assert readiness is not None
    assert readiness.handed_to == contact
    assert [person.lead_id for person in readiness.people] == [contact.pk]
    sql, params = next((s, p) for s, p in statements if '"payload" ?' in s)
    assert "event_account_handoff_idx" in plan(sql, params)
