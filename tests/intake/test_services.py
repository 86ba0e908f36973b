"""Concurrent intake on whichever database runs the suite: the embedded SQLite default must be
as correct as PostgreSQL (IMMEDIATE transactions queue writers; the unique index dedupes)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from apps.intake.services import IntakeData, intake_lead
from apps.leads.models import Lead, Touchpoint
from apps.routing import services as routing
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_of_one_email_make_one_lead():
    emails = [
        f"{' ' * (i % 3)}Kai@Hooli.example{' ' * (i % 2)}".upper() if i % 2 else "kai@hooli.example"
        for i in range(12)
    ]

    def submit(email: str) -> int:
        try:
            return intake_lead(data=IntakeData(email=email)).lead.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = list(pool.map(submit, emails))
    assert len(set(ids)) == 1
    assert Lead.objects.count() == 1
    assert Touchpoint.objects.count() == 12


@pytest.mark.django_db(transaction=True)
def test_parallel_claims_of_one_pool_lead_have_one_winner(rep, other_rep, manager, policy):
    from apps.core.errors import Conflict

    reps = [rep, other_rep, manager]
    lead = factories.LeadFactory(status="ready")

    def claim(user):  # type: ignore[no-untyped-def]
        try:
            routing.claim_lead(lead_id=lead.pk, rep=user)
            return "won"
        except Conflict:
            return "lost"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(claim, reps))
    assert sorted(outcomes) == ["lost", "lost", "won"]
    lead.refresh_from_db()
    assert lead.owner in reps
