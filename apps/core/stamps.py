"""Version stamps in the shared cache: a random value per key, replaced after every commit that
changes what the key stands for, so a reader can tell "nothing changed since I looked" with one
cache read instead of a database query (`core.pulse`'s open pages, `core.memo`'s rule tables).

A fresh random value, not a counter: two racing writers can never leave a value a reader has
already seen, so no change is swallowed even on a cache without atomic increments. One
transaction's changes are bumped together once it commits (an intake writes three events, a
hand-off more: one cache round trip instead of one each); a rolled-back change bumps nothing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

from apps.core.cache import OUTAGE, read_shared

# a week: a stamp expiring only costs its readers one refresh
TTL_SECONDS = 7 * 24 * 3600
# after the shared cache failed to answer, this process stops asking it for a while: a frozen
# Redis would otherwise hold every reader for the socket timeout
AWAY_SECONDS = 5.0
_away_until = 0.0


def new_stamp() -> str:
    return uuid.uuid4().hex[:12]


def bump_now(keys: list[str]) -> None:
    cache.set_many({key: new_stamp() for key in keys}, TTL_SECONDS)


class _Bump:
    """The stamps one transaction changes, bumped together once it commits."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.done = False

    def __call__(self) -> None:
        self.done = True
        bump_now(sorted(self.keys))


def _queued_bump() -> _Bump | None:
    """This transaction's bump, if it is still queued (a rollback, of the transaction or of the
    savepoint that queued it, drops the callback; a commit runs it)."""
    connection = transaction.get_connection()
    bump = getattr(connection, "_stamps_bump", None)
    if (
        bump is None
        or bump.done
        or not any(func is bump for _, func, _ in connection.run_on_commit)
    ):
        return None
    return bump


def bump_after_commit(keys: Iterable[str]) -> None:
    """Replace the keys' stamps once the current transaction commits (now, in autocommit)."""
    keys = set(keys)
    if not keys:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        bump_now(sorted(keys))  # autocommit: already committed
        return
    bump = _queued_bump()
    if bump is None:
        bump = connection._stamps_bump = _Bump()  # type: ignore[attr-defined]
        transaction.on_commit(bump)
    bump.keys.update(keys)


def pending(key: str) -> bool:
    """The current transaction changed what `key` stands for and has not committed yet: only
    this transaction can see the change, so no stamp describes what it reads."""
    bump = _queued_bump()
    return bump is not None and key in bump.keys


def current(key: str) -> str | None:
    """The key's stamp as every process sees it (one is set now if it has none), or None when
    the shared cache cannot say: Redis is away, and the cache's stand-in is this process's own
    memory, which would miss another process's change."""
    global _away_until
    if time.monotonic() < _away_until:
        return None
    try:
        stamp = read_shared(key)
        if stamp is None:
            cache.add(key, new_stamp(), TTL_SECONDS)
            stamp = read_shared(key)
    except OUTAGE:
        _away_until = time.monotonic() + AWAY_SECONDS
        return None
    return stamp if isinstance(stamp, str) else None
