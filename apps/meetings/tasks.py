from smtplib import SMTPException

from celery import shared_task

from apps.meetings import services


@shared_task(
    name="meetings.send_invitation",
    acks_late=True,
    autoretry_for=(OSError, SMTPException),
    retry_backoff=True,
    max_retries=6,
)
def send_invitation_task(
    meeting_id: int, method: str, rep_ids: list[int], to_buyer: bool = True
) -> int:
    return services.send_invitation(
        meeting_id=meeting_id, method=method, rep_ids=rep_ids, to_buyer=to_buyer
    )


@shared_task(name="meetings.refresh_feed", acks_late=True)
def refresh_feed_task(feed_id: int) -> str:
    return services.refresh_feed(feed_id=feed_id)


@shared_task(name="meetings.refresh_feeds")
def refresh_feeds_task() -> int:
    return services.refresh_feeds()
