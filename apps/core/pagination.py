"""Keyset (cursor) pagination for HTML lists and the API; never OFFSET on big tables."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Field, Model, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import Http404, HttpRequest
from django.utils.dateparse import parse_datetime
from rest_framework.pagination import CursorPagination

PAGE_SIZE = 25


class CreatedCursorPagination(CursorPagination):
    """API default: newest first on (created_at, pk), stable under inserts."""

    ordering = ("-created_at", "-pk")
    page_size_query_param = "page_size"
    max_page_size = 200


@dataclass
class KeysetPage:
    items: list[Any]
    next_cursor: str | None
    has_previous: bool

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def _decode(cursor: str, count: int) -> list[Any] | None:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != count:
        return None
    return values


def keyset_page(
    queryset: QuerySet[Any],
    request: HttpRequest,
    *,
    keys: Sequence[str],
    page_size: int = PAGE_SIZE,
    param: str = "after",
    descending: bool = False,
) -> KeysetPage:
    """One page after the cursor in `request.GET[param]`, ordered by `keys`, ascending (or
    `descending`: newest first).

    `keys` end with "pk" so the order is total. Nullable datetimes sort last either way: a NULL
    key is encoded as None and compared with isnull lookups.
    """
    ordering = [f"{k}" for k in keys]
    qs = queryset.order_by(*[_nulls_last(k, descending=descending) for k in keys])
    cursor = request.GET.get(param)
    values = _decode(cursor, len(keys)) if cursor else None
    if values is not None:
        qs = qs.filter(_after(keys, _typed(queryset, keys, values), descending=descending))
    rows = list(qs[: page_size + 1])
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_cursor = _encode([_attr(last, k) for k in ordering])
    return KeysetPage(items=rows, next_cursor=next_cursor, has_previous=values is not None)


def _nulls_last(key: str, *, descending: bool = False) -> OrderBy:
    return F(key).desc(nulls_last=True) if descending else F(key).asc(nulls_last=True)


def _attr(obj: Any, key: str) -> Any:
    for part in key.split("__"):
        obj = getattr(obj, part)
    return obj


def _parse(value: Any) -> Any:
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed
    return value


def _typed(queryset: QuerySet[Any], keys: Sequence[str], values: Sequence[Any]) -> list[Any]:
    """The cursor's values as the key fields hold them. A cursor is whatever JSON the client
    sends: one this list never gave out (a string where it keeps a number, a number out of the
    column's range) is a page that does not exist, a 404, never a database error."""
    typed = []
    for key, value in zip(keys, values, strict=True):
        field = _field(queryset, key)
        try:
            parsed = None if value is None else field.to_python(_parse(value))
        except (TypeError, ValueError, ValidationError) as error:
            raise Http404("No such page.") from error
        if isinstance(parsed, int) and not isinstance(parsed, bool):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if (low is not None and parsed < low) or (high is not None and parsed > high):
                raise Http404("No such page.")
        typed.append(parsed)
    return typed


def _field(queryset: QuerySet[Any], key: str) -> Field[Any, Any]:
    """The field a key ("pk", "name", "facts__response_minutes", an annotation) ends on."""
    if key in queryset.query.annotations:
        return queryset.query.annotations[key].output_field  # type: ignore[no-any-return]
    model: type[Model] = queryset.model
    *path, last = key.split("__")
    for part in path:
        model = model._meta.get_field(part).related_model  # type: ignore[assignment]
    field = model._meta.pk if last == "pk" else model._meta.get_field(last)
    # a generated column converts values as the field it is stored as
    return getattr(field, "output_field", None) or field  # type: ignore[return-value]


def _after(keys: Sequence[str], values: Sequence[Any], *, descending: bool = False) -> Q:
    """Rows strictly after `values` in ascending (or descending), nulls last, order of `keys`."""
    beyond = "lt" if descending else "gt"
    condition = Q(pk__in=[])
    for i, key in enumerate(keys):
        prefix = Q()
        for k, v in zip(keys[:i], values[:i], strict=True):
            prefix &= Q(**{f"{k}__isnull": True}) if v is None else Q(**{k: v})
        value = values[i]
        step = (
            Q(pk__in=[])
            if value is None
            else (Q(**{f"{key}__{beyond}": value}) | Q(**{f"{key}__isnull": True}))
        )
        condition |= prefix & step
    return condition
