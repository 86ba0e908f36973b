from celery import shared_task

from apps.leads import services


@shared_task(name="scoring.rescore_all")  # beat: nightly
def rescore_all_task() -> None:
    services.rescore_open_leads()
