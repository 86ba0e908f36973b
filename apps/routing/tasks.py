"""One-line task wrappers: ids in, one service call. Idempotent by state, so a duplicate,
late or early delivery is a no-op; acks_late + reject_on_worker_lost redeliver a killed
worker's task, and the sweep re-drives anything the broker lost."""

from celery import shared_task
from django.db import OperationalError

from apps.routing import services


@shared_task(
    name="routing.route_lead",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def route_lead_task(lead_id: int) -> None:
    services.route_lead(lead_id=lead_id)


@shared_task(
    name="routing.settle_sla",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def settle_sla_task(lead_id: int, assignment_version: int) -> None:
    services.settle_sla(lead_id=lead_id, assignment_version=assignment_version)


@shared_task(
    name="routing.release_held",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def release_held_task() -> None:
    services.release_held()


@shared_task(name="routing.sweep_sla")  # beat: every 30 seconds
def sweep_sla_task() -> None:
    services.sweep_sla(limit=500)
