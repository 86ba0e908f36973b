from celery import shared_task
from django.db import OperationalError

from apps.leads import services


@shared_task(
    name="leads.qualify_account",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def qualify_account_task(account_id: int) -> None:
    services.qualify_account(account_id=account_id)
