"""One-line task wrappers for the goals app (beat runs goals.snapshot_goals nightly)."""

from celery import shared_task
from django.db import OperationalError

from apps.goals import facts, services


@shared_task(
    name="goals.snapshot_goals",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def snapshot_goals_task() -> int:
    """Idempotent per day: a redelivery or a second run updates the same snapshot rows."""
    return services.snapshot_goals()


@shared_task(
    name="goals.rebuild_cohort_entries",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def rebuild_cohort_entries_task(requested_at: str | None = None) -> int | None:
    """The quarters changed (at `requested_at`, ISO 8601): every lead's cohort entries again
    (idempotent: a rerun rewrites the same rows), unless a later rebuild covered the edit."""
    return facts.rebuild_cohort_entries_once(requested_at=facts.moment(requested_at))
