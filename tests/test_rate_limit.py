"""The in-memory per-address limiter behind /api/feedback."""

from __future__ import annotations

import pytest

from server.rate_limit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allows_the_limit_per_window_then_says_how_long_to_wait() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, 60.0, clock=clock)
    assert [limiter.hit("10.0.0.1") for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 20
    assert limiter.hit("10.0.0.1") == pytest.approx(40.0)
    # Another address has its own allowance.
    assert limiter.hit("10.0.0.2") == 0.0


def test_the_window_slides() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 60.0, clock=clock)
    limiter.hit("a")
    clock.now += 30
    limiter.hit("a")
    clock.now += 30  # the first hit has left the window, the second not
    assert limiter.hit("a") == 0.0
    assert limiter.hit("a") > 0


def test_refused_hits_do_not_extend_the_wait() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, 60.0, clock=clock)
    limiter.hit("a")
    for _ in range(100):
        limiter.hit("a")
    clock.now += 60
    assert limiter.hit("a") == 0.0


def test_memory_is_bounded_by_max_keys() -> None:
    limiter = RateLimiter(1, 60.0, max_keys=100, clock=FakeClock())
    for index in range(10_000):
        limiter.hit(f"198.51.{index // 256}.{index % 256}")
    assert len(limiter) == 100


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
