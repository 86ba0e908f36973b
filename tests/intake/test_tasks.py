"""The replay records of Idempotency-Keys are kept 24 hours, then pruned by beat."""

from __future__ import annotations

from datetime import timedelta

from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from apps.intake.models import IdempotencyRecord
from apps.intake.services.idempotency import RETENTION
from apps.intake.tasks import prune_idempotency_records_task
from revenue.celery import app


def test_beat_prunes_idempotency_records_every_hour() -> None:
    # given the beat schedule of settings
    entries = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}

    # then the prune task is scheduled, registered under that name, and runs at least hourly
    schedule = entries["intake.prune_idempotency_records"]
    assert isinstance(schedule, crontab)
    assert len(schedule.hour) == 24
    assert len(schedule.minute) == 1
    assert app.tasks["intake.prune_idempotency_records"].name == prune_idempotency_records_task.name


def test_prune_task_deletes_records_older_than_the_retention_only(db) -> None:
    # given one record past the 24-hour retention and one inside it
    now = timezone.now()
    old = IdempotencyRecord.objects.create(scope="source:1:intake", key="old", request_hash="a")
    fresh = IdempotencyRecord.objects.create(scope="source:1:intake", key="new", request_hash="b")
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=now - RETENTION - timedelta(minutes=1)
    )
    IdempotencyRecord.objects.filter(pk=fresh.pk).update(
        created_at=now - RETENTION + timedelta(minutes=1)
    )

    # when beat's task runs
    prune_idempotency_records_task.delay()

    # then only the expired record is gone
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
