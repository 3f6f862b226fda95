"""The embedded SQLite database under the data folder: accounts, versions, audit, usage.

The file is made once, mode 0600, and a marker beside it records that it exists.
From then on it is only ever opened, never made again: a database that vanished
or was emptied is reported (`DatabaseProblem`), not silently replaced by an empty
one that would lose the accounts, the history and the audit log.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from server.errors import BilangKaryoError

DB_NAME = "bilang-karyo.sqlite3"
MARKER_NAME = "bilang-karyo.sqlite3.made"
# 2: versions numbered per language file (`_number_per_language`); 3: sign-in records keep
# a shortened address and may be pruned after SIGN_IN_RETENTION_DAYS.
SCHEMA_VERSION = 3
# Who the audit log names for a change the upgrade itself made.
UPGRADE_ACTOR = "upgrade"
# How long a write waits for another writer (a publish, the CLI) before failing.
BUSY_ENV = "BILANG_KARYO_DB_BUSY_SECONDS"
DEFAULT_BUSY_SECONDS = 30.0
# Sign-in records (login, login_failed, logout) are kept this long; see audit.py.
SIGN_IN_RETENTION_DAYS = 90

# Every version of every guide file that was ever served, numbered v1, v2 … per language
# file. Rows are never changed (but once: `_number_per_language` renumbered older ones).
# `last_checked`: the guide's "last checked" date while this version was served.
_VERSIONS = """
CREATE TABLE IF NOT EXISTS {name} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL,
    number INTEGER NOT NULL,
    lang TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    restored_from INTEGER,
    last_checked TEXT,
    UNIQUE (slug, lang, number)
);
"""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(key, at);

{versions}
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    guide TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT '',
    old_sha256 TEXT NOT NULL DEFAULT '',
    new_sha256 TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- Only sign-in records (login, login_failed, logout) older than the retention may go.
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
WHEN old.action NOT IN ('login', 'login_failed', 'logout')
  OR old.at >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-90 days')
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Each catalog.toml text ever written or seen, so no edit of the texts is lost.
CREATE TABLE IF NOT EXISTS catalog_snapshots (
    sha256 TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    saved_at TEXT NOT NULL
);

-- A change to guides/ that was decided but may not be on disk yet (see journal.py).
CREATE TABLE IF NOT EXISTS pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payload TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS usage_daily (
    day TEXT NOT NULL,
    metric TEXT NOT NULL,
    guide TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT '',
    count INTEGER NOT NULL,
    PRIMARY KEY (day, metric, guide, lang)
);
-- Announcements on the landing page (notices.py); a removed one keeps its row.
CREATE TABLE IF NOT EXISTS notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text_id TEXT NOT NULL,
    text_en TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    removed_at TEXT,
    removed_by TEXT
);
-- "Was this helpful?" answers (feedback.py): anonymous, the day only, no address.
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    guide TEXT NOT NULL,
    lang TEXT NOT NULL,
    section TEXT NOT NULL DEFAULT '',
    helpful INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS feedback_guide ON feedback(guide, day);
-- Ids of usage events sent by browsers, so a resent event is not counted twice.
CREATE TABLE IF NOT EXISTS usage_seen (
    id TEXT PRIMARY KEY,
    day TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_seen_day ON usage_seen(day);
""".replace("{versions}", _VERSIONS.format(name="versions"))


