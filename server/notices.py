"""Announcements on the landing page: a short text in id and en, shown from a start to an end.

Tikkim post them from the admin or `bilang-karyo notice add`; each change is one SQLite
transaction with its audit entry. The landing page carries every notice that has not ended
(future ones hidden), with their times, so that the phone shows and hides them by its own
clock, offline too (pwa/static/office.js). At most `MAX_SHOWN` show at once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from server import audit
from server.db import Database, utc_now
from server.errors import BilangKaryoError

NOTICES_URL = "/api/notices"
MAX_SHOWN = 3
MAX_CHARS = 200
MAX_DAYS = 366
# Notices not yet ended that the page carries (the soonest starting); the rest wait a rebuild.
MAX_CARRIED = 10
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}$")


class NoticeError(BilangKaryoError, ValueError):
    """A notice that cannot be posted or removed; `key` names the message for the admin."""

    status = 400

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail, key)


@dataclass(frozen=True)
class Notice:
    id: int
    text: dict[str, str]
    starts_at: datetime  # aware, UTC
    ends_at: datetime
    created_by: str

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "id_text": self.text["id"],
            "en_text": self.text["en"],
            # Milliseconds since the epoch: what Date.now() compares with on the phone.
            "start": int(self.starts_at.timestamp() * 1000),
            "end": int(self.ends_at.timestamp() * 1000),
        }


def shown(notices: list[Notice], now: datetime) -> list[Notice]:
    """The notices a page shows at `now`: the active ones, newest start first, at most three."""
    active = [n for n in notices if n.active(now)]
    return sorted(active, key=lambda n: (n.starts_at, n.id), reverse=True)[:MAX_SHOWN]


def parse_local_time(raw: str, zone: tzinfo, field: str) -> datetime:
    """`2026-12-01 08:00` in the office's time zone, as an aware UTC datetime."""
    raw = raw.strip()
    if not _LOCAL_TIME.fullmatch(raw):
        raise NoticeError("notice_bad_time", f"{field}: write it as YYYY-MM-DD HH:MM, got {raw!r}")
    try:
        local = datetime.fromisoformat(raw.replace(" ", "T"))
    except ValueError:
        raise NoticeError("notice_bad_time", f"{field}: no such date or time: {raw!r}") from None
    return local.replace(tzinfo=zone).astimezone(UTC)


def clean_text(raw: str, lang: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise NoticeError("notice_no_text", f"the {lang} text is empty; write it in both languages")
    if len(text) > MAX_CHARS:
        raise NoticeError(
            "notice_too_long", f"the {lang} text has {len(text)} characters; at most {MAX_CHARS}"
        )
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") for c in text):
        raise NoticeError("notice_bad_text", f"the {lang} text holds control characters")
    return text


class NoticeStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self, text: dict[str, str], starts_at: datetime, ends_at: datetime, actor: str,
        now: datetime | None = None,
    ) -> Notice:  # fmt: skip
        now = now or datetime.now(UTC)
        cleaned = {lang: clean_text(text.get(lang, ""), lang) for lang in ("id", "en")}
        if ends_at <= starts_at:
            raise NoticeError("notice_bad_period", "the end must come after the start")
        if ends_at <= now:
            raise NoticeError("notice_bad_period", "the end is already past")
        if ends_at - starts_at > timedelta(days=MAX_DAYS):
            raise NoticeError("notice_bad_period", f"a notice runs at most {MAX_DAYS} days")
        with self.db.connect() as conn:
            cursor = conn.execute(
                "INSERT INTO notices (text_id, text_en, starts_at, ends_at, created_at, created_by)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (cleaned["id"], cleaned["en"], starts_at.isoformat(), ends_at.isoformat(),
                 utc_now(), actor),
            )  # fmt: skip
            notice_id = int(cursor.lastrowid or 0)
            audit.record(
                conn, actor, "notice_add",
                detail=f"#{notice_id} {starts_at.isoformat()} - {ends_at.isoformat()}: "
                f"{cleaned['id']} / {cleaned['en']}",
            )  # fmt: skip
        return Notice(notice_id, cleaned, starts_at, ends_at, actor)

    def remove(self, notice_id: int, actor: str) -> Notice:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT * FROM notices WHERE id = ? AND removed_at IS NULL", (notice_id,)
            ).fetchone()
            if row is None:
                raise NoticeError("notice_unknown", f"there is no notice #{notice_id} to remove")
            conn.execute(
                "UPDATE notices SET removed_at = ?, removed_by = ? WHERE id = ?",
                (utc_now(), actor, notice_id),
            )
            notice = _notice(row)
            audit.record(
                conn, actor, "notice_remove",
                detail=f"#{notice_id}: {notice.text['id']} / {notice.text['en']}",
            )  # fmt: skip
        return notice

    def current(self, now: datetime | None = None) -> list[Notice]:
        """Notices not removed and not ended, soonest start first."""
        now = now or datetime.now(UTC)
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM notices WHERE removed_at IS NULL AND ends_at > ?"
                " ORDER BY starts_at, id",
                (now.isoformat(),),
            ).fetchall()
        return [_notice(row) for row in rows]

    def revision(self) -> int:
        """Grows with every notice added or removed (by any process): the newest id plus the
        number removed, as ids only grow and a removal is never undone."""
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT COALESCE(MAX(id), 0) + COUNT(removed_at) FROM notices"
            ).fetchone()
        return int(row[0])


def _notice(row: Any) -> Notice:
    return Notice(
        id=row["id"],
        text={"id": row["text_id"], "en": row["text_en"]},
        starts_at=datetime.fromisoformat(row["starts_at"]),
        ends_at=datetime.fromisoformat(row["ends_at"]),
        created_by=row["created_by"],
    )


@dataclass(frozen=True)
class NoticeBoard:
    """What one build of the site shows: the carried notices and when that was decided."""

    notices: tuple[Notice, ...]
    built_at: datetime
    revision: int = 0  # grows with every change: `NoticeStore.revision`

    @property
    def shown(self) -> list[Notice]:
        return shown(list(self.notices), self.built_at)

    def key(self, now: datetime) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Changes when the page must be built again: other notices, or others active."""
        carried = tuple(n.id for n in self.notices)
        return carried, tuple(n.id for n in shown(list(self.notices), now))


def board_from(store: NoticeStore | None, now: datetime | None = None) -> NoticeBoard:
    now = now or datetime.now(UTC)
    if store is None:
        return NoticeBoard((), now)
    revision = store.revision()
    return NoticeBoard(tuple(store.current(now)[:MAX_CARRIED]), now, revision)
