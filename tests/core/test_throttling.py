"""CountingRateThrottle: DRF's quota counted per window, the sliding window estimated from the
window before, a refused request not counted, and the cache holding one number per window
(DRF's log grew by one timestamp a request)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.core.throttling import CountingRateThrottle


class Clocked(CountingRateThrottle):
    """10 requests a minute for everyone, on a clock the test sets."""

    rate = "10/min"
    now = 0.0

    def get_cache_key(self, request: Request, view: Any) -> str:
        return "throttle_test_everyone"

    def timer(self) -> float:
        return Clocked.now


def _ask(at: float) -> tuple[bool, Clocked]:
    Clocked.now = at
    throttle = Clocked()
    request = Request(APIRequestFactory().get("/"))
    return throttle.allow_request(request, None), throttle


def test_a_window_allows_its_quota_then_refuses_without_counting_the_refusals() -> None:
    # when 14 requests arrive in one minute's first seconds
    answers = [_ask(60_000.0 + i * 0.1)[0] for i in range(14)]

    # then 10 pass, the rest are refused and, not counted, leave the counter at 10
    assert answers == [True] * 10 + [False] * 4
    assert cache.get(f"throttle_test_everyone:{60_000 // 60}") == 10


def test_the_window_before_counts_for_the_part_of_it_still_inside_the_sliding_minute() -> None:
    # given the previous minute used its whole quota of 10
    for i in range(10):
        assert _ask(60_000.0 + i)[0]

    # when requests arrive a quarter into the next minute (three quarters of the previous one
    # still inside the sliding minute: 7.5 of its 10 count)
    answers = [_ask(60_060.0 + 15 + i * 0.01)[0] for i in range(5)]

    # then 3 more pass (7.5 + 2 before the third is still under 10; 7.5 + 3 is not), and the
    # refusal says when to retry: once the previous minute has slid out to 7 of its 10, 18 s
    # into this one
    assert answers == [True, True, True, False, False]
    allowed, throttle = _ask(60_060.0 + 15)
    assert not allowed
    assert throttle.wait() == pytest.approx(3.0)


def test_a_window_used_up_alone_waits_for_its_end() -> None:
    # given this minute alone used its quota, 20 s in
    for _ in range(10):
        assert _ask(60_020.0)[0]

    # when one more arrives
    allowed, throttle = _ask(60_020.0)

    # then it is refused until the minute ends (40 s on)
    assert not allowed
    assert throttle.wait() == pytest.approx(40.0)


def _on_redis(settings, minute: int) -> None:  # type: ignore[no-untyped-def]
    """The production cache on a live Redis, this minute's and the one before's counts gone."""
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.ResilientRedisCache",
            "LOCATION": settings.REDIS_URL,
        }
    }
    cache.delete_many([f"throttle_test_everyone:{minute - n}" for n in (0, 1)])


@pytest.mark.redis
def test_on_redis_a_window_allows_its_quota_and_does_not_count_refusals(settings) -> None:  # type: ignore[no-untyped-def]
    _on_redis(settings, 120_000 // 60)

    answers = [_ask(120_000.0 + i * 0.1)[0] for i in range(14)]

    assert answers == [True] * 10 + [False] * 4
    assert cache.get(f"throttle_test_everyone:{120_000 // 60}") == 10
    cache.delete(f"throttle_test_everyone:{120_000 // 60}")


@pytest.mark.redis
def test_on_redis_a_request_is_counted_in_one_round_trip(settings, redis_sent) -> None:  # type: ignore[no-untyped-def]
    # given the production cache on a live Redis, counting what is sent to it
    _on_redis(settings, 90_000 // 60)

    sent = redis_sent
    sent.clear()  # from here on

    # when a request is counted against its quota
    allowed, _ = _ask(90_000.0)

    # then it was counted, and its count and the window before's read, in one round trip
    assert allowed
    assert len(sent) == 1
    assert cache.get(f"throttle_test_everyone:{90_000 // 60}") == 1
    cache.delete(f"throttle_test_everyone:{90_000 // 60}")
