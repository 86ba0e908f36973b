"""A column among many ids, sent as one array: `queryset.filter(AmongIds("lead_id", ids))`.

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
from django.db.models import F, Lookup


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
