"""The running counts PostgreSQL keeps: the cohort's (CohortCell) and the leads created per day
(CreatedCell). Folding them, rebuilding them, the cohort's speed buckets.

PostgreSQL's triggers on the cohort entries (leads.0035) and on the facts (leads.0036) append a
cell row per cell a statement changed; nothing here is needed for the counts to be right.
fold_cells() only keeps the tables small: each cell's rows merged into one (none when they
cancel out), every FOLD_EVERY seconds from beat. rebuild_cohort_cells() and
rebuild_created_cells() write every cell again from the entries and the facts, for
`rebuild_facts` after a load behind the application's back (a TRUNCATE fires no trigger). On
SQLite, which has no cells, they all do nothing.
"""

from __future__ import annotations

from django.db import connection, transaction

from apps.core import cells as core_cells
from apps.leads.models import CohortCell, CreatedCell

# The speed bucket of response minutes, as the triggers and the entries' speed index compute
# it (leads.0035): 1 % wide, so a median read from its bucket reads about 1 % of the answers.
SPEED_BUCKET_SQL = "floor(ln(1 + {minutes}) * 100)"
FOLD_EVERY = 15.0  # seconds between folds (settings.CELERY_BEAT_SCHEDULE)

_FOLD_LOCK = 350_035  # the advisory lock that keeps folds one at a time


def _fold_sql(table: str, cell: str) -> str:
    """One statement: each cell (`cell`, its key columns) with more than one row keeps its
    lowest row, set to the sum, and loses the others (all of them when the sum is zero); rows a
    concurrent transaction adds meanwhile are not in this statement's snapshot and wait for the
    next fold."""
    return f"""
WITH merged AS (
    SELECT min(id) AS kept, array_agg(id) AS ids, sum(n) AS total
    FROM {table}
    GROUP BY {cell}
    HAVING count(*) > 1 OR sum(n) = 0
), updated AS (
    UPDATE {table} AS cell SET n = merged.total
    FROM merged WHERE cell.id = merged.kept AND merged.total <> 0
    RETURNING cell.id
), deleted AS (
    DELETE FROM {table} AS cell USING merged
    WHERE cell.id = ANY(merged.ids) AND (cell.id <> merged.kept OR merged.total = 0)
    RETURNING cell.id
)
SELECT (SELECT count(*) FROM deleted), (SELECT count(*) FROM updated)
"""  # noqa: S608 - table and column names only


_COHORT_FOLD = _fold_sql(
    CohortCell._meta.db_table,
    "quarter_starts_on, kind, rep_id, source_campaign_id, attempted, converted, sla_state, "
    "speed_bucket",
)
_CREATED_FOLD = _fold_sql(CreatedCell._meta.db_table, "day, source_campaign_id")


def _fold(*statements: str) -> int:
    if connection.vendor != "postgresql":
        return 0
    removed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_FOLD_LOCK])
        if not cursor.fetchone()[0]:
            return 0
        for sql in statements:
            cursor.execute(sql)
            deleted, _updated = cursor.fetchone()
            removed += int(deleted)
    return removed


def fold_cohort_cells() -> int:
    """Merge each cohort cell's rows into one; returns how many rows went (0 when another fold
    is running, or on SQLite)."""
    return _fold(_COHORT_FOLD)


def fold_cells() -> int:
    """Merge each cell's rows into one, the cohort's and the leads created's (beat's task);
    returns how many rows went (0 when another fold is running, or on SQLite)."""
    return _fold(_COHORT_FOLD, _CREATED_FOLD)


def rebuild_cohort_cells() -> int:
    """Every cell again, from the cohort entries, in one statement (PostgreSQL); returns how
    many were written."""
    return core_cells.rebuild("leads_rebuild_cohort_cells")


def rebuild_created_cells() -> int:
    """Every leads-created cell again, from the facts, in one statement (PostgreSQL); returns
    how many were written."""
    return core_cells.rebuild("leads_rebuild_created_cells")
