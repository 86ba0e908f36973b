"""Every index a table keeps earns its cost on every row written: none repeats the leading
columns of another index of the same table that covers every row (Django gives each foreign
key an index of its own, which a composite index led by the same column makes redundant)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def _is_partial(cursor, name: str) -> bool:  # type: ignore[no-untyped-def]
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT indpred IS NOT NULL FROM pg_index WHERE indexrelid = %s::regclass", [name]
        )
    else:
        cursor.execute(
            "SELECT coalesce(sql, '') LIKE '% WHERE %' FROM sqlite_master WHERE name = %s", [name]
        )
    row = cursor.fetchone()
    return bool(row and row[0])


def _full_indexes(cursor, table: str) -> dict[str, tuple[list[str], bool]]:  # type: ignore[no-untyped-def]
    """The table's indexes over every row and plain columns: name -> (columns, unique)."""
    found = {}
    for name, info in connection.introspection.get_constraints(cursor, table).items():
        columns = info["columns"]
        if not info["index"] or not columns or None in columns or info.get("expressions"):
            continue
        if _is_partial(cursor, name):
            continue
        found[name] = (list(columns), bool(info["unique"]))
    return found


def test_no_index_repeats_the_leading_columns_of_another() -> None:
    # given: every table of ours
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model.__module__.startswith("apps.") and model._meta.managed
    )

    # when
    redundant = []
    with connection.cursor() as cursor:
        for table in tables:
            indexes = _full_indexes(cursor, table)
            for name, (columns, unique) in indexes.items():
                if unique:
                    continue  # a constraint, not only a lookup
                for other, (longer, _) in indexes.items():
                    if (
                        other != name
                        and len(longer) > len(columns)
                        and longer[: len(columns)] == columns
                    ):
                        redundant.append(f"{table}.{name} {columns} repeats {other} {longer}")

    # then
    assert tables
    assert redundant == []
