"""The records interface: accounts, sessions, login throttling, versions, audit, usage, feedback,
notices, and the journal's all-or-nothing transaction.

`Records` groups one small interface per kind of record. The embedded default is SQLite
(`sqlite_db.Database`); a server database implements the same methods, each of them one
short transaction that may run on any connection of a pool. Errors leave as
`DatabaseProblem` (locked, full, damaged, gone) or `OSError`, never as a driver's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from server.storage.errors import DatabaseProblem
from server.storage.rows import (
    Answer,
    AuditEntry,
    AuditFilter,
    AuditRecord,
    CatalogSnapshot,
    FeedbackRecord,
    GuideTally,
    NewNotice,
    NoticeRow,
    SeenLimits,
    SessionRow,
    Throttled,
    UsageEvent,
    UsageRow,
    Version,
)


class AccountRecords(Protocol):
    """Staff accounts; each change lands with its audit entry, in one transaction."""

    def names(self) -> list[str]:
        """Every account name, sorted."""
        ...

    def password_hash(self, name: str) -> str | None:
        """The account's password hash; None when there is no such account."""
        ...

    def add(self, name: str, password_hash: str, audit: AuditRecord) -> bool:
        """Add an account; False (and nothing written) when the name is taken."""
        ...

    def set_password(self, name: str, password_hash: str, audit: AuditRecord) -> bool:
        """Change the password and end the account's sessions; False when there is no such
        account."""
        ...

    def remove(self, name: str, audit: AuditRecord) -> bool:
        """Remove the account and its sessions; False when there is no such account."""
        ...

    def rehash(self, name: str, password_hash: str) -> None:
        """Replace a hash made with older settings (no audit entry: nothing changed)."""
        ...


class SessionRecords(Protocol):
    """Admin sessions, shared by every worker (and every replica)."""

    def add(self, session: SessionRow, idle_since: float, made_since: float) -> None:
        """Store `session`; drop those last seen before `idle_since` or made before
        `made_since` (seconds since the epoch)."""
        ...

    def get(self, id_hash: str) -> SessionRow | None: ...

    def touch(self, id_hash: str, last_seen: float) -> None:
        """Note that the session was used at `last_seen`."""
        ...

    def remove(self, id_hash: str) -> None: ...

    def signing_key(self) -> bytes:
        """The key that signs admin cookies and keys login-throttling addresses: made once,
        the same for every worker (and every replica), at least 32 bytes."""
        ...


class LoginFailureRecords(Protocol):
    """Failed logins per key (a hashed address, an account name) over a sliding window."""

    def reserve(self, limits: Sequence[tuple[str, int]], now: float, window: float) -> Throttled:
        """Decide one login try atomically, across processes: count each key's failures
        since `now - window`; when one has reached its limit, refuse (`retry_after`: the
        seconds until enough of them age out); else record the try as a failure of every
        key (`reserved`), which `withdraw` or `forgive` take back."""
        ...

    def withdraw(self, reserved: Sequence[int]) -> None:
        """Take back a reserved try whose password was never checked."""
        ...

    def forgive(self, reserved: Sequence[int], key: str) -> None:
        """A right password: take back the try, and forget every failure of `key`."""
        ...


class VersionRecords(Protocol):
    """Every version of every guide file ever served (written by the journal only)."""

    def history(self, slug: str) -> list[Version]:
        """All languages, newest first."""
        ...

    def get(self, slug: str, lang: str, number: int) -> Version | None: ...

    def current(self, slug: str, lang: str) -> Version | None:
        """The newest version of the guide's file in `lang`."""
        ...

    def latest(self) -> dict[tuple[str, str], Version]:
        """(slug, lang) -> the newest version of each guide file: what guides/ should hold."""
        ...

    def pages_of(self, sha256: str) -> int | None:
        """The page count recorded when these bytes were published (checked then); None
        when no version has them."""
        ...

    def hashes(self) -> set[str]:
        """The sha256 of every version ever recorded (the files clean-up must keep)."""
        ...


class AuditRecords(Protocol):
    """The append-only audit log; only old sign-in records may ever be removed."""

    def add(self, entry: AuditRecord, at: str | None = None) -> None:
        """Append one entry, at `at` (ISO, UTC) or now."""
        ...

    def entries(
        self, where: AuditFilter | None = None, limit: int | None = 500
    ) -> list[AuditEntry]:
        """Newest first; all entries when `where` is None."""
        ...

    def actors(self) -> list[str]:
        """Everyone the log names, sorted."""
        ...

    def prune_sign_ins(self, before: str) -> int:
        """Remove sign-in records (login, login_failed, logout) older than `before` (ISO);
        the number removed."""
        ...


