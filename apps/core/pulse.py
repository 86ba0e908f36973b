"""Live pages without a database round-trip per tab: a version stamp per rep and one for the
team pool, kept in the shared cache and changed after every commit that touches their leads.

An open queue tab asks `sales:pulse` every few seconds with the ETag it last saw. While nothing
changed the answer is a 304 built from two cache reads and the signed-in user (one primary-key
lookup), so fifty idle tabs cost fifty cheap requests, not fifty queue queries. A changed stamp
makes the page re-fetch the parts it shows, keeping its own URL (page, cursor, filters).

The stamp also carries the minute, so time-driven changes (a step falling due) reach open
pages within a minute without any write. If the cache is away the stamps fall back to that
same minute: pages still refresh, only less promptly.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

_USER_KEY = "pulse:user:{}"
# where read_first() leaves the stamp for the page's template context
REQUEST_ATTR = "pulse_etag"
_POOL_KEY = "pulse:pool"
# a week: an idle rep's stamp expiring only costs their open tabs one refresh
_TTL_SECONDS = 7 * 24 * 3600


def _stamp() -> str:
    return uuid.uuid4().hex[:12]


def _bump_now(keys: list[str]) -> None:
    # a fresh random value, not a counter: two racing writers can never leave a value a tab has
    # already seen, so no change is swallowed even on a cache without atomic increments
    cache.set_many({key: _stamp() for key in keys}, _TTL_SECONDS)


class _Bump:
    """The stamps one transaction changes, bumped together once it commits (an intake writes
    three events, a hand-off more: one cache round trip instead of one each)."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.done = False

    def __call__(self) -> None:
        self.done = True
        _bump_now(sorted(self.keys))


def changed(*, user_ids: Iterable[int | None] = (), pool: bool = False) -> None:
    """Mark the reps' pages (and the team pool) as changed once the current transaction commits;
    a rolled-back change leaves every open page as it was."""
    keys = {_USER_KEY.format(pk) for pk in user_ids if pk is not None}
    if pool:
        keys.add(_POOL_KEY)
    if not keys:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump_now(sorted(keys))  # autocommit: already committed
        return
    bump = getattr(connection, "_pulse_bump", None)
    # still queued for this transaction? (a rollback, of it or of the savepoint that queued
    # it, drops the callback: then this change queues its own)
    if (
        bump is None
        or bump.done
        or not any(func is bump for _, func, _ in connection.run_on_commit)
    ):
        bump = connection._pulse_bump = _Bump()  # type: ignore[attr-defined]
        transaction.on_commit(bump)
    bump.keys.update(keys)


def etag(*, user_id: int) -> str:
    """What an open page of this rep shows depends on: their leads, the pool, and the minute."""
    minute = int(time.time() // 60)
    stamps = cache.get_many([_USER_KEY.format(user_id), _POOL_KEY])
    mine = stamps.get(_USER_KEY.format(user_id), "-")
    pool = stamps.get(_POOL_KEY, "-")
    return f"{mine}.{pool}.{minute}"


def read_first(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator for a live page: read the stamp before the view reads its data, so a
    change made in between makes the open page refresh once rather than be missed."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            setattr(request, REQUEST_ATTR, etag(user_id=request.user.pk))
        return view(request, *args, **kwargs)

    return wrapped
