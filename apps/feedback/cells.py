"""The disqualifications' running counts (DisqualificationCell), which PostgreSQL's triggers on
the disqualifications keep (feedback.0008): nothing here is needed for them to be right."""

from __future__ import annotations

from apps.core import cells


def rebuild_disqualification_cells() -> int:
    """Every cell again, from the disqualifications, for `rebuild_facts` after a load behind the
    application's back (a TRUNCATE fires no trigger); returns how many were written (0 on
    SQLite, which has none)."""
    return cells.rebuild("feedback_rebuild_dq_cells")
