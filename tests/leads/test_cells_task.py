"""Beat folds the running counts' cells (the cohort's, the leads created's) every FOLD_EVERY
seconds, under the task name it schedules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.db import connection

from apps.leads.cells import FOLD_EVERY
from apps.leads.models import CohortCell, CohortEntry, CreatedCell, Lead, LeadFacts
from apps.leads.tasks import fold_cells_task
from revenue.celery import app


def test_beat_folds_the_cells_every_fifteen_seconds() -> None:
    # given the beat schedule of settings
    entries = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    # then the fold is scheduled every FOLD_EVERY seconds and registered under that name
    assert entries["leads.fold_cells"] == FOLD_EVERY == 15.0
    assert app.tasks["leads.fold_cells"].name == fold_cells_task.name


@pytest.mark.django_db
def test_the_fold_task_merges_a_cells_rows_and_keeps_its_count() -> None:
    # given two leads created on 2 Nov 2026 and entering 2026-Q4's cohort, their facts and
    # their entries written in two statements each: each cell they share has a row per
    # statement on PostgreSQL (none at all on SQLite, which reads the entries and the facts)
    leads = Lead.objects.bulk_create(
        Lead(email=f"t{i}@fold.example", first_name="T") for i in range(2)
    )
    for lead in leads:
        LeadFacts.objects.create(lead=lead, created_at=datetime(2026, 11, 2, 9, tzinfo=UTC))
        CohortEntry.objects.create(
            lead=lead, quarter_starts_on=date(2026, 10, 1), ready_on=date(2026, 11, 2)
        )
    rows_before = CohortCell.objects.count() + CreatedCell.objects.count()
    # when beat's task runs
    removed = fold_cells_task()
    # then on PostgreSQL the counts cell and the day's cell are one row of 2 each; elsewhere
    # nothing was there to fold
    if connection.vendor == "postgresql":
        assert (rows_before, removed) == (4, 2)
        assert list(CohortCell.objects.values_list("kind", "n")) == [(CohortCell.Kind.COUNTS, 2)]
        assert list(CreatedCell.objects.values_list("day", "source_campaign_id", "n")) == [
            (date(2026, 11, 2), None, 2)
        ]
    else:
        assert (rows_before, removed) == (0, 0)