class UsageRecords(Protocol):
    """Anonymous daily counts, and the hashed ids of events already counted."""

    def add(
        self, counts: Iterable[UsageRow], events: Iterable[UsageEvent], limits: SeenLimits
    ) -> int:
        """Add plain counts, and each event whose id is new (within `limits`); the number of
        events counted. One transaction."""
        ...

    def rows(self, since: str) -> list[UsageRow]:
        """The counts from the ISO day `since` on, by day, metric, guide, lang."""
        ...


class FeedbackRecords(Protocol):
    def save(self, answer: Answer, day: str) -> bool:
        """True when stored; False when this answer's id was stored before (a resend)."""
        ...

    def tallies(self) -> list[GuideTally]:
        """Yes, no and comments per guide, by guide."""
        ...

    def records(self, guide: str = "", limit: int | None = None) -> list[FeedbackRecord]:
        """Newest day first; of one guide when `guide` is given."""
        ...


class NoticeRecords(Protocol):
    """Landing-page notices; a removed one keeps its row."""

    def add(self, notice: NewNotice, audit: Callable[[int], AuditRecord]) -> int:
        """Store the notice and `audit(its id)`, in one transaction; its id."""
        ...

    def remove(
        self, notice_id: int, removed_at: str, actor: str, audit: Callable[[NoticeRow], AuditRecord]
    ) -> NoticeRow | None:
        """Mark the notice removed, with `audit(notice)`; None when there is no such notice
        not yet removed."""
        ...

    def current(self, now: str) -> list[NoticeRow]:
        """Notices not removed and not ended at `now` (ISO, UTC), soonest start first."""
        ...

    def revision(self) -> int:
        """Grows with every notice added or removed, by any process."""
        ...


class JournalTransaction(Protocol):
    """The records of one journaled change, written together (see `JournalRecords.finish`)."""

    def add_version(self, version: Version) -> None: ...

    def add_audit(self, entry: AuditRecord, at: str) -> None: ...

    def save_catalog(self, text: str, at: str) -> None:
        """Keep this catalog.toml text; it becomes `latest_catalog`."""
        ...


class JournalRecords(Protocol):
    """The publish journal: a change is saved whole first, applied to the files, and then
    recorded in one transaction that also removes it from the journal."""

    def add_pending(self, payload: str) -> int:
        """Save a decided change (JSON); its id. Durable when it returns."""
        ...

    def pending(self) -> list[tuple[int, str]]:
        """The changes saved but not yet recorded, oldest first: (id, payload)."""
        ...

    def finish(self, pending_id: int) -> AbstractContextManager[JournalTransaction]:
        """A transaction for the change's records. When the block ends without an error, its
        records and the removal of `pending_id` are committed together, and the catalog
        listeners (`Records.on_catalog_change`) are told; on an error, nothing is."""
        ...

    def latest_catalog(self) -> CatalogSnapshot | None:
        """The catalog.toml text saved last (by a publish or as seen in the folder)."""
        ...

    def save_catalog(self, text: str, at: str, audit: AuditRecord | None = None) -> None:
        """Keep a catalog.toml text seen in the folder (edited by hand), with `audit`, in one
        transaction."""
        ...


CatalogListener = Callable[[], None]


class PublishLock(Protocol):
    def held(self) -> AbstractContextManager[None]:
        """Held by one publisher at a time, across threads, processes (and replicas); not
        re-entrant. Every change to the guide files and the journal happens under it."""
        ...


class Records(Protocol):
    """Everything the site records, one small interface per kind."""

    @property
    def accounts(self) -> AccountRecords: ...
    @property
    def sessions(self) -> SessionRecords: ...
    @property
    def login_failures(self) -> LoginFailureRecords: ...
    @property
    def versions(self) -> VersionRecords: ...
    @property
    def audit(self) -> AuditRecords: ...
    @property
    def usage(self) -> UsageRecords: ...
    @property
    def feedback(self) -> FeedbackRecords: ...
    @property
    def notices(self) -> NoticeRecords: ...
    @property
    def journal(self) -> JournalRecords: ...
    @property
    def publish_lock(self) -> PublishLock: ...

    def ensure(self) -> None:
        """Open the records (made, empty, on first use) and check they are still there and
        whole; raises `DatabaseProblem`. Cheap after the first call."""
        ...

    def check(self) -> dict[str, int]:
        """A full integrity check (raises `DatabaseProblem`); the number of accounts,
        versions, audit entries and usage rows."""
        ...

    def problem(self, exc: BaseException) -> DatabaseProblem | None:
        """The `DatabaseProblem` an error means (a full disk, a lock, damage), if it means one."""
        ...

    def where(self) -> str:
        """Where the records are, for messages to staff (a file, a server; never a password)."""
        ...

    def on_catalog_change(self, listener: CatalogListener) -> None:
        """Call `listener` after each journaled change is recorded. A server database also
        tells the other replicas (LISTEN/NOTIFY); the listener then reloads the catalog."""
        ...
