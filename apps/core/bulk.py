"""Bulk writes the ORM does slowly: many rows' columns updated in one statement per batch.

On PostgreSQL, also many rows inserted with one COPY, under keys taken from the sequence first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db import connection, models

_UPDATE_PARAMS = 30_000


def update_rows(model: type[models.Model], objs: Sequence[models.Model], fields: list[str]) -> None:
    """Write `fields` of each object to its row, as Model.objects.bulk_update does (values as
    they are on the objects, no pre_save, no signals), without its CASE WHEN per row and field.

    PostgreSQL: one UPDATE ... FROM (VALUES ...) per batch (every value cast to its column's
    type). Other databases: one prepared UPDATE executed for each row (executemany).
    """
    if not objs:
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    columns = [meta.get_field(name) for name in fields]
    qn = connection.ops.quote_name
    table = qn(meta.db_table)

    def values(obj: models.Model) -> list[object]:
        return [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns]

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{qn(f.column)} = %s" for f in columns)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {qn(pk.column)} = %s",  # noqa: S608 - names from the model
                [[*values(obj), pk.get_db_prep_save(obj.pk, connection)] for obj in objs],
            )
            return
        every = [pk, *columns]
        row_sql = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in every) + ")"
        names = ", ".join(qn(f.column) for f in every)
        assignments = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in columns)
        size = max(1, _UPDATE_PARAMS // len(every))
        for start in range(0, len(objs), size):
            batch = objs[start : start + size]
            params: list[object] = []
            for obj in batch:
                params.append(pk.get_db_prep_save(obj.pk, connection))
                params.extend(values(obj))
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 - names from the model
                f"FROM (VALUES {', '.join([row_sql] * len(batch))}) AS v ({names}) "
                f"WHERE t.{qn(pk.column)} = v.{qn(pk.column)}",
                params,
            )


def copy_rows(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """PostgreSQL only: insert `rows` into the model's table with one COPY ... FROM STDIN.

    Each row holds database values (what get_db_prep_save gives: ids for foreign keys, adapted
    JSON) in the order of the fields in `names`: no model instances, no pre_save, no signals,
    no per-value SQL quoting. Database errors surface as Django's (an IntegrityError, say), so
    callers handle them as they would the ORM's.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    columns: list[str] = []
    for name in names:
        field = meta.get_field(name)
        if not isinstance(field, models.Field) or not field.column:
            raise ValueError(f"{meta.label}.{name} is not a column")
        columns.append(quote(field.column))
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(f"COPY {quote(meta.db_table)} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def insert_objects(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert new instances as bulk_create does (each field's pre_save value, auto_now times
    included; no signals; the primary key set on each object), with one COPY under keys taken
    from the sequence on PostgreSQL, where bulk_create spends most of its time preparing every
    value of every row for a multi-row INSERT. Generated columns are left to the database and
    not read back. Other databases: bulk_create."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs)
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if not f.primary_key and not f.generated]
    json = {f.attname: cast(Any, f).encoder for f in fields if isinstance(f, models.JSONField)}
    adapt_json = connection.ops.adapt_json_value
    rows: list[list[Any]] = []
    for obj, key in zip(objs, next_ids(model, len(objs)), strict=True):
        obj.pk = key
        row: list[Any] = [key]
        for field in fields:
            value = field.pre_save(obj, add=True)
            if field.attname in json and value is not None:
                value = adapt_json(value, json[field.attname])
            row.append(value)
        rows.append(row)
        obj._state.adding, obj._state.db = False, connection.alias
    copy_rows(model, [pk.name, *(f.name for f in fields)], rows)


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """PostgreSQL only: `count` fresh primary keys from the table's identity sequence, ascending.

    For rows written with copy_rows whose keys are needed before (or without) reading them back.
    """
    if not count:
        return []
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, count],
        )
        return sorted(key for (key,) in cursor.fetchall())
