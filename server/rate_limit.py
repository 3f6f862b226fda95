"""A per-key sliding-window rate limiter, kept in memory: at most `limit` hits per window.

Used by `/api/feedback` with the client's address as the key. Addresses live only here, in
memory, and only as long as the window: nothing is written to disk.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable


class RateLimiter:
    """`hit(key)` answers 0.0 when the hit is allowed (and counts it), or the seconds to wait.

    At most `max_keys` keys are tracked; past that the oldest are forgotten, so a flood of
    addresses cannot grow the memory without bound.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float = 60.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str) -> float:
        now = self.clock()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(hits[0] + self.window - now, 0.001)
        hits.append(now)
        return 0.0

    def __len__(self) -> int:
        return len(self._hits)
