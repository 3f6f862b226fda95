"""The records the storage keeps, as plain values: what goes in and what comes back out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from server.clock import office_zone

# Sign-in records (login, login_failed, logout) are kept this long, and are the only audit
# entries that may ever be removed (the records enforce it).
SIGN_IN_ACTIONS = ("login", "login_failed", "logout")
SIGN_IN_RETENTION_DAYS = 90
# Everything the audit log may say was done.
ACTIONS = (
    "publish",
    "rollback",
    "renumber",
    "add_guide",
    "edit",
    "reorder",
    "retire",
    "restore",
    "approve_text",
    *SIGN_IN_ACTIONS,
    "user_add",
    "user_passwd",
    "user_remove",
    "notice_add",
    "notice_remove",
)
# A usage count: day, metric, guide, lang, count.
UsageRow = tuple[str, str, str, str, int]
# What one view counts: metric, guide, lang.
Count = tuple[str, str, str]


def utc_now() -> str:
    """Now, as the records write times: ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Version:
    """One version of one language file of a guide, numbered v1, v2 … per language file."""

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


@dataclass(frozen=True)
class AuditRecord:
    """An audit entry to append (its time is given when it is written)."""

    actor: str
    action: str
    guide: str = ""
    lang: str = ""
    old_sha256: str = ""
    new_sha256: str = ""
    detail: str = ""

    def __post_init__(self) -> None:
        assert self.action in ACTIONS, f"unknown audit action {self.action!r}"


@dataclass(frozen=True)
class AuditEntry:
    """An audit entry as written."""

    id: int
    at: str
    actor: str
    action: str
    guide: str
    lang: str
    old_sha256: str
    new_sha256: str
    detail: str


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    guide: str = ""
    actor: str = ""
    since: str = ""  # an ISO date; entries on or after it
    until: str = ""  # an ISO date; entries on or before it


@dataclass(frozen=True)
class SessionRow:
    """A signed-in admin session; `id_hash` is the hash of the cookie's token, never the token."""

    id_hash: str
    account: str
    csrf: str
    created_at: float  # seconds since the epoch
    last_seen: float


@dataclass(frozen=True)
class Throttled:
    """What `LoginFailureRecords.reserve` decided for one login try."""

    retry_after: int  # seconds; 0 when the try may go ahead
    counts: dict[str, int]  # failures counted per key before this try
    reserved: tuple[int, ...] = ()  # the failure rows reserved for this try


@dataclass(frozen=True)
class CatalogSnapshot:
    """A catalog.toml text as it was written (by a publish) or seen (edited by hand)."""

    sha256: str
    text: str
    saved_at: str


@dataclass(frozen=True)
class UsageEvent:
    """One view or tap, counted once under its id."""

    id_hash: str
    day: str
    counts: tuple[Count, ...]


@dataclass(frozen=True)
class SeenLimits:
    """How many usage event ids are kept: per day, since when, and in all."""

    per_day: int
    since_day: str  # ids of days before this ISO date are forgotten
    total: int


@dataclass(frozen=True)
class NewNotice:
    text_id: str
    text_en: str
    starts_at: str  # ISO, UTC
    ends_at: str
    created_at: str
    created_by: str


@dataclass(frozen=True)
class NoticeRow:
    """A notice as stored; removed ones are kept but not returned by `current`."""

    id: int
    text_id: str
    text_en: str
    starts_at: str
    ends_at: str
    created_by: str


@dataclass(frozen=True)
class Answer:
    """One "was this helpful?" answer, already checked."""

    id: str
    guide: str
    lang: str
    section: str
    helpful: bool
    comment: str


@dataclass(frozen=True)
class GuideTally:
    guide: str
    yes: int
    no: int
    comments: int


@dataclass(frozen=True)
class FeedbackRecord:
    day: str
    guide: str
    lang: str
    section: str
    helpful: str  # yes / no
    comment: str
