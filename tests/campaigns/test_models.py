"""CampaignSpend's invariants live in the database: non-negative money, ordered dates, and
append-only rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from apps.campaigns.models import CampaignSpend
from tests import factories

pytestmark = pytest.mark.django_db


def test_spend_cannot_be_negative_or_end_before_it_starts() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.CampaignSpendFactory(amount=Decimal("-0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.CampaignSpendFactory(starts_on=date(2026, 10, 2), ends_on=date(2026, 10, 1))
    # a single day and an amount of zero are fine
    entry = factories.CampaignSpendFactory(
        starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 1), amount=Decimal("0")
    )
    assert str(entry) == "0.00 over 2026-10-01"


def test_spend_is_never_edited_or_deleted() -> None:
    # given
    entry = factories.CampaignSpendFactory(amount=Decimal("1200.50"))
    # then the model refuses
    entry.amount = Decimal("1")
    with pytest.raises(ValueError, match="never edited"):
        entry.save()
    with pytest.raises(ValueError, match="never deleted"):
        entry.delete()
    # and so does the database, for an UPDATE that goes around the model
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CampaignSpend.objects.filter(pk=entry.pk).update(amount=Decimal("1"))
    assert CampaignSpend.objects.get(pk=entry.pk).amount == Decimal("1200.50")


@pytest.mark.postgres
def test_postgresql_refuses_to_delete_spend() -> None:
    entry = factories.CampaignSpendFactory()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CampaignSpend.objects.filter(pk=entry.pk).delete()
    assert connection.vendor == "postgresql"
    assert CampaignSpend.objects.filter(pk=entry.pk).exists()


def test_an_entry_is_replaced_at_most_once() -> None:
    # given
    wrong = factories.CampaignSpendFactory(amount=Decimal("10000"))
    factories.CampaignSpendFactory(campaign=wrong.campaign, replaces=wrong, amount=Decimal("1000"))
    # then
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.CampaignSpendFactory(campaign=wrong.campaign, replaces=wrong)
