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
