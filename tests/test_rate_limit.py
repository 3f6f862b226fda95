"""The per-address rate limiter, and /api/usage flooded from one address on the real server."""

from __future__ import annotations

import secrets
import sqlite3
import time
from pathlib import Path

import httpx2

from server.clock import office_today
from server.db import DB_NAME, Database
from server.rate_limit import RateLimiter, retry_after
from server.usage import MAX_STORED_PER_DAY, UsageStore, parse_events
from server.usage_api import EVENTS_BURST, EVENTS_PER_MINUTE
from testkit.server import LiveServer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allows_a_burst_then_the_rate_and_refuses_the_rest_with_a_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=10, clock=clock)
    assert all(limiter.take("a") is None for _ in range(10))
    wait = limiter.take("a")
    assert wait is not None and 0.9 < wait <= 1.0
    assert retry_after(wait) == "1"
    assert limiter.take("b") is None  # another address has its own allowance
    clock.now += 5
    assert sum(limiter.take("a") is None for _ in range(10)) == 5


def test_a_cost_above_the_burst_is_never_allowed_and_refusals_cost_nothing() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=10, clock=clock)
    assert limiter.take("a", cost=11) is not None
    assert limiter.take("a", cost=10) is None


def test_remembers_a_bounded_number_of_addresses() -> None:
    limiter = RateLimiter(per_minute=60, burst=1, max_keys=100, clock=Clock())
    for n in range(1000):
        limiter.take(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter._buckets) == 100


def stored_events(server: LiveServer) -> int:
    with sqlite3.connect(server.data_dir / DB_NAME) as conn:
        count: int = conn.execute("SELECT COUNT(*) FROM usage_seen").fetchone()[0]
    return count


def test_a_flood_of_usage_reports_from_one_address_stores_a_bounded_number(
    live_server: LiveServer,
) -> None:
    """10 s of reports of 50 events each, as fast as one client can send them."""
    answers: dict[int, int] = {}
    sent = 0
    began = time.monotonic()
    with httpx2.Client(base_url=live_server.url, timeout=10) as web:
        while time.monotonic() - began < 10:
            events = [
                {"id": secrets.token_urlsafe(16), "type": "whatsapp", "lang": "id"}
                for _ in range(50)
            ]
            response = web.post("/api/usage", json={"events": events})
            answers[response.status_code] = answers.get(response.status_code, 0) + 1
            sent += 50
        elapsed = time.monotonic() - began
        assert web.get("/").status_code == 200
    stored = stored_events(live_server)
    print(f"\nflood: {sent} events sent in {elapsed:.1f} s, {stored} stored; answers {answers}")
    allowed = EVENTS_BURST + EVENTS_PER_MINUTE * elapsed / 60
    assert stored <= allowed + 1, (stored, allowed)
    assert answers.get(429, 0) > 0 and set(answers) <= {200, 429}
    assert stored <= MAX_STORED_PER_DAY


def test_no_more_than_the_daily_bound_is_stored_whoever_reports(tmp_path: Path) -> None:
    store = UsageStore(Database(tmp_path / "data"))
    today = office_today().isoformat()
    with store.db.connect() as conn:
        conn.executemany(
            "INSERT INTO usage_seen (id, day) VALUES (?, ?)",
            [(f"{n:032x}", today) for n in range(MAX_STORED_PER_DAY - 3)],
        )
    events = parse_events(
        {"events": [{"id": secrets.token_urlsafe(16), "type": "whatsapp"} for _ in range(10)]},
        set(),
        lambda path: True,
    )
    assert store.record_events(events) == 3
    assert store.record_events(events[:1]) == 0
