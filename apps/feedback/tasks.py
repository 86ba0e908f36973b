"""One-line task wrappers for the feedback app: the daily wake-up of recycled leads."""

from celery import shared_task

from apps.feedback import services


@shared_task(name="feedback.wake_recycled_leads", acks_late=True)
def wake_recycled_leads_task() -> int:
    """Idempotent: a lead wakes once (woken_at, under the row lock)."""
    return services.wake_recycled_leads()
