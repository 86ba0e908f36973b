from celery import shared_task

from apps.intake import services


@shared_task(name="intake.prune_idempotency_records")  # beat: hourly
def prune_idempotency_records_task() -> None:
    """Replay records of Idempotency-Keys past 24 h, and webhook deliveries past their window."""
    services.prune_idempotency_records()
    services.prune_webhook_deliveries()
