"""The history of each guide's files: every version ever published, numbered per language file."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime

from server.clock import office_zone
from server.db import Database
from server.languages import Languages
from server.publish_checks import PublishError, check_lang


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
    # The guide's "last checked" date (ISO) while this version was served; None for versions
    # recorded before the date was kept, whose publication day stands in (`checked_on`).
    last_checked: str | None = None

    def checked_on(self) -> date:
        if self.last_checked:
            return date.fromisoformat(self.last_checked)
        moment = datetime.fromisoformat(self.created_at)
        return (
            (moment if moment.tzinfo else moment.replace(tzinfo=UTC))
            .astimezone(office_zone())
            .date()
        )


def insert_version(conn: sqlite3.Connection, version: Version) -> None:
    conn.execute(
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


def next_number(conn: sqlite3.Connection, slug: str, lang: str) -> int:
    """The number of the next version of the guide's file in `lang`: v1, v2 … per language."""
    row = conn.execute(
        "SELECT MAX(number) FROM versions WHERE slug = ? AND lang = ?", (slug, lang)
    ).fetchone()
    return int(row[0] or 0) + 1


class Versions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def history(self, slug: str) -> list[Version]:
        """Both languages, newest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM versions WHERE slug = ? ORDER BY id DESC", (slug,)
            ).fetchall()
        return [Version(**dict(row)) for row in rows]

    def get(self, slug: str, lang: str, number: int) -> Version | None:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT * FROM versions WHERE slug = ? AND lang = ? AND number = ?",
                (slug, lang, number),
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


def rollback_target(
    slug: str,
    history: list[Version],
    to: int | None,
    lang: str | None,
    languages: Languages | None = None,
) -> Version:
    """The version a rollback brings back: number `to` (in `lang`, needed when both languages
    have that number), or else the one before the current file in `lang` (by default the
    language changed last). `history` is newest first."""
    if to is not None:
        found = [v for v in history if v.number == to and (lang is None or v.lang == lang)]
        if not found:
            where = f" in {lang!r}" if lang else ""
            raise PublishError("no_version", f"guide {slug!r} has no version {to}{where}")
        if len(found) > 1:
            langs = " and ".join(sorted(v.lang for v in found))
            raise PublishError(
                "which_language",
                f"guide {slug!r} has a v{to} in {langs}; say which language (--lang)",
            )
        return found[0]
    lang = check_lang(lang, languages) if lang else history[0].lang
    current = next((v for v in history if v.lang == lang), None)
    for version in history:
        if version.lang == lang and current and version.sha256 != current.sha256:
            return version
    raise PublishError("no_version", f"guide {slug!r} has no earlier {lang} version")
