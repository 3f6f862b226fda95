"""The SQLite records of the public side: usage counts, feedback answers and notices."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from server.storage.rows import (
    Answer,
    AuditRecord,
    FeedbackRecord,
    GuideTally,
    NewNotice,
    NoticeRow,
    SeenLimits,
    UsageEvent,
    UsageRow,
)
from server.storage.sqlite_people import insert_audit

if TYPE_CHECKING:
    from server.storage.sqlite_db import Database


class SqliteUsage:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self, counts: Iterable[UsageRow], events: Iterable[UsageEvent], limits: SeenLimits
    ) -> int:
        with self.db.transaction() as conn:
            _add_counts(conn, list(counts))
            return _record(conn, events, limits)

    def rows(self, since: str) -> list[UsageRow]:
        with self.db.transaction() as conn:
            found = conn.execute(
                "SELECT day, metric, guide, lang, count FROM usage_daily WHERE day >= ?"
                " ORDER BY day, metric, guide, lang",
                (since,),
            ).fetchall()
        return [(r[0], r[1], r[2], r[3], int(r[4])) for r in found]


def _add_counts(conn: sqlite3.Connection, rows: list[UsageRow]) -> None:
    conn.executemany(
        "INSERT INTO usage_daily (day, metric, guide, lang, count) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (day, metric, guide, lang)"
        " DO UPDATE SET count = count + excluded.count",
        rows,
    )


def _record(conn: sqlite3.Connection, events: Iterable[UsageEvent], limits: SeenLimits) -> int:
    counted = 0
    stored: dict[str, int] = {}
    for event in events:
        if event.day not in stored:
            stored[event.day] = conn.execute(
                "SELECT COUNT(*) FROM usage_seen WHERE day = ?", (event.day,)
            ).fetchone()[0]
        if stored[event.day] >= limits.per_day:
            continue
        stored[event.day] += 1
        inserted = conn.execute(
            "INSERT OR IGNORE INTO usage_seen (id, day) VALUES (?, ?)",
            (event.id_hash, event.day),
        ).rowcount
        if inserted:
            counted += 1
            _add_counts(conn, [(event.day, *count, 1) for count in event.counts])
    if counted:
        conn.execute("DELETE FROM usage_seen WHERE day < ?", (limits.since_day,))
        # Rowids grow with each id kept, so the newest `total` stay (cheap: no count).
        newest = conn.execute("SELECT max(rowid) FROM usage_seen").fetchone()[0] or 0
        conn.execute("DELETE FROM usage_seen WHERE rowid <= ?", (newest - limits.total,))
    return counted


class SqliteFeedback:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, answer: Answer, day: str) -> bool:
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO feedback (id, day, guide, lang, section, helpful, comment)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (answer.id, day, answer.guide, answer.lang, answer.section,
                 int(answer.helpful), answer.comment),
            )  # fmt: skip
            return cursor.rowcount == 1

    def tallies(self) -> list[GuideTally]:
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT guide, SUM(helpful), SUM(1 - helpful), SUM(comment != '')"
                " FROM feedback GROUP BY guide ORDER BY guide"
            ).fetchall()
        return [GuideTally(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]

    def records(self, guide: str = "", limit: int | None = None) -> list[FeedbackRecord]:
        sql = "SELECT day, guide, lang, section, helpful, comment FROM feedback"
        params: list[str] = []
        if guide:
            sql += " WHERE guide = ?"
            params.append(guide)
        sql += " ORDER BY day DESC, rowid DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.db.transaction() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [FeedbackRecord(r[0], r[1], r[2], r[3], "yes" if r[4] else "no", r[5]) for r in rows]


_NOTICE_COLUMNS = "id, text_id, text_en, starts_at, ends_at, created_by"


class SqliteNotices:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, notice: NewNotice, audit: Callable[[int], AuditRecord]) -> int:
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO notices (text_id, text_en, starts_at, ends_at, created_at, created_by)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (notice.text_id, notice.text_en, notice.starts_at, notice.ends_at,
                 notice.created_at, notice.created_by),
            )  # fmt: skip
            notice_id = int(cursor.lastrowid or 0)
            insert_audit(conn, audit(notice_id))
        return notice_id

    def remove(
        self, notice_id: int, removed_at: str, actor: str, audit: Callable[[NoticeRow], AuditRecord]
    ) -> NoticeRow | None:
        with self.db.transaction() as conn:
            row = conn.execute(
                f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE id = ? AND removed_at IS NULL",
                (notice_id,),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE notices SET removed_at = ?, removed_by = ? WHERE id = ?",
                (removed_at, actor, notice_id),
            )
            notice = NoticeRow(*row)
            insert_audit(conn, audit(notice))
        return notice

    def current(self, now: str) -> list[NoticeRow]:
        with self.db.transaction() as conn:
            rows = conn.execute(
                f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE removed_at IS NULL AND ends_at > ?"
                " ORDER BY starts_at, id",
                (now,),
            ).fetchall()
        return [NoticeRow(*row) for row in rows]

    def revision(self) -> int:
        # Ids only grow and a removal is never undone: the newest id plus the number removed.
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT COALESCE(MAX(id), 0) + COUNT(removed_at) FROM notices"
            ).fetchone()
        return int(row[0])
