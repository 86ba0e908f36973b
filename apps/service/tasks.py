"""One-line task wrappers for the service app: the renewal a won deal opens (enqueued by
opportunities.services.change_stage after the win commits) and the hourly reconciliation."""

from celery import shared_task
from django.db import OperationalError

from apps.service import services


@shared_task(
    name="service.open_renewal_for_win",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def open_renewal_for_win_task(opportunity_id: int) -> int | None:
    """Idempotent: a redelivery finds the renewal the first delivery opened."""
    renewal = services.open_renewal_for_win(opportunity_id=opportunity_id)
    return renewal.pk if renewal is not None else None


@shared_task(name="service.open_missing_renewals", acks_late=True)
def open_missing_renewals_task() -> int:
    return services.open_missing_renewals()
