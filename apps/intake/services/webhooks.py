"""Signed webhook deliveries: each signature is accepted once (replay protection)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.intake.models import WebhookDelivery

# A signature is only valid for SIGNATURE_TOLERANCE either side of now, so a delivery record
# older than twice that can never match a valid request again.
SIGNATURE_TOLERANCE = timedelta(seconds=300)
DELIVERY_RETENTION = SIGNATURE_TOLERANCE * 2


@transaction.atomic(durable=True)
def accept_webhook_delivery(*, source_id: int, signature: str, now: datetime | None = None) -> bool:
    """Record a verified delivery; False when this signature was already received (a replay).

    Its own short transaction, committed before the intake runs, so two racing copies of one
    request cannot both pass (the unique index decides)."""
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(
                source_id=source_id, signature=signature, received_at=now or timezone.now()
            )
    except IntegrityError:
        return False
    return True


def forget_webhook_delivery(*, source_id: int, signature: str) -> None:
    """The delivery's intake failed before it committed: let the sender retry the same signature."""
    WebhookDelivery.objects.filter(source_id=source_id, signature=signature).delete()


def prune_webhook_deliveries(*, now: datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - DELIVERY_RETENTION
    deleted, _ = WebhookDelivery.objects.filter(received_at__lt=cutoff).delete()
    return deleted
