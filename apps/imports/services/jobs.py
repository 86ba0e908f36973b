"""An import job's life: created from a file, its dry run and its import queued (by task name,
after commit), claimed by the worker that runs it, failed, or found stalled and resumed."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.campaigns.models import Campaign
from apps.core.errors import InvalidTransition, NotAllowed
from apps.core.queue import enqueue_on_commit
from apps.imports.models import ImportJob
from apps.imports.services.mapping import guess_mapping, validate_mapping
from apps.imports.services.reading import inspect_file, inspect_upload
from apps.users.models import Role, User
from apps.users.roles import has_role

IMPORT_ROLES = (Role.REVOPS, Role.MARKETING, Role.SALES_MANAGER)
STALLED_AFTER = timedelta(minutes=2)


def may_import(user: User) -> bool:
    return has_role(user, *IMPORT_ROLES)


@transaction.atomic(durable=True)
def create_import_job(
    *,
    actor: User | None,
    original_name: str,
    upload: Any = None,
    source_path: str = "",
) -> ImportJob:
    """Store the file (or note the server path), check it can be read, and guess the mapping."""
    if actor is not None and not may_import(actor):
        raise NotAllowed("Only RevOps, Marketing and sales managers import leads.")
    if upload is not None:
        inspected = inspect_upload(upload)
        size = upload.size
    else:
        with open(source_path, "rb") as stream:
            inspected = inspect_file(stream)
        size = os.path.getsize(source_path)
    job = ImportJob(
        created_by=actor,
        source_path=source_path,
        original_name=original_name[:255],
        size_bytes=size,
        header=inspected.header,
        delimiter=inspected.file_format.delimiter,
        encoding=inspected.file_format.encoding,
        mapping=guess_mapping(inspected.header),
    )
    if upload is not None:
        job.file.save(os.path.basename(original_name)[:100] or "leads.csv", upload, save=False)
    job.save()
    return job


def _lock_job(job_id: int) -> ImportJob:
    return ImportJob.objects.select_for_update().get(pk=job_id)


@transaction.atomic(durable=True)
def start_dry_run(
    *,
    job_id: int,
    mapping: dict[str, str],
    actor: User | None,
    campaign: Campaign | None = None,
) -> ImportJob:
    """Save the mapping and the campaign the rows are tagged with, and queue the dry run
    (re-checking is allowed until the import starts)."""
    job = _lock_job(job_id)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKED):
        raise InvalidTransition("This import has started; the mapping is fixed.", field="mapping")
    job.mapping = validate_mapping(mapping, job.header)
    job.campaign = campaign
    job.status = ImportJob.Status.CHECKING
    job.error = ""
    job.save(update_fields=["mapping", "campaign", "status", "error", "updated_at"])
    enqueue_on_commit("imports.dry_run_import", job.pk)
    return job


DISCARDABLE = (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKED, ImportJob.Status.FAILED)


@transaction.atomic(durable=True)
def discard_import(*, job_id: int, actor: User | None) -> ImportJob:
    """Set aside a job that will not be imported (or finished): it keeps its record and file
    but can no longer be checked, imported or resumed. Rows an import already committed stay."""
    job = _lock_job(job_id)
    if job.status == ImportJob.Status.DISCARDED:
        return job
    if job.status not in DISCARDABLE:
        raise InvalidTransition(
            "Only an import that is not running can be discarded; wait for it to finish.",
            field="status",
        )
    job.status = ImportJob.Status.DISCARDED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "updated_at"])
    return job


@transaction.atomic(durable=True)
def start_import(*, job_id: int, actor: User | None) -> ImportJob:
    """Queue the import after a dry run, or resume one that stopped. Safe to call twice."""
    job = _lock_job(job_id)
    if job.status == ImportJob.Status.QUEUED or (
        job.status == ImportJob.Status.RUNNING and not is_stalled(job)
    ):
        return job
    if job.status not in (
        ImportJob.Status.CHECKED,
        ImportJob.Status.FAILED,
        ImportJob.Status.RUNNING,
    ):
        raise InvalidTransition("Run the dry run first.", field="status")
    if job.status == ImportJob.Status.CHECKED and job.checked_rows and not job.importable_rows:
        raise InvalidTransition(
            f"Nothing to import: the dry run rejected all {job.checked_rows:,} rows.",
            field="status",
        )
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["status", "updated_at"])
    enqueue_on_commit("imports.run_import", job.pk)
    return job


def is_stalled(job: ImportJob, now: datetime | None = None) -> bool:
    """A running job whose progress has not moved for STALLED_AFTER: its worker died (a chunk
    takes seconds, and every chunk commits its progress), so it may be resumed from the page
    instead of waiting an hour for the broker to redeliver the task."""
    return (
        job.status == ImportJob.Status.RUNNING
        and (now or timezone.now()) - job.updated_at > STALLED_AFTER
    )


def claim_run(job_id: int) -> ImportJob | None:
    """Queued (or running: a redelivered task after a killed worker) → running; None for a job
    in any other state (finished, or not started)."""
    with transaction.atomic():
        job = _lock_job(job_id)
        if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
            return None
        job.status = ImportJob.Status.RUNNING
        job.error = ""
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "error", "started_at", "updated_at"])
        return job


def fail_job(job_id: int, message: str) -> None:
    """Mark the job failed with `message` for the page; start_import may resume it."""
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.FAILED, error=message[:2000], updated_at=timezone.now()
    )
