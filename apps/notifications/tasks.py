from smtplib import SMTPException

from celery import shared_task

from apps.notifications import services


@shared_task(
    name="notifications.email",
    acks_late=True,
    autoretry_for=(OSError, SMTPException),
    retry_backoff=True,
    max_retries=6,
)
def email_notification_task(notification_id: int) -> None:
    services.email_notification(notification_id=notification_id)


@shared_task(
    name="notifications.team_webhook",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=6,
)
def post_team_webhook_task(team: str, text: str) -> None:
    services.post_team_webhook(team=team, text=text)
