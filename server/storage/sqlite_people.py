"""The SQLite records of people: staff accounts, admin sessions and failed logins."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from server.storage.local_key import load_signing_key
from server.storage.rows import AuditRecord, SessionRow, Throttled, utc_now

if TYPE_CHECKING:
    from server.storage.sqlite_db import Database


def insert_audit(conn: sqlite3.Connection, entry: AuditRecord, at: str | None = None) -> None:
    """Append one audit entry inside the caller's transaction, so it lands with the change."""
    conn.execute(
        "INSERT INTO audit (at, actor, action, guide, lang, old_sha256, new_sha256, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            at or utc_now(),
            entry.actor,
            entry.action,
            entry.guide,
            entry.lang,
            entry.old_sha256,
            entry.new_sha256,
            entry.detail,
        ),
    )


class SqliteAccounts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def names(self) -> list[str]:
        with self.db.transaction() as conn:
            return [row[0] for row in conn.execute("SELECT name FROM accounts ORDER BY name")]

    def password_hash(self, name: str) -> str | None:
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT password_hash FROM accounts WHERE name = ?", (name,)
            ).fetchone()
        return str(row[0]) if row else None

    def add(self, name: str, password_hash: str, audit: AuditRecord) -> bool:
        now = utc_now()
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
                return False
            conn.execute(
                "INSERT INTO accounts (name, password_hash, created_at, password_changed_at)"
                " VALUES (?, ?, ?, ?)",
                (name, password_hash, now, now),
            )
            insert_audit(conn, audit, now)
        return True

    def set_password(self, name: str, password_hash: str, audit: AuditRecord) -> bool:
        now = utc_now()
        with self.db.transaction() as conn:
            changed = conn.execute(
                "UPDATE accounts SET password_hash = ?, password_changed_at = ? WHERE name = ?",
                (password_hash, now, name),
            ).rowcount
            if not changed:
                return False
            conn.execute("DELETE FROM sessions WHERE account = ?", (name,))
            insert_audit(conn, audit, now)
        return True

    def remove(self, name: str, audit: AuditRecord) -> bool:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE account = ?", (name,))
            if not conn.execute("DELETE FROM accounts WHERE name = ?", (name,)).rowcount:
                return False
            insert_audit(conn, audit)
        return True

    def rehash(self, name: str, password_hash: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE accounts SET password_hash = ? WHERE name = ?", (password_hash, name)
            )


class SqliteSessions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, session: SessionRow, idle_since: float, made_since: float) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO sessions (id, account, csrf, created_at, last_seen)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    session.id_hash,
                    session.account,
                    session.csrf,
                    session.created_at,
                    session.last_seen,
                ),
            )
            conn.execute(
                "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?",
                (idle_since, made_since),
            )

    def get(self, id_hash: str) -> SessionRow | None:
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT id, account, csrf, created_at, last_seen FROM sessions WHERE id = ?",
                (id_hash,),
            ).fetchone()
        return SessionRow(*row) if row else None

    def touch(self, id_hash: str, last_seen: float) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", (last_seen, id_hash))

    def remove(self, id_hash: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE id = ?", (id_hash,))

    def signing_key(self) -> bytes:
        # A file beside the database, not in it: the admin can sign in even before a
        # damaged database is restored, and the key is not in the database's backups.
        return load_signing_key(self.db.path.parent)


class SqliteLoginFailures:
    def __init__(self, db: Database) -> None:
        self.db = db

    def reserve(self, limits: Sequence[tuple[str, int]], now: float, window: float) -> Throttled:
        with self.db.transaction() as conn:
            conn.execute("BEGIN IMMEDIATE")  # one try at a time decides, across processes
            conn.execute("DELETE FROM login_failures WHERE at < ?", (now - window,))
            retry_after, counts = 0, {}
            for key, limit in limits:
                row = conn.execute(
                    "SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = ?", (key,)
                ).fetchone()
                count, first = int(row[0]), row[1]
                counts[key] = count
                if count >= limit and first is not None:
                    # Free again once enough of the failures have aged out of the window.
                    oldest_needed = conn.execute(
                        "SELECT at FROM login_failures WHERE key = ? ORDER BY at DESC"
                        " LIMIT 1 OFFSET ?",
                        (key, limit - 1),
                    ).fetchone()
                    until = (oldest_needed[0] if oldest_needed else first) + window
                    retry_after = max(retry_after, int(until - now) + 1)
            if retry_after:
                return Throttled(retry_after, counts)
            reserved = tuple(
                int(conn.execute(
                    "INSERT INTO login_failures (key, at) VALUES (?, ?)", (key, now)
                ).lastrowid or 0)
                for key, _ in limits
            )  # fmt: skip
        return Throttled(0, counts, reserved)

    def withdraw(self, reserved: Sequence[int]) -> None:
        with self.db.transaction() as conn:
            conn.executemany("DELETE FROM login_failures WHERE rowid = ?", [(i,) for i in reserved])

    def forgive(self, reserved: Sequence[int], key: str) -> None:
        with self.db.transaction() as conn:
            conn.executemany("DELETE FROM login_failures WHERE rowid = ?", [(i,) for i in reserved])
            conn.execute("DELETE FROM login_failures WHERE key = ?", (key,))
