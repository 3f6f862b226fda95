"""A per-address rate limit (token bucket) for public endpoints that write to the database.

    limiter = RateLimiter(per_minute=120, burst=120)
    wait = limiter.take(address, cost=len(events))
    if wait is not None:  # refuse with 429 and `Retry-After: ceil(wait)`

Memory is bounded: at most `max_keys` addresses are remembered (the least
recently seen are forgotten first, which only ever makes the limit kinder).
Kept in memory, per process: the limit applies per worker.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        per_minute: float,
        burst: float,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0) -> float | None:
        """Spend `cost` from `key`'s allowance: None if allowed, else seconds to wait.

        A refused request spends nothing. A cost larger than the burst is never allowed.
        """
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= cost:
                tokens -= cost
                wait = None
            else:
                wait = (cost - tokens) / self.rate if cost <= self.burst else math.inf
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait


def retry_after(wait: float) -> str:
    """A `Retry-After` value for a wait from `RateLimiter.take`."""
    return str(max(1, math.ceil(min(wait, 3600.0))))
