"""Bulk writes the ORM does slowly: many rows' columns updated in one statement per batch."""

from __future__ import annotations

from collections.abc import Sequence

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
