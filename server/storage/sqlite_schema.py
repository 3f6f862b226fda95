"""The SQLite schema, and the upgrades that bring an older data folder's database to it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server.storage.rows import SIGN_IN_RETENTION_DAYS, utc_now

# 2: versions numbered per language file (`number_per_language`); 3: sign-in records keep
# a shortened address and may be pruned after SIGN_IN_RETENTION_DAYS.
SCHEMA_VERSION = 3
# Who the audit log names for a change the upgrade itself made.
UPGRADE_ACTOR = "upgrade"
# How long a write waits for another writer (a publish, the CLI) before failing.
DEFAULT_BUSY_SECONDS = 30.0

# Every version of every guide file that was ever served, numbered v1, v2 … per language
# file. Rows are never changed (but once: `number_per_language` renumbered older ones).
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
  OR old.at >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-{retention} days')
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
""".replace("{versions}", _VERSIONS.format(name="versions")).replace(
    "{retention}", str(SIGN_IN_RETENTION_DAYS)
)


def migrate(conn: sqlite3.Connection, version: int) -> None:
    """Bring the schema to SCHEMA_VERSION in one transaction."""
    from server.audit import shorten_detail  # the audit module's own rule, applied once

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


def number_per_language(path: Path, busy_seconds: float = DEFAULT_BUSY_SECONDS) -> None:
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
