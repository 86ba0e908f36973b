from celery import shared_task
from django.db import OperationalError

from apps.scoring import services


@shared_task(name="scoring.rescore_all")  # beat: nightly
def rescore_all_task() -> None:
    services.rescore_open_leads()


@shared_task(
    name="scoring.qualify_account",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def qualify_account_task(account_id: int) -> None:
    services.qualify_account(account_id=account_id)


@shared_task(  # beat: every 5 seconds
    name="scoring.roll_up_owed",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def roll_up_owed_task() -> None:
    services.settle_roll_ups()
