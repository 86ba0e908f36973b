"""An import whose worker died mid-run can be resumed from the page once it has stalled."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.imports import services
from apps.imports.models import ImportJob
from apps.imports.services import jobs


@pytest.mark.django_db
def test_a_stalled_running_import_is_requeued_but_a_live_one_is_left_alone(revops, monkeypatch):
    # given a running import and a task queue we can watch
    sent: list[int] = []
    monkeypatch.setattr(jobs, "enqueue_on_commit", lambda task, job_id: sent.append(job_id))
    job = ImportJob.objects.create(
        created_by=revops,
        original_name="leads.csv",
        source_path="/srv/imports/leads.csv",
        status=ImportJob.Status.RUNNING,
        rows_done=1000,
    )
    # when its progress moved recently, its worker is alive: nothing is queued twice
    services.start_import(job_id=job.pk, actor=revops)
    assert sent == []
    # when it has not moved for five minutes, its worker died: resuming queues it again
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    job.refresh_from_db()
    assert services.is_stalled(job)
    services.start_import(job_id=job.pk, actor=revops)
    assert sent == [job.pk]
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.QUEUED
