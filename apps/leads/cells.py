"""The cohort's running counts (CohortCell): folding them, rebuilding them, their buckets.

PostgreSQL's triggers on the cohort entries (leads.0035) append a cell row per cell a statement
changed; nothing here is needed for the counts to be right. fold_cohort_cells() only keeps the
table small: each cell's rows merged into one (none when they cancel out), every FOLD_EVERY
seconds from beat. rebuild_cohort_cells() writes every cell again from the entries, for
`rebuild_facts` after a load behind the application's back (a TRUNCATE fires no trigger). On
SQLite, which has no cells, both do nothing.
"""

from __future__ import annotations

from django.db import connection, transaction

from apps.leads.models import CohortCell

# The speed bucket of response minutes, as the triggers and the entries' speed index compute
# it (leads.0035): 1 % wide, so a median read from its bucket reads about 1 % of the answers.
SPEED_BUCKET_SQL = "floor(ln(1 + {minutes}) * 100)"
FOLD_EVERY = 15.0  # seconds between folds (settings.CELERY_BEAT_SCHEDULE)

_CELLS = CohortCell._meta.db_table
_CELL = (
    "quarter_starts_on, kind, rep_id, source_campaign_id, attempted, converted, sla_state, "
    "speed_bucket"
)
_FOLD_LOCK = 350_035  # the advisory lock that keeps folds one at a time

# one statement: each cell with more than one row keeps its lowest row, set to the sum, and
# loses the others (all of them when the sum is zero); rows a concurrent transaction adds
# meanwhile are not in this statement's snapshot and wait for the next fold
_FOLD_SQL = f"""
WITH merged AS (
    SELECT min(id) AS kept, array_agg(id) AS ids, sum(n) AS total
    FROM {_CELLS}
    GROUP BY {_CELL}
    HAVING count(*) > 1 OR sum(n) = 0
), updated AS (
    UPDATE {_CELLS} AS cell SET n = merged.total
    FROM merged WHERE cell.id = merged.kept AND merged.total <> 0
    RETURNING cell.id
), deleted AS (
    DELETE FROM {_CELLS} AS cell USING merged
    WHERE cell.id = ANY(merged.ids) AND (cell.id <> merged.kept OR merged.total = 0)
    RETURNING cell.id
)
SELECT (SELECT count(*) FROM deleted), (SELECT count(*) FROM updated)
"""  # noqa: S608 - table names only


def fold_cohort_cells() -> int:
    """Merge each cell's rows into one; returns how many rows went (0 when another fold is
    running, or on SQLite)."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_FOLD_LOCK])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute(_FOLD_SQL)
        deleted, _updated = cursor.fetchone()
    return int(deleted)


def rebuild_cohort_cells() -> int:
    """Every cell again, from the cohort entries, in one statement (PostgreSQL); returns how
    many were written."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT leads_rebuild_cohort_cells()")
        return int(cursor.fetchone()[0])
