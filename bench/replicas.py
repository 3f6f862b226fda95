"""`python -m bench.replicas`: two replicas on a real PostgreSQL, against the SQLite mode.

Measures (all on 127.0.0.1, bounded in time and count, everything stopped by its PID):
- the time from a publish on replica A (its admin's answer) until replica B serves the new
  file in /api/guides, polled every 5 ms, over `--publishes` publishes: median and max;
- requests per second of one replica (PostgreSQL mode) and of a single-machine server
  (SQLite mode) on the landing page, with wrk, alternating rounds in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2

from bench.wrk import run_wrk
from server.storage.files import sha256_hex
from testkit.admin_client import add_account, csrf_of, log_in
from testkit.pdfs import make_pdf
from testkit.postgres import start_postgres
from testkit.replicas import base, replica_env, served_files, start_replica
from testkit.server import SAMPLE_GUIDES, SAMPLE_OFFICE, free_port, start_server

GUIDE = ("antrian-paspor", "id")


def publish_delays(a_url: str, b: Any, count: int) -> tuple[list[float], list[float]]:
    """Seconds until B serves each new file: from the publish's answer on A, and from the
    start of its upload to A."""
    delays, from_start = [], []
    slug, lang = GUIDE
    with httpx2.Client(base_url=a_url, follow_redirects=True, timeout=60) as client:
        assert log_in(client).status_code == 200
        for n in range(count):
            data = make_pdf(f"Antrian paspor: versi bench {n} {time.time()}")
            csrf = csrf_of(client)
            started = time.monotonic()
            response = client.post(
                f"/admin/guides/{slug}/upload",
                data={"csrf": csrf, "lang": lang},
                files={"file": ("panduan.pdf", data, "application/pdf")},
            )
            answered = time.monotonic()
            assert response.url.params.get("done") == "published", response.text[:300]
            while served_files(b).get(GUIDE) != sha256_hex(data):
                if time.monotonic() - answered > 30:
                    raise RuntimeError(f"B did not serve publish {n} within 30 s")
                time.sleep(0.005)
            served = time.monotonic()
            delays.append(served - answered)
            from_start.append(served - started)
    return delays, from_start


def requests_per_second(urls: dict[str, str], rounds: int, seconds: int) -> dict[str, list[float]]:
    """wrk on each URL in turn, `rounds` times, so both see the same machine."""
    found: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            result = run_wrk(url, seconds, connections=20, threads=1)
            if result.errors:
                raise RuntimeError(f"{name}: {result.errors} errors under load")
            found[name].append(result.requests_per_second)
    return found


def run(publishes: int, rounds: int, seconds: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    cluster = start_postgres(free_port())
    servers = []
    try:
        url = cluster.new_database()
        office = work / "office.toml"
        shutil.copy(SAMPLE_OFFICE, office)
        reader = work / "empty-reader"
        (reader / "reader").mkdir(parents=True)
        (reader / "text").mkdir()
        a = start_replica(work / "a", office, url, reader, seed=True)
        servers.append(a)
        b = start_replica(work / "b", office, url, reader, seed=False)
        servers.append(b)
        single_guides = work / "single" / "guides"
        shutil.copytree(SAMPLE_GUIDES, single_guides, ignore=shutil.ignore_patterns("README.md"))
        single = start_server(
            single_guides,
            office,
            work / "single" / "data",
            work / "single.log",
            root_path=None,
            timeout=120,
        )
        servers.append(single)
        add_account_with(a.data_dir, url)
        # Both idle (nothing rendering in the background), before the publishes.
        rates = requests_per_second(
            {"postgresql_replica": base(b) + "/", "sqlite_single": base(single) + "/"},
            rounds,
            seconds,
        )
        delays, from_start = publish_delays(base(a), b, publishes)
    finally:
        for server in servers:
            server.stop()
        cluster.stop()
        cluster.remove()
        shutil.rmtree(work, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in rates.items()}
    return {
        "publish_to_served_on_b_s": {
            "publishes": publishes,
            "median": statistics.median(delays),
            "max": max(delays),
            "all": delays,
            "from_upload_start_median": statistics.median(from_start),
            "from_upload_start_max": max(from_start),
        },
        "landing_page_requests_per_second": {
            "rounds": rounds,
            "seconds_each": seconds,
            "connections": 20,
            "runs": rates,
            "median": medians,
            "replica_vs_sqlite": medians["postgresql_replica"] / medians["sqlite_single"],
        },
    }


def add_account_with(data_dir: Path, database_url: str) -> None:
    import os

    saved = dict(os.environ)
    os.environ.update(replica_env(database_url))
    try:
        add_account(data_dir)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publishes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    figures = run(args.publishes, args.rounds, args.seconds)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
