"""The deals' running counts (DealCell), which PostgreSQL's triggers on the opportunities keep
(opportunities.0016): nothing here is needed for them to be right."""

from __future__ import annotations

from apps.core import cells


def rebuild_deal_cells() -> int:
    """Every cell again, from the opportunities, for `rebuild_facts` after a load behind the
    application's back (a TRUNCATE fires no trigger); returns how many were written (0 on
    SQLite, which has none)."""
    return cells.rebuild("opportunities_rebuild_deal_cells")
