"""The SQLite records of what happened: guide versions, the audit log, and the publish journal."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING

from server.storage.files import sha256_hex
from server.storage.rows import (
    SIGN_IN_ACTIONS,
    AuditEntry,
    AuditFilter,
    AuditRecord,
    CatalogSnapshot,
    Version,
)
from server.storage.sqlite_people import insert_audit

if TYPE_CHECKING:
    from server.storage.sqlite_db import Database


def _version(row: sqlite3.Row) -> Version:
    return Version(**dict(row))


class SqliteVersions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def history(self, slug: str) -> list[Version]:
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM versions WHERE slug = ? ORDER BY id DESC", (slug,)
            ).fetchall()
        return [_version(row) for row in rows]

    def get(self, slug: str, lang: str, number: int) -> Version | None:
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM versions WHERE slug = ? AND lang = ? AND number = ?",
                (slug, lang, number),
            ).fetchone()
        return _version(row) if row else None

    def current(self, slug: str, lang: str) -> Version | None:
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM versions WHERE slug = ? AND lang = ? ORDER BY number DESC LIMIT 1",
                (slug, lang),
            ).fetchone()
        return _version(row) if row else None

    def latest(self) -> dict[tuple[str, str], Version]:
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM versions v WHERE number = ("
                " SELECT MAX(number) FROM versions w WHERE w.slug = v.slug AND w.lang = v.lang)"
            ).fetchall()
        return {(row["slug"], row["lang"]): _version(row) for row in rows}

    def pages_of(self, sha256: str) -> int | None:
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT pages FROM versions WHERE sha256 = ? LIMIT 1", (sha256,)
            ).fetchone()
        return int(row[0]) if row else None

    def hashes(self) -> set[str]:
        with self.db.transaction() as conn:
            return {row[0] for row in conn.execute("SELECT DISTINCT sha256 FROM versions")}


class SqliteAudit:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, entry: AuditRecord, at: str | None = None) -> None:
        with self.db.transaction() as conn:
            insert_audit(conn, entry, at)

    def entries(
        self, where: AuditFilter | None = None, limit: int | None = 500
    ) -> list[AuditEntry]:
        where = where or AuditFilter()
        clauses, params = [], []
        for column, value in (
            ("action", where.action),
            ("guide", where.guide),
            ("actor", where.actor),
        ):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if where.since:
            clauses.append("at >= ?")
            params.append(where.since)
        if where.until:
            # Dates compare as prefixes of the ISO timestamps.
            clauses.append("substr(at, 1, 10) <= ?")
            params.append(where.until)
        sql = "SELECT * FROM audit"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.db.transaction() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [AuditEntry(**dict(row)) for row in rows]

    def actors(self) -> list[str]:
        with self.db.transaction() as conn:
            rows = conn.execute("SELECT DISTINCT actor FROM audit ORDER BY actor").fetchall()
        return [row[0] for row in rows]

    def prune_sign_ins(self, before: str) -> int:
        # The database allows this deletion only (see the audit_no_delete trigger).
        marks = ", ".join("?" for _ in SIGN_IN_ACTIONS)
        with self.db.transaction() as conn:
            return conn.execute(
                f"DELETE FROM audit WHERE action IN ({marks}) AND at < ?",
                (*SIGN_IN_ACTIONS, before),
            ).rowcount


class _JournalTransaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def add_version(self, version: Version) -> None:
        self.conn.execute(
            "INSERT INTO versions (slug, number, lang, sha256, size, pages, created_at, actor,"
            " action, restored_from, last_checked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                version.slug,
                version.number,
                version.lang,
                version.sha256,
                version.size,
                version.pages,
                version.created_at,
                version.actor,
                version.action,
                version.restored_from,
                version.last_checked,
            ),
        )

    def add_audit(self, entry: AuditRecord, at: str) -> None:
        insert_audit(self.conn, entry, at)

    def save_catalog(self, text: str, at: str) -> None:
        _save_catalog(self.conn, text, at)


def _save_catalog(conn: sqlite3.Connection, text: str, at: str) -> None:
    # A text seen again is saved anew, so that it is the latest (the newest rowid).
    conn.execute(
        "INSERT OR REPLACE INTO catalog_snapshots (sha256, text, saved_at) VALUES (?, ?, ?)",
        (sha256_hex(text.encode()), text, at),
    )


class SqliteJournal:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_pending(self, payload: str) -> int:
        with self.db.transaction() as conn:
            pending_id = conn.execute(
                "INSERT INTO pending (payload) VALUES (?)", (payload,)
            ).lastrowid
        assert pending_id is not None
        return pending_id

    def pending(self) -> list[tuple[int, str]]:
        with self.db.transaction() as conn:
            rows = conn.execute("SELECT id, payload FROM pending ORDER BY id").fetchall()
        return [(int(row[0]), str(row[1])) for row in rows]

    @contextlib.contextmanager
    def finish(self, pending_id: int) -> Iterator[_JournalTransaction]:
        with self.db.transaction() as conn:
            yield _JournalTransaction(conn)
            conn.execute("DELETE FROM pending WHERE id = ?", (pending_id,))
        self.db.catalog_changed()

    def latest_catalog(self) -> CatalogSnapshot | None:
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT sha256, text, saved_at FROM catalog_snapshots ORDER BY rowid DESC LIMIT 1"
            ).fetchone()
        return CatalogSnapshot(row[0], row[1], row[2]) if row else None

    def save_catalog(self, text: str, at: str, audit: AuditRecord | None = None) -> None:
        with self.db.transaction() as conn:
            _save_catalog(conn, text, at)
            if audit is not None:
                insert_audit(conn, audit, at)
