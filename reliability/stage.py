"""A private copy of the site to put under strain: guides, office file, data, a staff
account, and `bilang-karyo serve` as a real process on a loopback port; its records in the
embedded SQLite or, with `--database postgresql`, in a throwaway PostgreSQL cluster."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx2

from server.accounts import Accounts
from server.settings import ENV_PREFIX, PROJECT_ROOT, Settings
from server.storage.configured import open_records
from server.storage.records import Records
from testkit.admin_client import PASSWORD, log_in
from testkit.server import SAMPLE_GUIDES, SAMPLE_OFFICE, LiveServer, start_server

STAFF = "tikkim"
CLI_ACTOR = "cli-reliability"
SLUG = "antrian-paspor"  # the guide the suites publish to
LANG = "id"
DATABASES = ("sqlite", "postgresql")
DATABASE_URL_ENV = ENV_PREFIX + "DATABASE_URL"


@dataclass
class Stage:
    root: Path
    # postgresql://… : the server and the CLI keep their records there; None: SQLite in data/.
    database_url: str | None = None
    server: LiveServer | None = None
    starts: int = 0
    logs: list[Path] = field(default_factory=list)
    _records: Records | None = field(default=None, repr=False)

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
    def database(self) -> str:
        return "sqlite" if self.database_url is None else "postgresql"

    @property
    def settings(self) -> Settings:
        return Settings(
            guides_dir=self.guides_dir,
            data_dir=self.data_dir,
            office_file=self.office_file,
            database_url=self.database_url,
        )

    def env(self) -> dict[str, str]:
        """The environment of the server and the CLI: the database they share, if not SQLite."""
        env = {key: value for key, value in os.environ.items() if key != DATABASE_URL_ENV}
        if self.database_url is not None:
            env[DATABASE_URL_ENV] = self.database_url
        return env

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
            self.guides_dir, self.office_file, self.data_dir, log_path, timeout=60,
            extra_env=self.env(),
        )  # fmt: skip
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
            self.cli_args(*args),
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            timeout=timeout,
            env=self.env(),
        )

    @contextlib.contextmanager
    def staff_client(self) -> Iterator[httpx2.Client]:
        """A signed-in admin session on the running server."""
        with httpx2.Client(base_url=self.url, timeout=120) as client:
            response = log_in(client, STAFF, PASSWORD)
            if response.status_code != 303 or "bk_admin" not in client.cookies:
                raise RuntimeError(f"cannot sign in to the admin: {response.status_code}")
            yield client

    def records(self) -> Records:
        """The site's records as the suites check them from outside, through the same
        interface as the server (SQLite or PostgreSQL alike); opened once, not made."""
        if self._records is None:
            self._records = open_records(self.settings, open_now=False)
        return self._records

    def close_records(self) -> None:
        from server.storage.pg_records import PostgresRecords

        if isinstance(self._records, PostgresRecords):
            self._records.db.close()
        self._records = None

    def audit_after(self, last_id: int) -> list[tuple[str, ...]]:
        """The audit entries written after entry `last_id`, oldest first."""
        entries = self.records().audit.entries(None, limit=None)
        return [
            (e.actor, e.action, e.guide, e.lang, e.old_sha256, e.new_sha256, e.detail)
            for e in sorted(entries, key=lambda e: e.id)
            if e.id > last_id
        ]

    def last_audit_id(self) -> int:
        newest = self.records().audit.entries(None, limit=1)
        return newest[0].id if newest else 0

    def pending(self) -> int:
        return len(self.records().journal.pending())

    def versions(self, slug: str, lang: str) -> list[tuple[int, str]]:
        """(number, sha256) of every version of the guide's file in `lang`, oldest first."""
        history = self.records().versions.history(slug)
        return sorted((v.number, v.sha256) for v in history if v.lang == lang)


def make_stage(root: Path, database_url: str | None = None) -> Stage:
    """Copy the sample guides and office file under `root` and add the staff account; with
    `database_url`, make its schema with `bilang-karyo db upgrade` first, as staff would."""
    root.mkdir(parents=True, exist_ok=True)
    stage = Stage(root, database_url)
    shutil.copytree(SAMPLE_GUIDES, stage.guides_dir, ignore=shutil.ignore_patterns("README.md"))
    shutil.copy(SAMPLE_OFFICE, stage.office_file)
    if database_url is not None:
        upgraded = stage.cli("db", "upgrade")
        if upgraded.returncode != 0:
            raise RuntimeError(f"bilang-karyo db upgrade failed: {upgraded.stderr}")
    records = stage.records()
    records.ensure()
    Accounts(records).add(STAFF, PASSWORD, "reliability")
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
    parser.add_argument(
        "--database",
        choices=DATABASES,
        default="sqlite",
        help="where the records live: the embedded SQLite (default), or a throwaway PostgreSQL "
        "cluster started for the run (initdb + pg_ctl, as testkit/postgres.py does for the tests)",
    )


@contextlib.contextmanager
def database_for_run(database: str) -> Iterator[str | None]:
    """None for SQLite; for PostgreSQL, a new database on a cluster started for this run and
    removed after it."""
    if database == "sqlite":
        yield None
        return
    import socket

    from testkit.postgres import start_postgres

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cluster = start_postgres(port)
    try:
        yield cluster.new_database()
    finally:
        cluster.stop()
        cluster.remove()


@contextlib.contextmanager
def staged(root: Path, database: str = "sqlite") -> Iterator[Stage]:
    """A fresh stage under `root` on `database`, its server stopped and records closed after."""
    with database_for_run(database) as database_url:
        stage = make_stage(root, database_url)
        try:
            yield stage
        finally:
            stage.stop()
            stage.close_records()


def run_staged(args: argparse.Namespace, run: Callable[[Stage], Report]) -> int:
    """Run a suite on a fresh stage, print its report, and exit 0 only if it passed."""
    with (
        tempfile.TemporaryDirectory(prefix="bilang-karyo-") as tmp,
        staged(args.keep or Path(tmp), args.database) as stage,
    ):
        report = run(stage)
    print(f"Database: {args.database}")
    print(report.render())
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"database": args.database, **report.as_dict()}, indent=1) + "\n"
        )
    return 0 if report.ok else 1
