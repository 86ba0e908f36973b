"""One-line task wrappers for the feedback app: the daily wake-up of recycled leads and the
marketers' daily digest of disqualifications."""

from celery import shared_task

from apps.feedback import services


@shared_task(name="feedback.wake_recycled_leads", acks_late=True)
def wake_recycled_leads_task() -> int:
    """Idempotent: a lead wakes once (woken_at, under the row lock)."""
    return services.wake_recycled_leads()


@shared_task(name="feedback.send_disqualification_digests", acks_late=True)
def send_disqualification_digests_task() -> int:
    """At most one digest per marketer a day, however often it runs."""
    return services.send_disqualification_digests()
