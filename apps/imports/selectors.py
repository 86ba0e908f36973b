"""Reads for the import pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.imports.models import ImportJob
from apps.users.models import Role, User
from apps.users.roles import has_role

LIST_LIMIT = 50


def visible_jobs(*, user: User) -> QuerySet[ImportJob]:
    """RevOps sees every import; Marketing and sales managers see their own."""
    jobs = ImportJob.objects.select_related("created_by")
    return jobs if has_role(user, Role.REVOPS) else jobs.filter(created_by=user)


def recent_jobs(*, user: User) -> list[ImportJob]:
    return list(visible_jobs(user=user).order_by("-created_at", "-pk")[:LIST_LIMIT])


def job_for(*, user: User, job_id: int) -> ImportJob:
    """The import if the user may see it; 404 alike for missing and forbidden."""
    job: ImportJob = get_object_or_404(visible_jobs(user=user), pk=job_id)
    return job
