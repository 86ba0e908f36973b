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
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from apps.core import stamps

_USER_KEY = "pulse:user:{}"
# where read_first() leaves the stamp for the page's template context
REQUEST_ATTR = "pulse_etag"
_POOL_KEY = "pulse:pool"


def changed(*, user_ids: Iterable[int | None] = (), pool: bool = False) -> None:
    """Mark the reps' pages (and the team pool) as changed once the current transaction commits;
    a rolled-back change leaves every open page as it was."""
    keys = {_USER_KEY.format(pk) for pk in user_ids if pk is not None}
    if pool:
        keys.add(_POOL_KEY)
    stamps.bump_after_commit(keys)


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
