"""The login throttle against a real server: bursts, other addresses, and the audit log.

The server trusts X-Forwarded-For from 127.0.0.1 (its default proxy), which lets a test
speak from several addresses.
"""

from __future__ import annotations

import concurrent.futures
import sqlite3
import time
from pathlib import Path

import httpx2

from server.db import DB_NAME
from testkit.admin_client import PASSWORD, add_account, form_value, log_in
from testkit.server import LiveServer
from tests.process_memory import PeakRss, rss_bytes

BURST = 80
ARGON2_MIB = 64


def audit_rows(data_dir: Path, action: str) -> int:
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        count: int = conn.execute(
            "SELECT COUNT(*) FROM audit WHERE action = ?", (action,)
        ).fetchone()[0]
    return count


def login_form(web: httpx2.Client) -> str:
    return form_value(web.get("/admin/login").text, "token")


def test_80_simultaneous_logins_check_at_most_the_allowed_passwords_in_bounded_memory(
    live_server: LiveServer,
) -> None:
    add_account(live_server.data_dir)
    web = httpx2.Client(base_url=live_server.url, timeout=60)
    token = login_form(web)
    cookies = dict(web.cookies)
    baseline = rss_bytes(live_server.process.pid)

    def attempt(number: int) -> int:
        response = httpx2.post(
            live_server.url + "/admin/login",
            data={"token": token, "name": "budi", "password": f"salah-{number:04d}-sekali"},
            cookies=cookies,
            timeout=60,
        )
        return response.status_code

    latencies = []
    with (
        PeakRss(live_server.process.pid) as peak,
        concurrent.futures.ThreadPoolExecutor(BURST) as pool,
    ):
        burst = pool.map(attempt, range(BURST))
        for _ in range(5):  # an applicant reading while the burst runs
            start = time.monotonic()
            assert httpx2.get(live_server.url + "/", timeout=30).status_code == 200
            latencies.append(time.monotonic() - start)
        answers = list(burst)
    checked = audit_rows(live_server.data_dir, "login_failed")
    print(
        f"\nburst of {BURST}: {checked} passwords checked; answers {sorted(set(answers))}; "
        f"RSS {baseline / 2**20:.0f} MB before, {peak.bytes / 2**20:.0f} MB peak; "
        f"GET / during it: {max(latencies) * 1000:.0f} ms at most"
    )
    # lock_after is 10 failures per address: no more passwords than that are ever checked.
    assert checked <= 10, checked
    assert answers.count(401) == checked
    assert set(answers) <= {401, 429, 503}
    # At most two Argon2id checks (64 MiB each) at once, plus a margin for the requests.
    assert peak.bytes - baseline < (2 * ARGON2_MIB + 64) * 2**20, peak.bytes - baseline
    web.close()


def test_a_locked_out_address_adds_no_audit_rows_and_cannot_lock_the_account(
    live_server: LiveServer,
) -> None:
    add_account(live_server.data_dir)
    attacker = {"X-Forwarded-For": "203.0.113.9"}
    with httpx2.Client(base_url=live_server.url, timeout=30, headers=attacker) as web:
        statuses = [log_in(web, password=f"tebakan-{n:03d}-salah").status_code for n in range(12)]
        assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429], statuses
        rows = audit_rows(live_server.data_dir, "login_failed")
        for n in range(200):
            assert log_in(web, password=f"lagi-{n:03d}-salah").status_code == 429
        assert audit_rows(live_server.data_dir, "login_failed") == rows == 10
        with sqlite3.connect(live_server.data_dir / DB_NAME) as conn:
            details = {r[0] for r in conn.execute("SELECT detail FROM audit")}
        assert "203.0.113.0/24" in details and not any("203.0.113.9" in d for d in details)
    # The staff member, at the office, still signs in: one address cannot lock the account.
    with httpx2.Client(
        base_url=live_server.url, timeout=30, headers={"X-Forwarded-For": "198.51.100.20"}
    ) as staff:
        assert log_in(staff, password=PASSWORD).status_code == 303
