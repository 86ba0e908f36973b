"""Sessions kept in the database and read through the shared cache (SESSION_ENGINE).

Every signed-in request reads its session; from the cache that is one Redis round trip instead
of one database statement, so an open page's poll that nothing changed (apps.sales pulse: a
304) costs the database only the signed-in user. The database stays the record: a session is
written there first and survives the cache's loss.

A cached copy lives at most CACHE_SECONDS, whatever the session's own expiry. The cache fails
open (apps.core.cache: while Redis is unreachable each process counts in its own memory), so
a sign-out during an outage deletes the database row and this process's copy but cannot reach
another process's or Redis's; capping the copies bounds how long such a session outlives its
sign-out to that minute, instead of the two weeks a session lasts."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends import cached_db
from django.core.cache.backends.base import BaseCache

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60


class _CappedCache:
    """The session cache as cached_db uses it (get, set, delete, `in`), with every copy's
    lifetime capped and a failing cache read as a miss (the database answers instead)."""

    def __init__(self, cache: BaseCache) -> None:
        self._cache = cache

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self._cache.get(key, default)
        except Exception:
            logger.warning("session cache read failed; reading the database", exc_info=True)
            return default

    def set(self, key: str, value: Any, timeout: int) -> None:
        try:
            self._cache.set(key, value, max(0, min(timeout, CACHE_SECONDS)))
        except Exception:
            logger.warning("session cache write failed", exc_info=True)

    def delete(self, key: str) -> None:
        try:
            self._cache.delete(key)
        except Exception:
            # the database row is gone; a copy left behind expires within CACHE_SECONDS
            logger.warning("session cache delete failed", exc_info=True)

    def __contains__(self, key: str) -> bool:
        try:
            return key in self._cache
        except Exception:
            return False  # the database's answer decides (cached_db.exists)


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache = _CappedCache(self._cache)
