"""The cohort's cells on PostgreSQL: writers that change the same combination never wait for
each other or for a fold, and what they commit is counted exactly once."""

from __future__ import annotations

import math
from datetime import date
from unittest.mock import patch

import pytest
from django.db import connection

from apps.goals.metrics import base as metrics_base
from apps.goals.metrics.base import ALL, Speed, cohort_read, shared_reads
from apps.leads.cells import fold_cohort_cells, rebuild_cohort_cells
from apps.leads.models import CohortCell, CohortEntry, Lead
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Q4 = date(2026, 10, 1)
_INSERT = (
    "INSERT INTO leads_cohortentry (lead_id, quarter_starts_on, ready_on, attempted, converted, "
    "sla_state, response_minutes) VALUES (%s, %s, %s, false, false, 'pending', 3.75)"
)


def _count(kind: int = CohortCell.Kind.COUNTS) -> int:
    cells = CohortCell.objects.filter(quarter_starts_on=Q4, kind=kind)
    return sum(cells.values_list("n", flat=True))


def test_two_writers_of_one_combination_and_a_fold_never_wait_for_each_other() -> None:
    # given three leads entering 2026-Q4's cohort with the same rep, campaign, clock and
    # speed bucket, and one entry already counted and folded
    leads = Lead.objects.bulk_create(
        Lead(email=f"c{i}@cells.example", first_name="C") for i in range(3)
    )
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [leads[0].pk, Q4, Q4])
    fold_cohort_cells()
    first, second = connection.copy(), connection.copy()
    for session in (first, second):
        session.set_autocommit(False)
    try:
        # when one session's transaction adds an entry and stays open, another adds one of the
        # same combination and a fold runs, each refusing to wait more than a second
        for session in (first, second):
            with session.cursor() as cursor:
                cursor.execute("SET lock_timeout = '1s'")
        with first.cursor() as cursor:
            cursor.execute(_INSERT, [leads[1].pk, Q4, Q4])
        with second.cursor() as cursor:
            cursor.execute(_INSERT, [leads[2].pk, Q4, Q4])
        second.commit()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
        fold_cohort_cells()
        # then none of them waited (a wait would have raised), the fold counted what was
        # committed, and the open transaction's entry counts once it commits
        assert _count() == 2
        first.commit()
        assert _count() == 3
        fold_cohort_cells()
        assert _count() == 3
        assert _count(CohortCell.Kind.ALL) == 3  # all three answered in one speed bucket
        # and each cell is one row again: the counts, the cohort's, the rep's, the campaign's
        assert CohortCell.objects.filter(quarter_starts_on=Q4).count() == 4
    finally:
        first.close()
        second.close()


def test_cells_lost_behind_the_triggers_back_are_rebuilt_from_the_entries() -> None:
    # given 2026-Q4's cohort of four entries, two answered in the same bucket, whose cells a
    # TRUNCATE (which fires no trigger) emptied
    leads = Lead.objects.bulk_create(
        Lead(email=f"r{i}@cells.example", first_name="R") for i in range(4)
    )
    CohortEntry.objects.bulk_create(
        CohortEntry(
            lead=lead,
            quarter_starts_on=Q4,
            ready_on=Q4,
            sla_state="met" if i < 2 else "pending",
            response_minutes=3.75 if i < 2 else None,
        )
        for i, lead in enumerate(leads)
    )
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE leads_cohortcell")
    # when the cells are rebuilt
    written = rebuild_cohort_cells()
    # then they count the entries again: two met and two pending, and the two answered in one
    # speed bucket of the cohort, of nobody's leads and of no campaign's
    assert written == 5
    cells = {
        (cell.kind, cell.sla_state, cell.speed_bucket): cell.n
        for cell in CohortCell.objects.filter(quarter_starts_on=Q4)
    }
    bucket = int(math.log(1 + 3.75) * 100)
    assert cells == {
        (CohortCell.Kind.COUNTS, "met", None): 2,
        (CohortCell.Kind.COUNTS, "pending", None): 2,
        (CohortCell.Kind.ALL, None, bucket): 2,
        (CohortCell.Kind.REP, None, bucket): 2,
        (CohortCell.Kind.CAMPAIGN, None, bucket): 2,
    }


def test_cells_counting_an_entry_deleted_behind_their_back_never_break_the_page() -> None:
    # given 2026-Q4's cohort of three answered entries, 2, 10 and 50 minutes, and the 50-minute
    # one deleted with the triggers off (a load behind the application's back): the cells
    # still count it
    quarter = factories.QuarterFactory()
    leads = Lead.objects.bulk_create(
        Lead(email=f"b{i}@cells.example", first_name="B") for i in range(3)
    )
    CohortEntry.objects.bulk_create(
        CohortEntry(lead=lead, quarter_starts_on=Q4, ready_on=Q4, response_minutes=minutes)
        for lead, minutes in zip(leads, (2.0, 10.0, 50.0), strict=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE leads_cohortentry DISABLE TRIGGER USER")
        try:
            CohortEntry.objects.filter(lead=leads[2]).delete()
        finally:
            cursor.execute("ALTER TABLE leads_cohortentry ENABLE TRIGGER USER")
    # when the cohort is read
    with patch.object(metrics_base.logger, "warning") as warned, shared_reads():
        cohort = cohort_read(quarter)
    # then its speeds are the two entries' own (median 6, p90 10), not an error, and the log
    # says to rebuild the cells
    assert cohort.speed(*ALL) == Speed(median=6.0, p90=10.0)
    assert "rebuild_facts" in warned.call_args.args[0]
