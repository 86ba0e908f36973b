from celery import shared_task

from apps.intake import services


@shared_task(name="intake.prune_idempotency_records")  # beat: hourly
def prune_idempotency_records_task() -> None:
    services.prune_idempotency_records()
