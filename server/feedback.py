"""'Was this helpful?' answers: checking what a phone sends, storing it, reading it back.

Anonymous by design: a record holds the guide, the language, yes or no, an optional comment
and the day, nothing else. No cookie, no address, no time of day. The phone gives each answer
a random id, so an answer it sends twice (offline, then again) is stored once.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import date
from typing import Any

from server.storage.records import Records
from server.storage.rows import Answer, FeedbackRecord, GuideTally

__all__ = ["Answer", "FeedbackRecord", "FeedbackStore", "GuideTally", "feedback_csv"]
from server.errors import BilangKaryoError
from server.languages import Languages, shipped_languages

MAX_COMMENT = 500
# A JSON or form body: 500 characters, escaped, fit easily; anything bigger is refused unread.
MAX_BODY_BYTES = 8 * 1024
_ID = re.compile(r"^[0-9a-f]{16,64}$")
_SECTION = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# A tag or comment start: "<b", "</", "<!", "<?". Plain "<" or "a < b" stays allowed.
_HTML = re.compile(r"<\s*[a-zA-Z/!?]")


class FeedbackError(BilangKaryoError, ValueError):
    """What was wrong with an answer, or why it cannot be taken now: `code` picks the
    message the phone shows (feedback_err_<code>: html, long, invalid, size, rate, ...),
    the text says it for a developer."""

    status = 400
    message_prefix = "feedback_err_"
    key = "invalid"

    def __init__(
        self,
        detail: str,
        code: str = "invalid",
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail, code, status=status, headers=headers)

    @property
    def code(self) -> str:
        return self.key


def parse_answer(
    data: Mapping[str, Any], guides: set[str], new_id: str, languages: Languages | None = None
) -> Answer:
    """Checks one answer from the JSON body or the form; `new_id` when it brings none."""
    guide = data.get("guide")
    if not isinstance(guide, str) or guide not in guides:
        raise FeedbackError("unknown guide")
    lang = data.get("lang")
    languages = languages or shipped_languages()
    if not isinstance(lang, str) or lang not in languages:
        raise FeedbackError(f"lang must be one of {', '.join(languages.codes)}")
    helpful = data.get("helpful")
    if helpful in ("yes", "no"):
        helpful = helpful == "yes"
    if not isinstance(helpful, bool):
        raise FeedbackError("helpful must be yes or no")
    section = data.get("section", "") or ""
    if not isinstance(section, str) or (section and not _SECTION.fullmatch(section)):
        raise FeedbackError("section must be a section id like 'biaya'")
    answer_id = data.get("id", "") or new_id
    if not isinstance(answer_id, str) or not _ID.fullmatch(answer_id):
        raise FeedbackError("id must be 16 to 64 hex digits")
    return Answer(answer_id, guide, lang, section, helpful, clean_comment(data.get("comment", "")))


def clean_comment(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise FeedbackError("comment must be text")
    text = raw.replace("\r\n", "\n").strip()
    if len(text) > MAX_COMMENT:
        raise FeedbackError(f"comment has {len(text)} characters; at most {MAX_COMMENT}", "long")
    if _HTML.search(text):
        raise FeedbackError("comment must be plain text, without HTML", "html")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") and c not in "\n\t" for c in text):
        raise FeedbackError("comment holds control characters")
    return text


class FeedbackStore:
    def __init__(self, db: Records) -> None:
        self.db = db

    def save(self, answer: Answer, day: date) -> bool:
        """True when stored; False when this id was stored before (a resend)."""
        return self.db.feedback.save(answer, day.isoformat())

    def tallies(self) -> list[GuideTally]:
        return self.db.feedback.tallies()

    def records(self, guide: str = "", limit: int | None = None) -> list[FeedbackRecord]:
        """Newest day first."""
        return self.db.feedback.records(guide, limit)


def feedback_csv(records: Iterable[FeedbackRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = [f.name for f in fields(FeedbackRecord)]
    writer.writerow(names)
    for record in records:
        writer.writerow([_csv_safe(str(getattr(record, name))) for name in names])
    return out.getvalue()


def _csv_safe(value: str) -> str:
    # A cell starting with =, +, - or @ runs as a formula when opened in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
