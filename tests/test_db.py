"""A damaged database (deleted, emptied, corrupt, locked, on a full disk) never stops the public
site; the admin, the CLI and /healthz say what is wrong and how to restore it."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from server.db import DB_NAME, MARKER_NAME, Database, DatabaseProblem
from server.settings import PROJECT_ROOT
from testkit.admin_client import PASSWORD, add_account, log_in, refusal_key
from testkit.server import LiveServer, start_server


def cli(
    *args: str, data_dir: Path, guides_dir: Path | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    extra = ["--guides", str(guides_dir)] if guides_dir else []
    env = {**os.environ, "BILANG_KARYO_DB_BUSY_SECONDS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args, "--data", str(data_dir), *extra],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60, input=stdin, env=env,
    )  # fmt: skip


def health(server: LiveServer) -> Any:
    return httpx2.get(server.url + "/healthz", timeout=10).json()


def assert_public_site_serves(server: LiveServer) -> None:
    with httpx2.Client(base_url=server.url, timeout=10) as web:
        assert web.get("/").status_code == 200
        gfile = web.get("/api/guides").json()["guides"][0]["files"]["id"]
        assert web.get(gfile["url"]).status_code == 200


def delete(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)


def truncate(db: Path) -> None:
    delete(db)
    db.write_bytes(b"")


def corrupt_middle(db: Path) -> None:
    data = bytearray(db.read_bytes())
    assert len(data) > 6 * 4096, len(data)
    for at in range(2 * 4096, len(data) - 4096):
        data[at] = (at * 131) % 251
    db.write_bytes(bytes(data))


@pytest.fixture
def data_with_db(tmp_path: Path) -> Path:
    """A data folder whose database holds an account, as after `bilang-karyo user add`."""
    data_dir = tmp_path / "data"
    add_account(data_dir)
    add_account(data_dir, "sari")
    return data_dir


@pytest.mark.parametrize(
    ("damage", "key", "words"),
    [
        (delete, "db_missing", "is gone"),
        (truncate, "db_missing", "empty (0 bytes)"),
        (corrupt_middle, "db_damaged", "is damaged"),
    ],
    ids=["deleted", "truncated-to-0", "corrupt-middle"],
)
def test_a_lost_or_damaged_database_is_reported_never_remade_and_the_site_serves(
    tmp_path: Path,
    guides_dir: Path,
    office_file: Path,
    data_with_db: Path,
    damage: Callable[[Path], None],
    key: str,
    words: str,
) -> None:
    db = data_with_db / DB_NAME
    damage(db)
    before = db.read_bytes() if db.exists() else None
    server = start_server(guides_dir, office_file, data_with_db, tmp_path / "server.log")
    try:
        assert_public_site_serves(server)
        report = health(server)
        assert report["status"] == "degraded"
        assert words in report["problems"]["database"], report
        assert "backup" in report["problems"]["database"]
        with httpx2.Client(base_url=server.url, timeout=30) as web:
            page = web.get("/admin/login")
            assert page.status_code == 200  # the form needs no database
            answer = log_in(web)
            assert answer.status_code == 503 and refusal_key(answer.text) == key, answer.text
            assert words in answer.text
        # Nothing was made in its place: the accounts, history and audit log are not
        # silently replaced by an empty database.
        assert (db.read_bytes() if db.exists() else None) == before
    finally:
        server.stop()
    for command in (["history", "pembuatan-paspor"], ["user", "list"], ["db", "check"]):
        result = cli(*command, data_dir=data_with_db, guides_dir=guides_dir)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert "backup" in result.stderr
    assert (db.read_bytes() if db.exists() else None) == before
    # With no backup, Tikkim may start afresh on purpose; the damaged file is kept.
    fresh = cli("db", "new", data_dir=data_with_db)
    assert fresh.returncode == 0, fresh.stderr
    assert cli("db", "check", data_dir=data_with_db).returncode == 0
    if damage is corrupt_middle:
        assert list(data_with_db.glob(f"{DB_NAME}.damaged-*"))


@pytest.fixture
def locked_db(data_with_db: Path) -> Iterator[sqlite3.Connection]:
    """Another program holds the database's write lock (as a stuck backup script might)."""
    conn = sqlite3.connect(data_with_db / DB_NAME, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("INSERT INTO login_failures (key, at) VALUES ('other-program', 0)")
    yield conn
    conn.close()


def test_a_locked_database_lets_the_site_start_and_the_admin_says_so(
    tmp_path: Path,
    guides_dir: Path,
    office_file: Path,
    data_with_db: Path,
    locked_db: sqlite3.Connection,
) -> None:
    server = start_server(
        guides_dir,
        office_file,
        data_with_db,
        tmp_path / "server.log",
        extra_env={"BILANG_KARYO_DB_BUSY_SECONDS": "1"},
        timeout=15,
    )
    try:
        assert_public_site_serves(server)
        with httpx2.Client(base_url=server.url, timeout=30) as web:
            answer = log_in(web)
            assert answer.status_code == 503 and refusal_key(answer.text) == "db_busy"
            assert "locked by another program" in answer.text
            added = cli("user", "add", "tono", data_dir=data_with_db, stdin=PASSWORD + "\n")
            assert added.returncode == 1 and "locked by another program" in added.stderr
            assert "Traceback" not in added.stderr
            locked_db.execute("ROLLBACK")  # the other program lets go
            assert log_in(web).status_code == 303
    finally:
        server.stop()


def test_the_database_file_is_made_for_its_owner_alone(tmp_path: Path) -> None:
    db = Database(tmp_path / "data")
    assert stat.S_IMODE(db.path.stat().st_mode) == 0o600
    assert (tmp_path / "data" / MARKER_NAME).is_file()
    with db.connect() as conn:
        conn.execute("INSERT INTO login_failures (key, at) VALUES ('x', 0)")
    for suffix in ("-wal", "-shm"):
        side = db.path.with_name(db.path.name + suffix)
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0, side


def test_an_existing_database_made_readable_by_others_is_closed_again(tmp_path: Path) -> None:
    db = Database(tmp_path / "data")
    db.path.chmod(0o644)
    Database(tmp_path / "data")
    assert stat.S_IMODE(db.path.stat().st_mode) == 0o600


def test_a_database_deleted_while_running_is_not_remade_by_the_next_connection(
    tmp_path: Path,
) -> None:
    db = Database(tmp_path / "data")
    delete(db.path)
    with pytest.raises(DatabaseProblem) as problem, db.connect():
        pass
    assert problem.value.key == "db_missing"
    assert not db.path.exists()
