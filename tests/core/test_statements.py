"""RowBy: a model's row by one unique column, read with a SELECT written once per process; the
instance it builds equals the ORM's, and with `lock` the row is held for the transaction.
InsertInto: new instances inserted (or upserted) with one INSERT written once per process; the
rows and the instances equal what bulk_create writes and leaves."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.statements import InsertInto, RowBy
from apps.leads.models import Lead, LeadEvent, LeadFacts, Touchpoint
from apps.scoring.models import OwedRollUp
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


def _event(lead: Lead, kind: str, new_value: str) -> LeadEvent:
    return LeadEvent(
        lead=lead,
        kind=kind,
        new_value=new_value,
        at=timezone.now(),
        payload={"asset": "pricing", "weights": [1, 2]},
    )


@pytest.mark.django_db
def test_insert_into_writes_the_rows_bulk_create_writes_in_one_statement() -> None:
    # given a lead and three new events for it, and the same three for bulk_create
    lead = factories.LeadFactory()
    kinds = [
        (LeadEvent.Kind.CREATED, lead.email),
        (LeadEvent.Kind.TOUCHPOINT, "page_view"),
        (LeadEvent.Kind.SCORE, "warm"),
    ]
    ours = [_event(lead, kind, value) for kind, value in kinds]
    theirs = [_event(lead, kind, value) for kind, value in kinds]

    # when InsertInto writes ours and bulk_create theirs
    with CaptureQueriesContext(connection) as queries:
        InsertInto(LeadEvent).save(ours)
    LeadEvent.objects.bulk_create(theirs)

    # then ours have keys, are saved, and read back equal to theirs but for key and time
    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].startswith("INSERT INTO")
    assert all(event.pk is not None and not event._state.adding for event in ours)
    assert len({event.pk for event in ours}) == 3

    def stored(event: LeadEvent) -> dict[str, object]:
        values = _values(LeadEvent.objects.get(pk=event.pk))
        return {k: v for k, v in values.items() if k not in ("id", "at")}

    assert [stored(event) for event in ours] == [stored(event) for event in theirs]
    assert [_values(event) for event in ours] == [
        _values(LeadEvent.objects.get(pk=event.pk)) for event in ours
    ]


@pytest.mark.django_db
def test_insert_into_reads_back_what_the_database_fills() -> None:
    # given a new lead (its queue columns are generated by the database, its times auto_now)
    lead = Lead(email="new@acme.example", first_name="Ada", status=Lead.Status.READY)
    lead.ready_at = timezone.now()

    # when it is inserted
    InsertInto(Lead).save([lead])

    # then the instance holds its key, its auto_now times and its generated columns, as read
    assert lead.pk is not None
    assert lead.created_at is not None
    assert _values(lead) == _values(Lead.objects.get(pk=lead.pk))
    assert lead.queue_bucket is not None


@pytest.mark.django_db
def test_insert_into_refuses_a_duplicate_with_django_s_integrity_error() -> None:
    factories.LeadFactory(email="taken@acme.example")

    with pytest.raises(IntegrityError), transaction.atomic():
        InsertInto(Lead).save([Lead(email="taken@acme.example")])

    assert Lead.objects.filter(email="taken@acme.example").count() == 1


@pytest.mark.django_db
def test_insert_into_upserts_only_the_named_fields() -> None:
    # given a lead whose facts row exists (its won amount recorded)
    lead = factories.LeadFactory()
    LeadFacts.objects.filter(lead=lead).update(won_amount=500, rep_id=7)
    upsert = InsertInto(LeadFacts, unique=["lead"])

    # when its facts are upserted with a new rep and clock, and a won amount not named
    upsert.save(
        [LeadFacts(lead_id=lead.pk, rep_id=9, sla_state="met", won_amount=0)],
        update=["rep_id", "sla_state"],
    )

    # then the named fields changed and the rest stayed; still one row
    facts = LeadFacts.objects.get(lead=lead)
    assert (facts.rep_id, facts.sla_state, facts.won_amount) == (9, "met", 500)
    assert LeadFacts.objects.filter(lead=lead).count() == 1


@pytest.mark.django_db
def test_insert_into_a_table_with_nothing_to_read_back() -> None:
    # OwedRollUp's key is its account: the database fills nothing, no RETURNING is needed
    account = factories.AccountFactory()
    upsert = InsertInto(OwedRollUp, unique=["account"])
    first = timezone.now() - timedelta(minutes=1)

    upsert.save([OwedRollUp(account=account, handed_off=True, at=first)], update=["at"])
    upsert.save([OwedRollUp(account=account, handed_off=False, at=timezone.now())], update=["at"])

    owed = OwedRollUp.objects.get(account=account)
    assert owed.handed_off is True  # not named: kept
    assert owed.at > first


@pytest.mark.django_db
def test_insert_into_hands_expressions_and_mixed_keys_to_bulk_create() -> None:
    # given a touch dated by a database expression, and events only some of which carry a key
    lead = factories.LeadFactory()
    touch = Touchpoint(lead=lead, kind=Touchpoint.Kind.PAGE_VIEW, occurred_at=Now())
    keyed = _event(lead, LeadEvent.Kind.CREATED, lead.email)
    keyed.pk = 10_000_000
    unkeyed = _event(lead, LeadEvent.Kind.TOUCHPOINT, "page_view")

    # when they are inserted
    InsertInto(Touchpoint).save([touch])
    InsertInto(LeadEvent).save([keyed, unkeyed])

    # then bulk_create wrote them: the database's time, the given key and a new one
    assert Touchpoint.objects.get(pk=touch.pk).occurred_at is not None
    assert LeadEvent.objects.filter(pk=10_000_000, kind=LeadEvent.Kind.CREATED).exists()
    assert unkeyed.pk is not None
    assert LeadEvent.objects.filter(lead=lead).count() == 2


@pytest.mark.django_db
def test_insert_into_refuses_another_model_s_instances_and_writes_nothing() -> None:
    lead = factories.LeadFactory()
    event = _event(lead, LeadEvent.Kind.CREATED, lead.email)

    with pytest.raises(TypeError, match="Touchpoint"):
        InsertInto(LeadEvent).save([event, Touchpoint(lead=lead, occurred_at=timezone.now())])  # type: ignore[list-item]

    assert not LeadEvent.objects.filter(lead=lead).exists()


@pytest.mark.django_db
def test_insert_into_hands_a_large_batch_to_bulk_create() -> None:
    # given more events than one written statement takes
    lead = factories.LeadFactory()
    insert = InsertInto(LeadEvent)
    events = [
        _event(lead, LeadEvent.Kind.TOUCHPOINT, f"touch {n}")
        for n in range(InsertInto.MAX_ROWS + 1)
    ]

    # when they are inserted
    insert.save(events)

    # then every one is written with its key, and no statement was kept for that many rows
    assert all(event.pk is not None and not event._state.adding for event in events)
    assert LeadEvent.objects.filter(lead=lead).count() == InsertInto.MAX_ROWS + 1
    assert not any(key[1] == InsertInto.MAX_ROWS + 1 for key in insert._sql)
