"""The database refuses what the lead's invariants forbid."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from apps.leads.models import Lead, LeadEvent
from tests import factories

pytestmark = pytest.mark.django_db


def test_duplicate_lead_email_in_any_case_is_refused_by_the_database():
    # given
    factories.LeadFactory(email="pat@acme.example")
    # when / then: the normalisation check or the case-insensitive unique index refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.create(email="PAT@acme.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.bulk_create([Lead(email="pat@acme.example")])


def test_lead_email_must_be_stored_normalised():
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.create(email=" Pat@Acme.example")


def test_invalid_status_and_negative_amounts_are_refused():
    lead = factories.LeadFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.filter(pk=lead.pk).update(status="archived")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.OpportunityFactory(amount=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.CampaignFactory(budget=-5)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.CampaignSpendFactory(amount=-5)


def test_working_lead_needs_an_owner_and_pending_sla_a_due_time():
    lead = factories.LeadFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.filter(pk=lead.pk).update(status="working")
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.filter(pk=lead.pk).update(sla_state="pending")


def test_lead_events_cannot_be_rewritten(rep):
    from django.utils import timezone

    lead = factories.LeadFactory()
    event = LeadEvent.objects.create(lead=lead, kind="status", new_value="ready", at=timezone.now())
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    # the database refuses even a queryset update that bypasses the model
    with pytest.raises(DatabaseError), transaction.atomic():
        LeadEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            LeadEvent.objects.filter(pk=event.pk)._raw_delete(connection.alias)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"kind": "attempt", "new_value": "no_answer", "payload": {"channel": "call"}},
            "Attempt logged: Call · No answer",
        ),
        ({"kind": "step_done", "new_value": "Call now"}, "Play step done: Call now"),
        (
            {"kind": "play", "reason": "play step completed", "new_value": "Call now"},
            "Play step done: Call now",
        ),
        ({"kind": "play", "old_value": "", "new_value": "Demo"}, "Play attached: — → Demo"),
        ({"kind": "archived"}, "Archived"),
    ],
)
def test_an_event_reads_as_words_in_the_history(fields: dict, expected: str) -> None:
    assert LeadEvent(**fields).summary() == expected
