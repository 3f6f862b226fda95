"""One change, one build, one new sw.js: the work a publish costs, counted across processes.

A real server runs with `BILANG_KARYO_WORK_LOG` set (server/work_log.py), and so
does the CLI: every pypdf parse, pdfium probe child, text child, render child and
site build, in either process, adds a line to the log. Each change is made the
way Tikkim makes it (the admin's upload form, `bilang-karyo publish`, a file
dropped into guides/, `bilang-karyo notice add`), and counted once the server
is quiet again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2

from server.settings import PROJECT_ROOT
from server.work_log import WORK_LOG_ENV
from testkit.admin_client import add_account, csrf_of, log_in
from testkit.pdfs import make_pdf
from testkit.server import LiveServer, start_server, wait_for_reader_pages

# Longer than the watcher's debounce (watchfiles waits 1.6 s for more events) and the
# notice check (1 s here): quiet this long, the server has done all a change causes.
QUIET_SECONDS = 3.0
SETTLE_TIMEOUT = 90.0
STEPS = ("parse", "probe", "text", "render", "build")


@dataclass
class Window:
    """The work one change caused: each step's count, and how many new sw.js were served."""

    steps: Counter[str]
    workers: int
    pages_shown: bool  # every current guide file's reader pages are in the site

    def as_dict(self) -> dict[str, int]:
        counted = {**{step: self.steps[step] for step in STEPS}, "sw.js": self.workers}
        return counted if self.pages_shown else {**counted, "pages missing": 1}


class WorkLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.mark = 0
        self.worker = ""  # the sw.js revision of the last build seen

    def lines(self) -> list[list[str]]:
        if not self.path.exists():
            return []
        return [line.split(" ", 2) for line in self.path.read_text().splitlines()]

    def settle(self, server: LiveServer) -> Window:
        """Wait until the server is quiet, then count what happened since the last call."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        size, quiet_since = -1, time.monotonic()
        while True:
            now = time.monotonic()
            current = self.path.stat().st_size if self.path.exists() else 0
            if current != size:
                size, quiet_since = current, now
            elif now - quiet_since >= QUIET_SECONDS:
                break
            assert now < deadline, "the server kept working for too long"
            time.sleep(0.1)
        try:
            wait_for_reader_pages(server.url, timeout=20)
        except AssertionError:
            pages_shown = False
        else:
            pages_shown = True
        lines = self.lines()
        window, self.mark = lines[self.mark :], len(lines)
        steps = Counter(parts[1] for parts in window)
        workers = 0
        for parts in window:
            if parts[1] == "build" and parts[2] != self.worker:
                workers += self.worker != ""
                self.worker = parts[2]
        served = served_worker(server)
        assert served == self.worker, "the sw.js served is not the last one built"
        return Window(steps, workers if window else 0, pages_shown)


def served_worker(server: LiveServer) -> str:
    with urllib.request.urlopen(server.url + "/sw.js", timeout=5) as response:
        return str(response.headers["ETag"]).strip('"')


def cli(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        check=True,
        capture_output=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
    )


def drop(guides_dir: Path, name: str, data: bytes) -> None:
    """A file copied into guides/ by hand (whole: a copy in progress is another test's)."""
    temp = guides_dir / f".{name}.copy"
    temp.write_bytes(data)
    os.replace(temp, guides_dir / name)


def test_each_change_parses_once_builds_once_and_makes_one_new_worker(
    tmp_path: Path, guides_dir: Path, office_file: Path
) -> None:
    log = WorkLog(tmp_path / "work.log")
    env = {WORK_LOG_ENV: str(log.path), "BILANG_KARYO_NOTICE_CHECK_SECONDS": "1"}
    data_dir = tmp_path / "data"
    where = ["--guides", str(guides_dir), "--data", str(data_dir), "--office", str(office_file)]
    samples = len(list(guides_dir.glob("*.pdf")))
    counts: dict[str, dict[str, int]] = {}

    # A new install: the sample guides are recorded, read and rendered, the site built.
    server = start_server(guides_dir, office_file, data_dir, tmp_path / "s.log", extra_env=env)
    try:
        counts["first start"] = log.settle(server).as_dict()
        server.stop()
        # The machine restarts: everything is made already.
        server = start_server(guides_dir, office_file, data_dir, tmp_path / "s.log", extra_env=env)
        counts["restart"] = log.settle(server).as_dict()

        add_account(data_dir)
        # The upload answers once the version is live, its text and pages made: allow for that.
        with httpx2.Client(base_url=server.url, follow_redirects=True, timeout=60) as admin:
            assert log_in(admin).status_code == 200
            response = admin.post(
                "/admin/guides/izin-tinggal/upload",
                data={"csrf": csrf_of(admin), "lang": "id"},
                files={"file": ("baru.pdf", make_pdf("Izin tinggal baru", 2), "application/pdf")},
            )
            assert response.url.params["done"] == "published"
        counts["admin publish"] = log.settle(server).as_dict()

        pdf = tmp_path / "paspor.pdf"
        pdf.write_bytes(make_pdf("Paspor baru", 3))
        cli("publish", str(pdf), "--guide", "pembuatan-paspor", "--lang", "id", *where, env=env)
        counts["CLI publish"] = log.settle(server).as_dict()

        drop(guides_dir, "antrian-paspor.id.pdf", make_pdf("Antrian baru", 2))
        counts["dropped file"] = log.settle(server).as_dict()

        now = datetime.now(UTC) + timedelta(hours=7)  # WIB, as Tikkim types it
        start, end = (now - timedelta(hours=1)), (now + timedelta(days=1))
        cli("notice", "add", "--id", "Loket tutup", "--en", "Counter closed",
            "--start", start.strftime("%Y-%m-%d %H:%M"), "--end", end.strftime("%Y-%m-%d %H:%M"),
            "--data", str(data_dir), "--office", str(office_file), env=env)  # fmt: skip
        counts["notice"] = log.settle(server).as_dict()
    finally:
        server.stop()

    print(json.dumps(counts, indent=1))
    (tmp_path / "counts.json").write_text(json.dumps(counts, indent=1))
    once = {"parse": 1, "probe": 1, "text": 1, "render": 1, "build": 1, "sw.js": 1}
    for change in ("admin publish", "CLI publish", "dropped file"):
        assert counts[change] == once, change
    # A new install: every sample guide read once (pypdf, pdfium, its text, its pages). The
    # site is built at once, to answer soon, and once more when the pages made in the
    # background are all made: one new sw.js, not one per guide file.
    each = {step: samples for step in ("parse", "probe", "text", "render")}
    assert counts["first start"] == {**each, "build": 2, "sw.js": 1}
    assert counts["restart"] == {"parse": 0, "probe": 0, "text": 0, "render": 0, "build": 1,
                                 "sw.js": 0}  # fmt: skip
    assert counts["notice"] == {"parse": 0, "probe": 0, "text": 0, "render": 0, "build": 1,
                                "sw.js": 1}  # fmt: skip
