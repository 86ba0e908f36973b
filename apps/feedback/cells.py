"""The disqualifications' running counts (DisqualificationCell), which PostgreSQL's triggers on
the disqualifications keep (feedback.0008): nothing here is needed for them to be right.
rebuild_disqualification_cells() writes every cell again from the disqualifications, for
`rebuild_facts` after a load behind the application's back (a TRUNCATE fires no trigger). On
SQLite, which has no cells, it does nothing."""

from __future__ import annotations

from django.db import connection, transaction


def rebuild_disqualification_cells() -> int:
    """Every cell again, from the disqualifications, in one transaction that holds their
    writers off until it commits (PostgreSQL); returns how many cells were written."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT feedback_rebuild_dq_cells()")
        return int(cursor.fetchone()[0])
