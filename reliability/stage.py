"""A private copy of the site to put under strain: guides, office file, data, a staff
account, and `bilang-karyo serve` as a real process on a loopback port."""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx2

from server.accounts import Accounts
from server.db import DB_NAME, Database
from server.settings import PROJECT_ROOT
from testkit.admin_client import PASSWORD, log_in
from testkit.server import SAMPLE_GUIDES, SAMPLE_OFFICE, LiveServer, start_server

STAFF = "tikkim"
CLI_ACTOR = "cli-reliability"
SLUG = "antrian-paspor"  # the guide the suites publish to
LANG = "id"


@dataclass
class Stage:
    root: Path
    server: LiveServer | None = None
    starts: int = 0
    logs: list[Path] = field(default_factory=list)

    @property
    def guides_dir(self) -> Path:
        return self.root / "guides"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def office_file(self) -> Path:
        return self.root / "office.toml"

    @property
    def url(self) -> str:
        assert self.server is not None, "the server is not running"
        return self.server.url

    def start(self) -> LiveServer:
        assert self.server is None or self.server.process.poll() is not None
        self.starts += 1
        log_path = self.root / f"server-{self.starts}.log"
        self.logs.append(log_path)
        self.server = start_server(
            self.guides_dir, self.office_file, self.data_dir, log_path, timeout=60
        )
        return self.server

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def kill(self) -> None:
        """SIGKILL the server, as a power cut would."""
        if self.server is not None:
            self.server.kill()

    def server_log(self) -> str:
        return "".join(path.read_text(errors="replace") for path in self.logs if path.exists())

    def cli_args(self, *args: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "server.cli",
            *args,
            "--guides",
            str(self.guides_dir),
            "--data",
            str(self.data_dir),
        ]

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.cli_args(*args), capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=timeout
        )

    @contextlib.contextmanager
    def staff_client(self) -> Iterator[httpx2.Client]:
        """A signed-in admin session on the running server."""
        with httpx2.Client(base_url=self.url, timeout=120) as client:
            response = log_in(client, STAFF, PASSWORD)
            if response.status_code != 303 or "bk_admin" not in client.cookies:
                raise RuntimeError(f"cannot sign in to the admin: {response.status_code}")
            yield client

    def db(self) -> sqlite3.Connection:
        """A read-only look at the database, as the suites check it from outside."""
        conn = sqlite3.connect(f"file:{self.data_dir / DB_NAME}?mode=ro", uri=True, timeout=30)
        conn.row_factory = sqlite3.Row
        return conn

    def audit_after(self, last_id: int) -> list[tuple[str, ...]]:
        conn = self.db()
        try:
            rows = conn.execute(
                "SELECT actor, action, guide, lang, old_sha256, new_sha256, detail FROM audit"
                " WHERE id > ? ORDER BY id",
                (last_id,),
            ).fetchall()
        finally:
            conn.close()
        return [tuple(row) for row in rows]

    def last_audit_id(self) -> int:
        conn = self.db()
        try:
            return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0])
        finally:
            conn.close()

    def pending(self) -> int:
        conn = self.db()
        try:
            return int(conn.execute("SELECT COUNT(*) FROM pending").fetchone()[0])
        finally:
            conn.close()


def make_stage(root: Path) -> Stage:
    """Copy the sample guides and office file under `root` and add the staff account."""
    root.mkdir(parents=True, exist_ok=True)
    stage = Stage(root)
    shutil.copytree(SAMPLE_GUIDES, stage.guides_dir, ignore=shutil.ignore_patterns("README.md"))
    shutil.copy(SAMPLE_OFFICE, stage.office_file)
    Accounts(Database(stage.data_dir)).add(STAFF, PASSWORD, "reliability")
    return stage


class Report(Protocol):
    @property
    def ok(self) -> bool: ...

    def render(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


def add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="stage the site in DIR (a new folder) and keep it"
    )


def run_staged(args: argparse.Namespace, run: Callable[[Stage], Report]) -> int:
    """Run a suite on a fresh stage, print its report, and exit 0 only if it passed."""
    with tempfile.TemporaryDirectory(prefix="bilang-karyo-") as tmp:
        stage = make_stage(args.keep or Path(tmp))
        try:
            report = run(stage)
        finally:
            stage.stop()
    print(report.render())
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report.as_dict(), indent=1) + "\n")
    return 0 if report.ok else 1
