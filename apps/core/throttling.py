"""DRF's rate quotas, counted instead of logged.

DRF's SimpleRateThrottle keeps a log of every request's time inside the rate's window and
reads and writes the whole log on each request: at the intake quota (20,000 an hour) a busy
source's log is 180 kB that every one of its requests fetches, unpickles, grows by one and
sends back (0.9 ms of CPU a request, and more the busier the source). `CountingRateThrottle`
keeps one counter per window instead and estimates the sliding window from it and the
window before (the previous window's count weighted by how much of it still overlaps):
O(1) a request, whatever the rate, and within a few percent of the exact log. A refused
request is not counted, as DRF does not log it."""

from __future__ import annotations

import math
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from apps.core.cache import count_and_get


class CountingRateThrottle(SimpleRateThrottle):
    """SimpleRateThrottle's rate and cache key, counted per window (see the module)."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        window, into = divmod(self.timer(), self.duration)
        current, before = f"{self.key}:{int(window)}", f"{self.key}:{int(window) - 1}"
        count, earlier = self._count(current, before)  # this request included
        self.earlier = int(earlier or 0)
        self.others = count - 1
        self.into = into
        overlap = 1 - into / self.duration
        if self.earlier * overlap + self.others >= self.num_requests:
            self.cache.decr(current)  # refused: not counted
            return False
        return True

    def wait(self) -> float:
        """Seconds until the estimate falls below the quota: as the window before slides out,
        or (when this window alone has used it up) when this window ends."""
        left = self.duration - self.into
        room = self.num_requests - self.others
        if room <= 0 or not self.earlier:
            return left
        # earlier * (1 - (into + t) / duration) < room
        needed = self.duration * (1 - room / self.earlier) - self.into
        return min(left, max(needed, 1.0))

    def _count(self, key: str, before: str) -> tuple[int, Any]:
        """This window's count with this request, and the window before's; the counter is
        kept through the next window, which reads it as the window before."""
        return count_and_get(self.cache, key, before, timeout=math.ceil(2 * self.duration))


class CountingUserRateThrottle(CountingRateThrottle, UserRateThrottle):
    """The per-user API quota (settings "user" rate), counted."""
