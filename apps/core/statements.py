"""A model's row by one unique column, its SELECT written once per process: `RowBy`.

The ORM compiles a query on every call. For the lookups every intake makes (the lead by its
email, the account by its domain: forty and twenty columns) that is 0.3-0.4 ms of Python a
statement, against 0.05 ms for PostgreSQL to answer: together about an eighth of the CPU an
intake costs. `RowBy` writes the SELECT once from the model's fields and reads the row through
`raw()`, which builds the instance and applies the fields' converters as a queryset would."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db import connections, models, router

M = TypeVar("M", bound=models.Model)


class RowBy(Generic[M]):
    """`RowBy(Lead, "email", lock=True).get(email)`: the row whose `field` equals the value,
    else None. Name a field no two rows share (a unique one, or one a constraint keeps unique,
    as the lead's normalised email): one row at most is read. With `lock` the row is
    locked for the caller's transaction where the database can (SELECT … FOR UPDATE), as
    `select_for_update()` would."""

    def __init__(self, model: type[M], field: str, *, lock: bool = False) -> None:
        self.model = model
        self.field = model._meta.get_field(field)
        self.lock = lock
        self._sql: dict[str, str] = {}  # per database alias

    def sql(self, alias: str) -> str:
        if alias not in self._sql:
            connection = connections[alias]
            quote = connection.ops.quote_name
            meta = self.model._meta
            columns = ", ".join(quote(field.column) for field in meta.concrete_fields)
            lock = " FOR UPDATE" if self.lock and connection.features.has_select_for_update else ""
            column = quote(self.field.column)  # type: ignore[union-attr]
            self._sql[alias] = (
                f"SELECT {columns} FROM {quote(meta.db_table)} "  # noqa: S608 - names from the model
                f"WHERE {column} = %s LIMIT 1{lock}"
            )
        return self._sql[alias]

    def get(self, value: Any) -> M | None:
        alias = router.db_for_write(self.model) if self.lock else router.db_for_read(self.model)
        prepared = self.field.get_db_prep_value(value, connections[alias], prepared=False)  # type: ignore[union-attr]
        rows = list(self.model._default_manager.db_manager(alias).raw(self.sql(alias), [prepared]))
        return rows[0] if rows else None
