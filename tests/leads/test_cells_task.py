"""Beat folds the cohort's cells every FOLD_EVERY seconds, under the task name it schedules."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.db import connection

from apps.leads.cells import FOLD_EVERY
from apps.leads.models import CohortCell, CohortEntry, Lead
from apps.leads.tasks import fold_cohort_cells_task
from revenue.celery import app


def test_beat_folds_the_cohort_cells_every_fifteen_seconds() -> None:
    # given the beat schedule of settings
    entries = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    # then the fold is scheduled every FOLD_EVERY seconds and registered under that name
    assert entries["leads.fold_cohort_cells"] == FOLD_EVERY == 15.0
    assert app.tasks["leads.fold_cohort_cells"].name == fold_cohort_cells_task.name


@pytest.mark.django_db
def test_the_fold_task_merges_a_cells_rows_and_keeps_its_count() -> None:
    # given two leads entering 2026-Q4's cohort in two statements: each cell they share has a
    # row per statement on PostgreSQL (none at all on SQLite, which reads the entries)
    leads = Lead.objects.bulk_create(
        Lead(email=f"t{i}@fold.example", first_name="T") for i in range(2)
    )
    for lead in leads:
        CohortEntry.objects.create(
            lead=lead, quarter_starts_on=date(2026, 10, 1), ready_on=date(2026, 11, 2)
        )
    rows_before = CohortCell.objects.count()
    # when beat's task runs
    removed = fold_cohort_cells_task()
    # then on PostgreSQL the counts cell is one row of 2; elsewhere nothing was there to fold
    if connection.vendor == "postgresql":
        assert (rows_before, removed) == (2, 1)
        assert list(CohortCell.objects.values_list("kind", "n")) == [(CohortCell.Kind.COUNTS, 2)]
    else:
        assert (rows_before, removed) == (0, 0)
