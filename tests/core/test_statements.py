"""RowBy: a model's row by one unique column, read with a SELECT written once per process; the
instance it builds equals the ORM's, and with `lock` the row is held for the transaction."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.statements import RowBy
from apps.leads.models import Lead
from tests import factories


def _values(obj: object) -> dict[str, object]:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_row_by_reads_the_row_the_orm_reads_in_one_statement() -> None:
    # given an account with JSON, a tier and a score, and its lead with times and an owner
    account = factories.AccountFactory(domain="acme.example", engagement_score=41)
    Account.objects.filter(pk=account.pk).update(buying_roles_engaged=["champion", "user"])
    rep = factories.UserFactory()
    lead = factories.LeadFactory(
        email="pat@acme.example",
        account=account,
        owner=rep,
        status=Lead.Status.READY,
        ready_at=timezone.now() - timedelta(minutes=5),
        assigned_at=timezone.now(),
    )
    by_domain = RowBy(Account, "domain")
    by_email = RowBy(Lead, "email", lock=True)

    # when each is read by its column, and a value no row has
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        found_account = by_domain.get("acme.example")
        found_lead = by_email.get("pat@acme.example")
    missing = by_domain.get("nowhere.example")

    # then every field equals what the ORM reads (the JSON decoded, times aware), one
    # statement each, and nothing for the missing value
    assert found_account is not None
    assert found_lead is not None
    assert _values(found_account) == _values(Account.objects.get(pk=account.pk))
    assert found_account.buying_roles_engaged == ["champion", "user"]
    assert _values(found_lead) == _values(Lead.objects.get(pk=lead.pk))
    assert found_lead.ready_at is not None
    assert found_lead.ready_at.tzinfo is not None
    assert not found_lead._state.adding
    assert missing is None
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 2
    if connection.vendor == "postgresql":
        assert reads[1].endswith("FOR UPDATE")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_row_by_with_lock_holds_the_row_until_the_transaction_ends() -> None:
    # given a lead
    lead = factories.LeadFactory(email="held@acme.example")
    outcomes: list[str] = []

    def try_to_lock() -> None:
        try:
            with transaction.atomic():
                Lead.objects.select_for_update(nowait=True).get(pk=lead.pk)
            outcomes.append("locked")
        except DatabaseError:
            outcomes.append("refused")
        finally:
            connection.close()

    # when another connection asks for the row while a transaction holds it from RowBy, and
    # again once that transaction has ended
    with transaction.atomic():
        assert RowBy(Lead, "email", lock=True).get("held@acme.example") is not None
        during = threading.Thread(target=try_to_lock)
        during.start()
        during.join()
    after = threading.Thread(target=try_to_lock)
    after.start()
    after.join()

    # then it is refused while held and granted after
    assert outcomes == ["refused", "locked"]