class DatabaseProblem(BilangKaryoError):
    """The database cannot be used; the message says what is wrong and what to do.

    `key` names the staff message (messages.toml `refuse_<key>`).
    """

    status = 503

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message, key, headers={"Retry-After": "60"})


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
    """Opens short-lived connections; SQLite's own locking makes it safe across processes."""

    def __init__(
        self, data_dir: Path, busy_seconds: float | None = None, *, open_now: bool = True
    ) -> None:
        self.path = data_dir / DB_NAME
        self.marker = data_dir / MARKER_NAME
        if busy_seconds is None:
            busy_seconds = float(os.environ.get(BUSY_ENV, DEFAULT_BUSY_SECONDS))
        self.busy_seconds = busy_seconds
        self._ready = False
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
                _migrate(conn, version)
            if version > 0:
                found = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
                if found != ["ok"]:
                    raise damaged(self.path, "; ".join(found))
        finally:
            conn.close()
        # Takes no write lock when there is nothing to renumber (the usual case).
        _number_per_language(self.path, self.busy_seconds)
        if not self.marker.exists():
            from server.blobs import write_atomically

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


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    """Bring the schema to SCHEMA_VERSION in one transaction."""
    from server.audit import shorten_detail

    if version == 0:
        # WAL lets the site read while a publish writes; it persists in the file.
        conn.execute("PRAGMA journal_mode=WAL")
    steps = ["BEGIN IMMEDIATE;"]
    if 0 < version < 3:
        # Version 3: sign-in records keep a shortened address, and may be pruned.
        conn.create_function("shorten_detail", 1, shorten_detail, deterministic=True)
        steps += [
            "DROP TRIGGER IF EXISTS audit_no_delete;",
            "DROP TRIGGER IF EXISTS audit_no_update;",
            "UPDATE audit SET detail = shorten_detail(detail)"
            " WHERE action IN ('login', 'login_failed');",
        ]
    steps += [_SCHEMA, f"PRAGMA user_version={SCHEMA_VERSION};", "COMMIT;"]
    conn.executescript("\n".join(steps))


def _number_per_language(path: Path, busy_seconds: float = DEFAULT_BUSY_SECONDS) -> None:
    """Data folders from before version numbers were per language: renumber each language
    file's versions v1, v2 … in the order they were made (rollbacks follow their target), and
    write to the audit log which old number became which. Once, whichever process comes first."""
    conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=busy_seconds,
                           isolation_level=None)  # fmt: skip
    try:
        if _has_last_checked(conn):  # the usual case: no write lock taken
            return
        conn.execute("BEGIN IMMEDIATE")
        if _has_last_checked(conn):  # another process did it meanwhile
            conn.execute("ROLLBACK")
            return
        conn.execute(_VERSIONS.format(name="versions_new").strip().rstrip(";"))
        conn.execute(
            "INSERT INTO versions_new (id, slug, number, lang, sha256, size, pages, created_at,"
            " actor, action, restored_from) SELECT id, slug,"
            " ROW_NUMBER() OVER (PARTITION BY slug, lang ORDER BY id), lang, sha256, size, pages,"
            " created_at, actor, action, restored_from FROM versions"
        )
        # A rollback named the old number of its target, which is in the same language.
        conn.execute(
            "UPDATE versions_new SET restored_from = (SELECT n.number FROM versions o"
            " JOIN versions_new n ON n.id = o.id WHERE o.slug = versions_new.slug"
            " AND o.number = versions_new.restored_from) WHERE restored_from IS NOT NULL"
        )
        renumbered = conn.execute(
            "SELECT o.slug, o.lang, o.number, n.number FROM versions o"
            " JOIN versions_new n ON n.id = o.id ORDER BY o.slug, o.lang, o.id"
        ).fetchall()
        conn.execute("DROP TABLE versions")
        conn.execute("ALTER TABLE versions_new RENAME TO versions")
        by_guide: dict[str, list[tuple[str, int, int]]] = {}
        for slug, lang, old, new in renumbered:
            by_guide.setdefault(slug, []).append((lang, old, new))
        for slug, moves in by_guide.items():
            if any(old != new for _, old, new in moves):
                detail = ", ".join(f"{lang} v{old} -> v{new}" for lang, old, new in moves)
                conn.execute(
                    "INSERT INTO audit (at, actor, action, guide, detail) VALUES (?, ?, ?, ?, ?)",
                    (utc_now(), UPGRADE_ACTOR, "renumber", slug, detail),
                )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def _has_last_checked(conn: sqlite3.Connection) -> bool:
    return any(row[1] == "last_checked" for row in conn.execute("PRAGMA table_info(versions)"))
