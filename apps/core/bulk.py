"""Bulk writes the ORM does slowly: many rows' columns updated in one statement per batch.

On PostgreSQL, also many rows inserted with one COPY, under keys taken from the sequence first.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import attrgetter
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models.base import ModelState

M = TypeVar("M", bound=models.Model)

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
    # The fields whose pre_save only reads the attribute are read at once by one attrgetter (a
    # thousand rows of forty fields were forty thousand getattr and pre_save calls in Python);
    # the others (auto_now times, files) run their pre_save, and JSON is adapted.
    plain = [f for f in fields if _reads_attribute(f) and not isinstance(f, models.JSONField)]
    rest = [f for f in fields if f not in plain]
    read_plain = _reader([f.attname for f in plain])
    adapt_json = connection.ops.adapt_json_value

    def value_of(field: models.Field[Any, Any], obj: models.Model) -> Any:
        value = field.pre_save(obj, add=True)
        if isinstance(field, models.JSONField) and value is not None:
            value = adapt_json(value, field.encoder)
        return value

    rows: list[list[Any]] = []
    for obj, key in zip(objs, next_ids(model, len(objs)), strict=True):
        obj.pk = key
        rows.append([key, *read_plain(obj), *(value_of(field, obj) for field in rest)])
        obj._state.adding, obj._state.db = False, connection.alias
    copy_rows(model, [pk.name, *(f.name for f in plain), *(f.name for f in rest)], rows)


_TIME_PRE_SAVES = (
    models.DateField.pre_save,
    models.DateTimeField.pre_save,
    models.TimeField.pre_save,
)


def _reads_attribute(field: models.Field[Any, Any]) -> bool:
    """The field's pre_save only reads the attribute: Field's own, or a date or time field's
    without auto_now or auto_now_add (whose pre_save stamps the time)."""
    if type(field).pre_save is models.Field.pre_save:
        return True
    return (
        isinstance(field, models.DateField | models.TimeField)
        and type(field).pre_save in _TIME_PRE_SAVES
        and not field.auto_now
        and not field.auto_now_add
    )


def _reader(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving the named attributes of an object as a tuple (attrgetter gives a bare
    value for one name, and needs at least one)."""
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return attrgetter(*names)


def builder(model: type[M], **common: Any) -> Callable[..., M]:
    """A function building new unsaved instances as `model(**common, **values)` would, for
    bulk writers that build thousands: Model.__init__ walks every field for each instance
    (about 25 µs for a lead's 45), this copies one prototype's values (about 2). `values`
    are attribute names (`campaign_id`), or a foreign key's name with its instance or None
    (`account=...`: the key set and the instance cached, as assigning it does, without the
    descriptor's router checks, a tenth of an import's Python). Only for models whose
    defaults are constants (a callable default, say a list, would be shared between
    instances) and that no pre_init/post_init receiver watches."""
    fields = model._meta.concrete_fields
    if any(f.has_default() and callable(f.default) for f in fields):
        raise ValueError(f"{model._meta.label} has a callable default: build with the model")
    attnames = {f.attname for f in fields}
    relations: dict[str, Any] = {f.name: f for f in fields if f.many_to_one}
    prototype = model(**common)
    state = {name: value for name, value in prototype.__dict__.items() if name != "_state"}

    def relate(obj: M, name: str, target: models.Model | None) -> None:
        field = relations[name]
        if target is not None and not isinstance(target, field.related_model):
            raise ValueError(f"{model._meta.label}.{name} takes a {field.related_model.__name__}")
        obj.__dict__[field.attname] = (
            None if target is None else getattr(target, field.target_field.attname)
        )
        field.set_cached_value(obj, target)

    def build(**values: Any) -> M:
        related: dict[str, Any] = {}
        if not attnames.issuperset(values):
            related = {name: values.pop(name) for name in list(values) if name in relations}
            if not attnames.issuperset(values):
                unknown = sorted(values.keys() - attnames)
                raise ValueError(f"not attributes of {model._meta.label}: {unknown}")
        obj = model.__new__(model)
        obj.__dict__ = {**state, **values, "_state": ModelState()}
        for name, target in related.items():
            relate(obj, name, target)
        return obj

    return build


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


# allocations between two collections of the youngest generation inside fewer_collections()
BULK_THRESHOLD = 100_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """A block of bulk work (an import's chunks) with the cyclic garbage collector out of its
    way. A chunk allocates hundreds of thousands of short-lived objects (instances, rows,
    tuples), which reference counting frees; at Python's default threshold (700 allocations)
    the collector also ran thousands of times a chunk and, in its older generations, walked
    every object the process held: a fifth to a third of an import's Python. Inside, the
    objects alive before the block are frozen (never walked again until it ends) and the
    youngest generation is collected every BULK_THRESHOLD allocations, so cycles made inside
    are still collected and memory stays flat. In a process that had frozen objects already,
    what the block froze stays frozen (as the process chose for its start-up objects). Not
    reentrant across threads: the thresholds are the process's (a worker runs one task at a
    time)."""
    before = gc.get_threshold()
    # a process that froze its start-up objects (gunicorn's, revenue/wsgi.py) keeps them frozen:
    # unfreeze() would thaw those too, so the block thaws only when nothing was frozen before
    thaw = gc.get_freeze_count() == 0
    gc.freeze()
    gc.set_threshold(max(before[0], BULK_THRESHOLD), before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if thaw:
            gc.unfreeze()
