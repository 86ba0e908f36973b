from celery import shared_task
from django.db import OperationalError

from apps.imports import services


@shared_task(
    name="imports.dry_run_import",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def dry_run_import_task(job_id: int) -> None:
    services.dry_run_import(job_id=job_id)


@shared_task(
    name="imports.run_import",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def run_import_task(job_id: int) -> None:
    services.run_import(job_id=job_id)
