"""The embedded records: one SQLite file in the data folder, opened per use, no set-up.

The file is made once, mode 0600, and a marker beside it records that it exists.
From then on it is only ever opened, never made again: a database that vanished
or was emptied is reported (`DatabaseProblem`), not silently replaced by an empty
one that would lose the accounts, the history and the audit log.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from server.storage.atomic import write_atomically
from server.storage.errors import DatabaseProblem
from server.storage.local_lock import LocalPublishLock
from server.storage.records import CatalogListener
from server.storage.rows import utc_now
from server.storage.sqlite_counts import SqliteFeedback, SqliteNotices, SqliteUsage
from server.storage.sqlite_history import SqliteAudit, SqliteJournal, SqliteVersions
from server.storage.sqlite_people import SqliteAccounts, SqliteLoginFailures, SqliteSessions
from server.storage.sqlite_schema import (
    DEFAULT_BUSY_SECONDS,
    SCHEMA_VERSION,
    migrate,
    number_per_language,
)

log = logging.getLogger("bilang_karyo")

DB_NAME = "bilang-karyo.sqlite3"
MARKER_NAME = "bilang-karyo.sqlite3.made"
# How long a write waits for another writer (a publish, the CLI) before failing.
BUSY_ENV = "BILANG_KARYO_DB_BUSY_SECONDS"
# Counted by `check`, as `bilang-karyo db check` shows them.
_COUNTED = ("accounts", "versions", "audit", "usage_daily")


def problem_of(exc: BaseException, path: Path) -> DatabaseProblem | None:
    """The `DatabaseProblem` an error from SQLite or the disk means, if it means one."""
    if isinstance(exc, DatabaseProblem):
        return exc
    text = str(exc).lower()
    if (
        (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT))
        or (isinstance(exc, sqlite3.Error) and "full" in text)
        # With no room for its -shm file, SQLite reports only "disk I/O error".
        or (isinstance(exc, sqlite3.Error) and "i/o" in text and _nearly_full(path.parent))
    ):
        return DatabaseProblem(
            "db_full",
            f"the disk holding {path.parent} is full ({exc}); free some space on it, then "
            "try again. Nothing was changed.",
        )
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return DatabaseProblem(
            "db_busy",
            f"{path} is locked by another program ({exc}); try again in a minute. If it stays "
            f"locked, find the program holding it (`fuser {path}`) and stop it.",
        )
    if isinstance(exc, sqlite3.DatabaseError):
        return damaged(path, str(exc))
    return None


def _nearly_full(folder: Path) -> bool:
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 1024 * 1024


def damaged(path: Path, detail: str) -> DatabaseProblem:
    return DatabaseProblem(
        "db_damaged",
        f"{path} is damaged ({detail}). The public site keeps serving guides/. To repair: "
        f"stop the site, move the damaged file aside, copy {DB_NAME} back from your backup of "
        "the data folder, start again, and run `bilang-karyo db check`. With no backup, "
        "`bilang-karyo db new` starts an empty one (accounts, history and audit log are lost).",
    )


class Database:
    """The SQLite `Records`: short-lived connections, safe across processes by SQLite's own
    locking. Its record methods raise `DatabaseProblem`, never `sqlite3.Error`."""

    def __init__(
        self, data_dir: Path, busy_seconds: float | None = None, *, open_now: bool = True
    ) -> None:
        self.path = data_dir / DB_NAME
        self.marker = data_dir / MARKER_NAME
        if busy_seconds is None:
            busy_seconds = float(os.environ.get(BUSY_ENV, DEFAULT_BUSY_SECONDS))
        self.busy_seconds = busy_seconds
        self._ready = False
        self._listeners: list[CatalogListener] = []
        self.accounts = SqliteAccounts(self)
        self.sessions = SqliteSessions(self)
        self.login_failures = SqliteLoginFailures(self)
        self.versions = SqliteVersions(self)
        self.audit = SqliteAudit(self)
        self.usage = SqliteUsage(self)
        self.feedback = SqliteFeedback(self)
        self.notices = SqliteNotices(self)
        self.journal = SqliteJournal(self)
        self.publish_lock = LocalPublishLock(data_dir / "publish.lock")
        if open_now:
            self.ensure()

    def ensure(self) -> None:
        """Make the database on first use; otherwise check that it is still there and whole.

        Raises `DatabaseProblem`. The full check (`PRAGMA quick_check`) runs once per
        process; later calls only look that the file has not vanished or been emptied.
        """
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            size = -1
        if size <= 0 and self.marker.exists():
            self._ready = False
            made = self.marker.read_text(errors="replace").strip() or "earlier"
            state = "gone" if size < 0 else "empty (0 bytes)"
            raise DatabaseProblem(
                "db_missing",
                f"{self.path} is {state}, but a database was made here ({made}). Nothing was "
                "made anew, so that nothing is lost. To repair: stop the site, copy "
                f"{DB_NAME} back from your backup of the data folder, start again, and run "
                "`bilang-karyo db check`. With no backup, `bilang-karyo db new` starts an "
                "empty one (accounts, history and audit log are lost).",
            )
        if self._ready:
            return
        try:
            self._open(new=size <= 0)
        except DatabaseProblem:
            raise
        except (sqlite3.Error, OSError) as exc:
            problem = problem_of(exc, self.path)
            if problem is None:
                raise
            raise problem from exc
        self._ready = True

    def _open(self, new: bool) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if new:
            # Made by us, for the owner alone; SQLite gives its -wal and -shm the same mode.
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        if stat.S_IMODE(self.path.stat().st_mode) & 0o077:
            os.chmod(self.path, 0o600)
        conn = self._connection()
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:
                migrate(conn, version)
            if version > 0:
                found = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
                if found != ["ok"]:
                    raise damaged(self.path, "; ".join(found))
        finally:
            conn.close()
        # Takes no write lock when there is nothing to renumber (the usual case).
        number_per_language(self.path, self.busy_seconds)
        if not self.marker.exists():
            write_atomically(self.marker, f"{utc_now()}\n".encode())

    def _connection(self) -> sqlite3.Connection:
        # mode=rw: never let SQLite make an empty file in place of a vanished one.
        uri = f"file:{self.path}?mode=rw"
        conn = sqlite3.connect(uri, uri=True, timeout=self.busy_seconds)
        conn.row_factory = sqlite3.Row
        return conn

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection whose work is committed when the block ends, or rolled back on error."""
        self.ensure()
        conn = self._connection()
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=FULL")
            with conn:
                yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """`connect` for the record methods: SQLite's errors leave as `DatabaseProblem`."""
        try:
            with self.connect() as conn:
                yield conn
        except sqlite3.Error as exc:
            raise (problem_of(exc, self.path) or damaged(self.path, str(exc))) from exc

    def check(self) -> dict[str, int]:
        try:
            with self.connect() as conn:
                found = [row[0] for row in conn.execute("PRAGMA integrity_check(20)")]
                if found != ["ok"]:
                    raise damaged(self.path, "; ".join(found))
                return {
                    table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                    for table in _COUNTED
                }
        except sqlite3.Error as exc:
            raise (problem_of(exc, self.path) or damaged(self.path, str(exc))) from exc

    def problem(self, exc: BaseException) -> DatabaseProblem | None:
        return problem_of(exc, self.path)

    def where(self) -> str:
        return str(self.path)

    def on_catalog_change(self, listener: CatalogListener) -> None:
        self._listeners.append(listener)

    def catalog_changed(self) -> None:
        """Tell the listeners (this process only: SQLite has one machine)."""
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # the change is recorded; a listener's bug must not undo that
                log.exception("a catalog listener failed")


def is_made(data_dir: Path) -> bool:
    """True when a database was ever made in `data_dir` (it may be lost since)."""
    return (data_dir / DB_NAME).exists() or (data_dir / MARKER_NAME).exists()


def set_aside(data_dir: Path) -> list[Path]:
    """Move a lost or damaged database aside (kept, with a date), so that the next open
    makes an empty one; the files kept."""
    path = data_dir / DB_NAME
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = []
    for suffix in ("", "-wal", "-shm"):
        old = path.with_name(path.name + suffix)
        if old.exists():
            kept.append(old.with_name(f"{old.name}.damaged-{stamp}"))
            os.replace(old, kept[-1])
    (data_dir / MARKER_NAME).unlink(missing_ok=True)
    return kept
