"""The history of each guide's files: every version ever published, numbered per guide."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from server.db import Database


@dataclass(frozen=True)
class Version:
    id: int
    slug: str
    number: int
    lang: str
    sha256: str
    size: int
    pages: int
    created_at: str
    actor: str
    action: str  # "publish" or "rollback"
    restored_from: int | None  # the version number a rollback brought back


def insert_version(conn: sqlite3.Connection, version: Version) -> None:
    conn.execute(
        "INSERT INTO versions (slug, number, lang, sha256, size, pages, created_at, actor,"
        " action, restored_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        ),
    )


def next_number(conn: sqlite3.Connection, slug: str) -> int:
    row = conn.execute("SELECT MAX(number) FROM versions WHERE slug = ?", (slug,)).fetchone()
    return int(row[0] or 0) + 1


class Versions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def history(self, slug: str) -> list[Version]:
        """Newest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM versions WHERE slug = ? ORDER BY number DESC", (slug,)
            ).fetchall()
        return [Version(**dict(row)) for row in rows]

    def get(self, slug: str, number: int) -> Version | None:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT * FROM versions WHERE slug = ? AND number = ?", (slug, number)
            ).fetchone()
        return Version(**dict(row)) if row else None

    def current(self, slug: str, lang: str) -> Version | None:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT * FROM versions WHERE slug = ? AND lang = ? ORDER BY number DESC LIMIT 1",
                (slug, lang),
            ).fetchone()
        return Version(**dict(row)) if row else None

    def current_hashes(self) -> dict[tuple[str, str], str]:
        """(slug, lang) -> the sha256 of the version that should be in guides/ now."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT slug, lang, sha256 FROM versions v WHERE number = ("
                " SELECT MAX(number) FROM versions w WHERE w.slug = v.slug AND w.lang = v.lang)"
            ).fetchall()
        return {(row["slug"], row["lang"]): row["sha256"] for row in rows}
