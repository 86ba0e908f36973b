"""A column among many ids, sent as one array: `queryset.filter(AmongIds("lead_id", ids))`;
and among the values of a small subquery, run first (`AmongSubquery`, below).

Django writes `pk__in=ids` as `IN (%s, %s, …)`, one parameter per id, each compiled, quoted and
sent on its own. For a few ids that is nothing; a rep who reads 13,686 of an account's people
paid about 300 ms over the page's three such statements to build and send them, against 50 ms
of PostgreSQL running them. On PostgreSQL the ids go as one bigint array
(`= ANY(%s::bigint[])`, the plan PostgreSQL makes of an IN list anyway); other databases get
the IN list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import F, Lookup, QuerySet


class AmongIds(Lookup):  # type: ignore[type-arg]
    lookup_name = "among_ids"
    prepare_rhs = False

    def __init__(self, column: str, ids: Iterable[int]) -> None:
        super().__init__(F(column), [int(value) for value in ids])

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = compiler.compile(self.lhs)
        ids = self.rhs
        if not ids:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*params, ids]
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", [*params, *ids]


class AmongSubquery(Lookup):  # type: ignore[type-arg]
    """A column among the values a small subquery returns: `filter(AmongSubquery("pk", ids))`.

    Django writes `pk__in=queryset` as `IN (SELECT …)`, which PostgreSQL may plan as a hash
    semi-join that reads the whole outer table to find the few rows it keeps. On PostgreSQL
    the subquery runs first as an array (`= ANY(ARRAY(SELECT …))`), and the outer rows are
    probed by their index; other databases get the IN."""

    lookup_name = "among_subquery"
    prepare_rhs = False

    def __init__(self, column: str, queryset: QuerySet[Any]) -> None:
        super().__init__(F(column), queryset.query)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = compiler.compile(self.lhs)
        rhs, rhs_params = compiler.compile(self.rhs)  # "(SELECT …)"
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]
