"""With Redis unreachable, rate limits count in the process instead of switching off."""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory
from django_ratelimit.core import is_ratelimited

from apps.core.cache import ResilientRedisCache


def test_rate_limits_keep_counting_while_redis_is_down(settings, caplog) -> None:  # type: ignore[no-untyped-def]
    # given the production cache pointed at a Redis nobody answers
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    request = RequestFactory().post("/login/", REMOTE_ADDR="203.0.113.1")

    # when three attempts come in under a limit of two a minute
    with caplog.at_level(logging.WARNING, logger="apps.core.cache"):
        limited = [
            is_ratelimited(request, group="t", key="ip", rate="2/m", increment=True)
            for _ in range(3)
        ]

    # then the third is limited, and the outage was logged once
    assert limited == [False, False, True]
    assert sum("Redis unreachable" in r.getMessage() for r in caplog.records) == 1


def test_the_fallback_answers_like_a_cache() -> None:
    cache = ResilientRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}}
    )
    assert cache.add("k", 1) is True
    assert cache.incr("k") == 2
    assert cache.get("k") == 2
    assert cache.get_many(["k", "missing"]) == {"k": 2}
    assert cache.delete("k") is True
    # live pages stamp many keys at once (apps/core/pulse.py)
    assert cache.set_many({"a": "x", "b": "y"}) == []
    assert cache.get_many(["a", "b"]) == {"a": "x", "b": "y"}
    cache.delete_many(["a", "b"])
    assert cache.get_many(["a", "b"]) == {}
    with pytest.raises(ValueError, match="not found"):
        cache.incr("k")
    # a quota's count and the window before, in the process's memory
    cache.set("before", 7)
    assert cache.count_and_get("now", "before", timeout=60) == (1, 7)
    assert cache.count_and_get("now", "before", timeout=60) == (2, 7)
    assert cache.count_and_get("now", "absent", timeout=60) == (3, None)


@pytest.mark.redis
def test_one_redis_client_serves_every_operation_and_outlives_a_dropped_connection(
    settings,  # type: ignore[no-untyped-def]
) -> None:
    # given the production cache on a live Redis
    cache = ResilientRedisCache(settings.REDIS_URL, {"OPTIONS": {"socket_connect_timeout": 2}})
    cache.set("pulse-test", "a")
    first = cache._cache.get_client(write=True)
    # when its connections are dropped under it (a Redis restart does the same)
    first.connection_pool.disconnect()
    # then the same client reconnects and answers, for reads and writes alike
    assert cache.get("pulse-test") == "a"
    assert cache.add("pulse-test", "b") is False
    assert cache._cache.get_client(write=True) is first
    assert cache._cache.get_client() is first  # one server: reads share the writers' pool
    cache.delete("pulse-test")


@pytest.mark.redis
def test_count_and_get_counts_reads_and_keeps_the_counter_for_its_timeout(settings) -> None:  # type: ignore[no-untyped-def]
    # given the production cache on a live Redis, a window before holding 4
    cache = ResilientRedisCache(settings.REDIS_URL, {"OPTIONS": {"socket_connect_timeout": 2}})
    cache.delete_many(["quota:now", "quota:before"])
    cache.set("quota:before", 4)

    # when one request, then another, count themselves
    first = cache.count_and_get("quota:now", "quota:before", timeout=120)
    second = cache.count_and_get("quota:now", "quota:before", timeout=120)

    # then each got its count and the window before; the counter lives for the timeout, and
    # the generic calls read the same number
    assert (first, second) == ((1, 4), (2, 4))
    client = cache._cache.get_client(write=True)
    assert 110 <= client.ttl(cache.make_and_validate_key("quota:now")) <= 120
    assert cache.get("quota:now") == 2
    assert cache.incr("quota:now") == 3
    assert cache.count_and_get("quota:now", "quota:none", timeout=120) == (4, None)
    cache.delete_many(["quota:now", "quota:before"])


@pytest.mark.redis
def test_set_many_sends_one_set_per_key_in_one_round_trip(settings, redis_sent) -> None:  # type: ignore[no-untyped-def]
    cache = ResilientRedisCache(settings.REDIS_URL, {"OPTIONS": {"socket_connect_timeout": 2}})
    client = cache._cache.get_client(write=True)
    cache.delete_many(["many:a", "many:b"])  # also opens the connection before counting
    sent = redis_sent
    sent.clear()  # from here on

    assert cache.set_many({"many:a": "x", "many:b": 7}, timeout=90) == []

    # one round trip of two SETs: no transaction, no separate EXPIREs
    assert len(sent) == 1
    packed = b"".join(part for part in sent[0] if isinstance(part, bytes))  # type: ignore[attr-defined]
    assert packed.count(b"SET") == 2
    assert b"MULTI" not in packed
    assert b"EXPIRE" not in packed
    assert cache.get_many(["many:a", "many:b"]) == {"many:a": "x", "many:b": 7}
    assert 80 <= client.ttl(cache.make_and_validate_key("many:a")) <= 90
    assert 80 <= client.ttl(cache.make_and_validate_key("many:b")) <= 90
    # no timeout: kept; a timeout of 0: deleted, as Django's set_many does
    cache.set_many({"many:a": "y"}, timeout=None)
    assert client.ttl(cache.make_and_validate_key("many:a")) == -1
    cache.set_many({"many:a": "z", "many:b": 8}, timeout=0)
    assert cache.get_many(["many:a", "many:b"]) == {}
