"""The `Records` interface on PostgreSQL: accounts, sessions, login throttling, audit, usage,
feedback and notices, each method one short transaction on a pooled connection."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psycopg

from server.settings import shown_url
from server.storage.errors import DatabaseProblem
from server.storage.pg_db import Connection, Postgres, PostgresProblem
from server.storage.pg_journal import (
    PostgresJournal,
    PostgresPublishLock,
    PostgresVersions,
    add_audit,
)
from server.storage.records import CatalogListener, Records
from server.storage.rows import (
    Answer,
    AuditEntry,
    AuditFilter,
    AuditRecord,
    FeedbackRecord,
    GuideTally,
    NewNotice,
    NoticeRow,
    SeenLimits,
    SessionRow,
    Throttled,
    UsageEvent,
    UsageRow,
    utc_now,
)

SIGN_IN_ACTIONS = ("login", "login_failed", "logout")
# Any fixed number: login tries are decided one at a time, across replicas.
_LOGIN_LOCK = 0x4C4F47494E


class PostgresAccounts:
    def __init__(self, db: Postgres) -> None:
        self.db = db

    def names(self) -> list[str]:
        with self.db.connect() as conn:
            return [r["name"] for r in conn.execute("SELECT name FROM accounts ORDER BY name")]

    def password_hash(self, name: str) -> str | None:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT password_hash FROM accounts WHERE name = %s", (name,)
            ).fetchone()
        return str(row["password_hash"]) if row else None

    def add(self, name: str, password_hash: str, audit: AuditRecord) -> bool:
        now = utc_now()
        with self.db.connect() as conn:
            added = conn.execute(
                "INSERT INTO accounts (name, password_hash, created_at, password_changed_at)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
                (name, password_hash, now, now),
            ).rowcount
            if added:
                add_audit(conn, audit, now)
        return bool(added)

    def set_password(self, name: str, password_hash: str, audit: AuditRecord) -> bool:
        with self.db.connect() as conn:
            changed = conn.execute(
                "UPDATE accounts SET password_hash = %s, password_changed_at = %s WHERE name = %s",
                (password_hash, utc_now(), name),
            ).rowcount
            if not changed:
                return False
            conn.execute("DELETE FROM sessions WHERE account = %s", (name,))
            add_audit(conn, audit)
        return True

    def remove(self, name: str, audit: AuditRecord) -> bool:
        with self.db.connect() as conn:
            conn.execute("DELETE FROM sessions WHERE account = %s", (name,))
            if not conn.execute("DELETE FROM accounts WHERE name = %s", (name,)).rowcount:
                return False
            add_audit(conn, audit)
        return True

    def rehash(self, name: str, password_hash: str) -> None:
        with self.db.connect() as conn:
            conn.execute(
                "UPDATE accounts SET password_hash = %s WHERE name = %s", (password_hash, name)
            )


class PostgresSessions:
    def __init__(self, db: Postgres) -> None:
        self.db = db

    def add(self, session: SessionRow, idle_since: float, made_since: float) -> None:
        with self.db.connect() as conn:
            conn.execute(
                "INSERT INTO sessions (id, account, csrf, created_at, last_seen)"
                " VALUES (%s, %s, %s, %s, %s)",
                (session.id_hash, session.account, session.csrf, session.created_at,
                 session.last_seen),
            )  # fmt: skip
            conn.execute(
                "DELETE FROM sessions WHERE last_seen < %s OR created_at < %s",
                (idle_since, made_since),
            )

    def get(self, id_hash: str) -> SessionRow | None:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT id, account, csrf, created_at, last_seen FROM sessions WHERE id = %s",
                (id_hash,),
            ).fetchone()
        if row is None:
            return None
        return SessionRow(
            row["id"], row["account"], row["csrf"], row["created_at"], row["last_seen"]
        )

    def touch(self, id_hash: str, last_seen: float) -> None:
        with self.db.connect() as conn:
            conn.execute("UPDATE sessions SET last_seen = %s WHERE id = %s", (last_seen, id_hash))

    def remove(self, id_hash: str) -> None:
        with self.db.connect() as conn:
            conn.execute("DELETE FROM sessions WHERE id = %s", (id_hash,))

    def signing_key(self) -> bytes:
        """The same for every replica: made once, by whichever asks first."""
        with self.db.connect() as conn:
            conn.execute(
                "INSERT INTO site_secrets (name, value) VALUES ('cookies', %s)"
                " ON CONFLICT (name) DO NOTHING",
                (secrets.token_hex(32),),
            )
            row = conn.execute("SELECT value FROM site_secrets WHERE name = 'cookies'").fetchone()
        assert row is not None
        return str(row["value"]).encode()


class PostgresLoginFailures:
    def __init__(self, db: Postgres) -> None:
        self.db = db

    def reserve(self, limits: Sequence[tuple[str, int]], now: float, window: float) -> Throttled:
        with self.db.connect() as conn:
            # One try at a time decides, across every replica; released at commit.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOGIN_LOCK,))
            conn.execute("DELETE FROM login_failures WHERE at < %s", (now - window,))
            retry_after, counts = 0, {}
            for key, limit in limits:
                row = conn.execute(
                    "SELECT COUNT(*) AS n, MIN(at) AS first FROM login_failures WHERE key = %s",
                    (key,),
                ).fetchone()
                assert row is not None
                count, first = int(row["n"]), row["first"]
                counts[key] = count
                if count >= limit and first is not None:
                    # Free again once enough of the failures have aged out of the window.
                    needed = conn.execute(
                        "SELECT at FROM login_failures WHERE key = %s ORDER BY at DESC"
                        " LIMIT 1 OFFSET %s",
                        (key, limit - 1),
                    ).fetchone()
                    until = (needed["at"] if needed else first) + window
                    retry_after = max(retry_after, int(until - now) + 1)
            if retry_after:
                return Throttled(retry_after, counts)
            reserved = []
            for key, _ in limits:
                row = conn.execute(
                    "INSERT INTO login_failures (key, at) VALUES (%s, %s) RETURNING id",
                    (key, now),
                ).fetchone()
                assert row is not None
                reserved.append(int(row["id"]))
        return Throttled(0, counts, tuple(reserved))

    def withdraw(self, reserved: Sequence[int]) -> None:
        with self.db.connect() as conn:
            conn.execute("DELETE FROM login_failures WHERE id = ANY(%s)", (list(reserved),))

    def forgive(self, reserved: Sequence[int], key: str) -> None:
        with self.db.connect() as conn:
            conn.execute("DELETE FROM login_failures WHERE id = ANY(%s)", (list(reserved),))
            conn.execute("DELETE FROM login_failures WHERE key = %s", (key,))


class PostgresAudit:
    def __init__(self, db: Postgres) -> None:
        self.db = db

    def add(self, entry: AuditRecord, at: str | None = None) -> None:
        with self.db.connect() as conn:
            add_audit(conn, entry, at)

    def entries(
        self, where: AuditFilter | None = None, limit: int | None = 500
    ) -> list[AuditEntry]:
        clauses, params = [], []
        if where is not None:
            for column, value in (
                ("action", where.action),
                ("guide", where.guide),
                ("actor", where.actor),
            ):
                if value:
                    clauses.append(f"{column} = %s")
                    params.append(value)
            if where.since:
                clauses.append("at >= %s")
                params.append(where.since)
            if where.until:
                # Dates compare as prefixes of the ISO timestamps.
                clauses.append("substr(at, 1, 10) <= %s")
                params.append(where.until)
        sql = "SELECT * FROM audit"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.db.connect() as conn:
            rows = conn.execute(sql.encode(), params).fetchall()
        return [AuditEntry(**row) for row in rows]

    def actors(self) -> list[str]:
        with self.db.connect() as conn:
            rows = conn.execute("SELECT DISTINCT actor FROM audit ORDER BY actor").fetchall()
        return [row["actor"] for row in rows]

    def prune_sign_ins(self, before: str) -> int:
        with self.db.connect() as conn:
            return conn.execute(
                "DELETE FROM audit WHERE action = ANY(%s) AND at < %s",
                (list(SIGN_IN_ACTIONS), before),
            ).rowcount


class PostgresUsage:
    def __init__(self, db: Postgres) -> None:
        self.db = db

    def add(
        self, counts: Iterable[UsageRow], events: Iterable[UsageEvent], limits: SeenLimits
    ) -> int:
        with self.db.connect() as conn:
            _add_counts(conn, list(counts))
            counted = 0
            stored: dict[str, int] = {}
            for event in events:
                if event.day not in stored:
                    row = conn.execute(
                        "SELECT COUNT(*) AS n FROM usage_seen WHERE day = %s", (event.day,)
                    ).fetchone()
                    stored[event.day] = int(row["n"]) if row else 0
                if stored[event.day] >= limits.per_day:
                    continue
                stored[event.day] += 1
                inserted = conn.execute(
                    "INSERT INTO usage_seen (id, day) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    (event.id_hash, event.day),
                ).rowcount
                if inserted:
                    counted += 1
                    _add_counts(conn, [(event.day, *count, 1) for count in event.counts])
            if counted:
                conn.execute("DELETE FROM usage_seen WHERE day < %s", (limits.since_day,))
                top = conn.execute("SELECT COALESCE(MAX(seq), 0) AS n FROM usage_seen").fetchone()
                newest = int(top["n"]) if top else 0
                conn.execute("DELETE FROM usage_seen WHERE seq <= %s", (newest - limits.total,))
        return counted

    def rows(self, since: str) -> list[UsageRow]:
        with self.db.connect() as conn:
            found = conn.execute(
                "SELECT day, metric, guide, lang, count FROM usage_daily WHERE day >= %s"
                " ORDER BY day, metric, guide, lang",
                (since,),
            ).fetchall()
        return [(r["day"], r["metric"], r["guide"], r["lang"], int(r["count"])) for r in found]


def _add_counts(conn: Connection, rows: list[UsageRow]) -> None:
    if not rows:
        return
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO usage_daily (day, metric, guide, lang, count)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (day, metric, guide, lang)"
            " DO UPDATE SET count = usage_daily.count + excluded.count",
            rows,
        )


class PostgresFeedback:
    def __init__(self, db: Postgres) -> None:
        self.db = db

    def save(self, answer: Answer, day: str) -> bool:
        row = (answer.id, day, answer.guide, answer.lang, answer.section, int(answer.helpful),
               answer.comment)  # fmt: skip
        with self.db.connect() as conn:
            cursor = conn.execute(
                "INSERT INTO feedback (id, day, guide, lang, section, helpful, comment)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                row,
            )
            return cursor.rowcount == 1

    def tallies(self) -> list[GuideTally]:
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT guide, SUM(helpful) AS yes, SUM(1 - helpful) AS no,"
                " SUM(CASE WHEN comment <> '' THEN 1 ELSE 0 END) AS comments"
                " FROM feedback GROUP BY guide ORDER BY guide"
            ).fetchall()
        return [
            GuideTally(r["guide"], int(r["yes"]), int(r["no"]), int(r["comments"])) for r in rows
        ]

    def records(self, guide: str = "", limit: int | None = None) -> list[FeedbackRecord]:
        sql = "SELECT day, guide, lang, section, helpful, comment FROM feedback"
        params: list[Any] = []
        if guide:
            sql += " WHERE guide = %s"
            params.append(guide)
        sql += " ORDER BY day DESC, guide, lang, section"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.db.connect() as conn:
            rows = conn.execute(sql.encode(), params).fetchall()
        return [
            FeedbackRecord(r["day"], r["guide"], r["lang"], r["section"],
                           "yes" if r["helpful"] else "no", r["comment"])
            for r in rows
        ]  # fmt: skip


class PostgresNotices:
    def __init__(self, db: Postgres) -> None:
        self.db = db

    def add(self, notice: NewNotice, audit: Callable[[int], AuditRecord]) -> int:
        with self.db.connect() as conn:
            row = conn.execute(
                "INSERT INTO notices (text_id, text_en, starts_at, ends_at, created_at,"
                " created_by) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (notice.text_id, notice.text_en, notice.starts_at, notice.ends_at,
                 notice.created_at, notice.created_by),
            ).fetchone()  # fmt: skip
            assert row is not None
            notice_id = int(row["id"])
            add_audit(conn, audit(notice_id))
        return notice_id

    def remove(
        self, notice_id: int, removed_at: str, actor: str, audit: Callable[[NoticeRow], AuditRecord]
    ) -> NoticeRow | None:
        with self.db.connect() as conn:
            row = conn.execute(
                "UPDATE notices SET removed_at = %s, removed_by = %s"
                " WHERE id = %s AND removed_at IS NULL RETURNING *",
                (removed_at, actor, notice_id),
            ).fetchone()
            if row is None:
                return None
            notice = _notice(row)
            add_audit(conn, audit(notice))
        return notice

    def current(self, now: str) -> list[NoticeRow]:
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM notices WHERE removed_at IS NULL AND ends_at > %s"
                " ORDER BY starts_at, id",
                (now,),
            ).fetchall()
        return [_notice(row) for row in rows]

    def revision(self) -> int:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT COALESCE(MAX(id), 0) + COUNT(removed_at) AS r FROM notices"
            ).fetchone()
        return int(row["r"]) if row else 0


def _notice(row: dict[str, Any]) -> NoticeRow:
    return NoticeRow(
        id=int(row["id"]),
        text_id=row["text_id"],
        text_en=row["text_en"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        created_by=row["created_by"],
    )


class PostgresRecords:
    """Every record of a replicated install, in one PostgreSQL database."""

    def __init__(self, db: Postgres) -> None:
        self.db = db
        self.accounts = PostgresAccounts(db)
        self.sessions = PostgresSessions(db)
        self.login_failures = PostgresLoginFailures(db)
        self.versions = PostgresVersions(db)
        self.audit = PostgresAudit(db)
        self.usage = PostgresUsage(db)
        self.feedback = PostgresFeedback(db)
        self.notices = PostgresNotices(db)
        self.journal = PostgresJournal(db)
        self.publish_lock = PostgresPublishLock(db)
        self._ready = False

    def ensure(self) -> None:
        if not self._ready:
            self.db.upgrade()
            self._ready = True

    def check(self) -> dict[str, int]:
        self.db.require_current()  # read only: `db upgrade` changes the schema
        with self.db.connect() as conn:
            counts = {
                table: int(conn.execute(f"SELECT COUNT(*) AS n FROM {table}").fetchone()["n"])  # type: ignore[index]
                for table in ("accounts", "versions", "audit", "usage_daily")
            }
        return counts

    def problem(self, exc: BaseException) -> DatabaseProblem | None:
        if isinstance(exc, DatabaseProblem):
            return exc
        if isinstance(exc, psycopg.OperationalError):
            from server.storage.pg_db import problem

            return problem(self.db.url, exc)
        if isinstance(exc, psycopg.errors.DiskFull):
            return PostgresProblem(
                f"the PostgreSQL server at {self.where()} has no room left ({exc}); free "
                "space on it, then try again. Nothing was changed.",
                "db_full",
            )
        return None

    def where(self) -> str:
        return shown_url(self.db.url)

    def on_catalog_change(self, listener: CatalogListener) -> None:
        self.journal.listeners.append(listener)


def _conforms(db: Postgres) -> Records:
    """mypy checks here that PostgresRecords is a `Records`."""
    return PostgresRecords(db)
