"""Running counts PostgreSQL keeps with triggers (the apps' `cells` modules): what they share."""

from __future__ import annotations

from django.db import connection, transaction


def rebuild(function: str) -> int:
    """Call the PostgreSQL function `function` that writes a cell table again from its records
    (each is one snapshot, or takes the lock that holds the records' writers off until the
    caller commits), in a transaction; returns how many cells it wrote. On SQLite, which has no
    cells, 0."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}()")
        return int(cursor.fetchone()[0])
