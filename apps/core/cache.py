"""A Redis cache that falls back to this process's own memory while Redis is unreachable.

Rate limits and throttles keep counting through an outage (per process instead of shared, so
they are looser by the number of processes, never off), intake, the public form and sign-in
never turn a Redis outage into 500s, and the switch is logged (once a minute at most)."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)
LOG_EVERY_SECONDS = 60.0


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client builds a new redis.Redis for every operation (about 0.1 ms each, a
    throttle and the pages' stamps make several a request); one per pool is enough, since a
    redis.Redis takes a connection from its pool per command and is safe across threads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def count_and_get(self, counter: str, timeout: int, other: str) -> tuple[int, Any]:
        """Add one to `counter` (made at 0 with `timeout` seconds to live when absent) and read
        `other`, in one round trip: a pipeline of SET NX EX, INCR and GET."""
        pipe = self.get_client(counter, write=True).pipeline(transaction=False)
        pipe.set(counter, 0, ex=timeout, nx=True)
        pipe.incr(counter)
        pipe.get(other)
        _, count, value = pipe.execute()
        return int(count), None if value is None else self._serializer.loads(value)

    def set_many(self, data: dict[Any, Any], timeout: int | None) -> None:
        """One SET ... EX per key in one round trip, without a transaction (Django's sends
        MULTI, MSET, an EXPIRE per key and EXEC); a timeout of 0 deletes, as Django's does."""
        pipe = self.get_client(None, write=True).pipeline(transaction=False)
        for key, value in data.items():
            if timeout == 0:
                pipe.delete(key)
            else:
                pipe.set(key, self._serializer.dumps(value), ex=timeout)
        pipe.execute()


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._local = LocMemCache(
            f"revenue-fallback-{id(self)}", {"OPTIONS": {"MAX_ENTRIES": 10000}}
        )
        self._last_logged = 0.0

    def _fallback(self, operation: str) -> LocMemCache:
        now = time.monotonic()
        if now - self._last_logged >= LOG_EVERY_SECONDS:
            self._last_logged = now
            logger.warning(
                "cache %s failed: Redis unreachable; counting in this process until it is back",
                operation,
                exc_info=True,
            )
        return self._local

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except OUTAGE:
            return self._fallback("get").get(key, default, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except OUTAGE:
            return self._fallback("get_many").get_many(keys, version)

    def set(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except OUTAGE:
            self._fallback("set").set(key, value, timeout, version)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = 300, version: int | None = None
    ) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except OUTAGE:
            return self._fallback("set_many").set_many(data, timeout, version)

    def add(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except OUTAGE:
            return self._fallback("add").add(key, value, timeout, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except OUTAGE:
            return self._fallback("incr").incr(key, delta, version)

    def count_and_get(self, counter: str, other: str, *, timeout: int) -> tuple[int, Any]:
        """count_and_get() in one round trip to Redis, where the generic calls take three
        (incr's EXISTS and INCRBY, then a get); in this process's memory while it is away."""
        try:
            return self._cache.count_and_get(
                self.make_and_validate_key(counter),
                timeout,
                self.make_and_validate_key(other),
            )
        except OUTAGE:
            return _count_and_get(self._fallback("count_and_get"), counter, other, timeout)

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except OUTAGE:
            return self._fallback("delete").delete(key, version)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except OUTAGE:
            self._fallback("delete_many").delete_many(keys, version)


def count_and_get(cache: Any, counter: str, other: str, *, timeout: int) -> tuple[int, Any]:
    """`counter` plus one (made at 1 with `timeout` seconds to live when absent) and the value
    of `other`: a rate quota's count and the window before it. One round trip on Redis; any
    other cache takes its incr, add and get. `cache` may be django.core.cache.cache (what
    DRF's throttles hold), a proxy to this thread's default backend."""
    store = caches[DEFAULT_CACHE_ALIAS] if cache is default_cache else cache
    if isinstance(store, ResilientRedisCache):
        return store.count_and_get(counter, other, timeout=timeout)
    return _count_and_get(store, counter, other, timeout)


def _count_and_get(store: Any, counter: str, other: str, timeout: int) -> tuple[int, Any]:
    try:
        count = int(store.incr(counter))
    except ValueError:  # the first count (or the counter expired): 1, unless another was first
        count = 1 if store.add(counter, 1, timeout=timeout) else int(store.incr(counter))
    return count, store.get(other)


def read_shared(key: str) -> Any:
    """`key` as every process sees it: read from Redis itself, raising one of OUTAGE when it
    cannot answer, instead of from this process's stand-in memory (any other cache answers as
    it always does)."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, ResilientRedisCache):
        return RedisCache.get(backend, key)  # the plain Redis read, without the fallback
    return backend.get(key)
