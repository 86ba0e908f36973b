"""Statements every intake runs, written once per process: `RowBy` reads a model's row by one
unique column, `InsertInto` inserts (or upserts) a few new instances.

The ORM compiles a query on every call. For the lookups every intake makes (the lead by its
email, the account by its domain: forty and twenty columns) that is 0.3-0.4 ms of Python a
statement, against 0.05 ms for PostgreSQL to answer: together about an eighth of the CPU an
intake costs. `RowBy` writes the SELECT once from the model's fields, reads the row through a
cursor and builds the instance with `Model.from_db()`, applying the fields' converters as a
queryset would (found once per database, as the SQL is). `raw()` would do the same but works
out its columns and the model's init order again on every call: a third of the lookup's CPU.

Inserting, the ORM's bulk_create walks its options, partitions the objects, batches them and
compiles the INSERT (on PostgreSQL several rows go through UNNEST, each column's values dumped
as an array with its type looked up): 0.6-0.7 ms for a new lead's three events against 0.35
for the same INSERT written once and executed. The five inserts of a new lead's intake were
about a quarter of its CPU."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)
# a column's position in the row, the column expression and the converters its value goes through
Converters = list[tuple[int, Any, list[Callable[..., Any]]]]


def _converters(
    model: type[models.Model], fields: Sequence[models.Field[Any, Any]], alias: str
) -> Converters:
    """The converters a queryset applies to each of these columns (the backend's, then the
    field's from_db_value), for the columns that have any: SQLCompiler.get_converters' rule."""
    connection = connections[alias]
    found: Converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            found.append((index, column, functions))
    return found


def _convert(
    values: list[Any], converters: Converters, connection: BaseDatabaseWrapper
) -> list[Any]:
    for index, column, functions in converters:
        value = values[index]
        for convert in functions:
            value = convert(value, column, connection)
        values[index] = value
    return values


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
        self._converters: dict[str, Converters] = {}
        self._names = [field.attname for field in model._meta.concrete_fields]

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

    def converters(self, alias: str) -> Converters:
        if alias not in self._converters:
            self._converters[alias] = _converters(
                self.model, self.model._meta.concrete_fields, alias
            )
        return self._converters[alias]

    def get(self, value: Any) -> M | None:
        alias = router.db_for_write(self.model) if self.lock else router.db_for_read(self.model)
        connection = connections[alias]
        prepared = self.field.get_db_prep_value(value, connection, prepared=False)  # type: ignore[union-attr]
        with connection.cursor() as cursor:
            cursor.execute(self.sql(alias), [prepared])
            row = cursor.fetchone()
        if row is None:
            return None
        values = _convert(list(row), self.converters(alias), connection)
        return self.model.from_db(alias, self._names, values)


class InsertInto(Generic[M]):
    """`InsertInto(LeadEvent).save(events)`: new instances inserted with one INSERT, as
    bulk_create inserts them: each field's pre_save value (auto_now times) prepared for the
    database, related objects' keys taken, the fields the database fills (the key, generated
    columns, database defaults) read back onto the instances, and no signals. The statement is
    written once per database, row count and conflict clause.

    With `unique` (field names) and `update=`, an upsert: a row that conflicts on `unique` has
    the `update` fields overwritten with the new values, as bulk_create(update_conflicts=True)
    does. Where the database cannot return rows from a multi-row insert, or a value is an
    expression, or only some of the objects have their key set, or there are more than
    MAX_ROWS of them (a statement per row count is kept, and a batch's parameters must stay
    within what the server binds), bulk_create itself runs."""

    MAX_ROWS = 50

    def __init__(self, model: type[M], *, unique: Sequence[str] = ()) -> None:
        self.model = model
        meta = model._meta
        self.unique = [meta.get_field(name) for name in unique]
        self._fields = [field for field in meta.concrete_fields if not field.generated]
        self._fields_no_pk = [f for f in self._fields if not isinstance(f, models.AutoField)]
        self._returning = list(meta.db_returning_fields)
        self._sql: dict[tuple[str, int, bool, tuple[str, ...]], str] = {}
        self._converters: dict[str, Converters] = {}

    def fields(self, *, with_pk: bool) -> list[models.Field[Any, Any]]:
        """The columns written: the key too when the objects carry it (bulk_create's rule)."""
        return self._fields if with_pk else self._fields_no_pk

    def sql(self, alias: str, rows: int, *, with_pk: bool, update: Sequence[str] = ()) -> str:
        key = (alias, rows, with_pk, tuple(update))
        if key not in self._sql:
            quote = connections[alias].ops.quote_name
            meta = self.model._meta
            fields = self.fields(with_pk=with_pk)
            row = "(" + ", ".join(["%s"] * len(fields)) + ")"
            sql = (
                f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - names from the model
                f"({', '.join(quote(field.column) for field in fields)}) "
                f"VALUES {', '.join([row] * rows)}"
            )
            if update:
                target = ", ".join(quote(field.column) for field in self.unique)
                columns = [quote(meta.get_field(name).column) for name in update]  # type: ignore[union-attr]
                sets = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns)
                sql += f" ON CONFLICT ({target}) DO UPDATE SET {sets}"
            if self._returning:
                sql += " RETURNING " + ", ".join(quote(field.column) for field in self._returning)
            self._sql[key] = sql
        return self._sql[key]

    def save(self, objs: Sequence[M], *, update: Sequence[str] = ()) -> None:
        if not objs:
            return
        if update and not self.unique:
            raise ValueError("An upsert needs the unique fields it conflicts on.")
        strangers = {type(obj).__name__ for obj in objs if not isinstance(obj, self.model)}
        if strangers:
            raise TypeError(f"InsertInto({self.model.__name__}) got {', '.join(sorted(strangers))}")
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        meta = self.model._meta
        for obj in objs:
            if obj.pk is None:
                obj.pk = meta.pk.get_pk_value_on_save(obj)  # type: ignore[union-attr]
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        keyed = {obj._is_pk_set() for obj in objs}
        params = (
            self._params(objs, connection, with_pk=keyed == {True})
            if len(keyed) == 1
            and len(objs) <= self.MAX_ROWS
            and connection.features.can_return_rows_from_bulk_insert
            else None
        )
        if params is None:
            self._bulk_create(objs, update)
            return
        sql = self.sql(alias, len(objs), with_pk=keyed == {True}, update=update)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            returned = cursor.fetchall() if self._returning else []
        if self._returning:
            if alias not in self._converters:
                self._converters[alias] = _converters(self.model, self._returning, alias)
            for obj, row in zip(objs, returned, strict=True):
                values = _convert(list(row), self._converters[alias], connection)
                for field, value in zip(self._returning, values, strict=True):
                    setattr(obj, field.attname, value)
        for obj in objs:
            obj._state.adding, obj._state.db = False, alias

    def _params(
        self, objs: Sequence[M], connection: BaseDatabaseWrapper, *, with_pk: bool
    ) -> list[Any] | None:
        """Every row's database values in column order; None when one is an expression."""
        params: list[Any] = []
        fields = self.fields(with_pk=with_pk)
        for obj in objs:
            for field in fields:
                value = field.pre_save(obj, add=True)
                if hasattr(value, "resolve_expression"):
                    return None
                params.append(field.get_db_prep_save(value, connection))
        return params

    def _bulk_create(self, objs: Sequence[M], update: Sequence[str]) -> None:
        if update:
            self.model._default_manager.bulk_create(
                objs,
                update_conflicts=True,
                unique_fields=[field.name for field in self.unique],
                update_fields=list(update),
            )
        else:
            self.model._default_manager.bulk_create(objs)
