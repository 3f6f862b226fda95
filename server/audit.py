"""The append-only audit log: who did what to which guide, when, with the old and new sha256."""

from __future__ import annotations

import csv
import io
import ipaddress
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from server.db import SIGN_IN_RETENTION_DAYS, Database, utc_now

SIGN_IN_ACTIONS = ("login", "login_failed", "logout")

ACTIONS = (
    "publish",
    "rollback",
    "renumber",
    "add_guide",
    "edit",
    "reorder",
    "retire",
    "restore",
    "login",
    "login_failed",
    "logout",
    "user_add",
    "user_passwd",
    "user_remove",
    "notice_add",
    "notice_remove",
)


@dataclass(frozen=True)
class AuditEntry:
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


def shorten_address(address: str) -> str:
    """The network an address belongs to, not the address: 203.0.113.0/24, 2001:db8:1::/48.

    Enough for staff to tell the office's network from a stranger's, not enough to
    name one applicant's or staff member's device.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def shorten_detail(detail: str) -> str:
    """A sign-in record's detail ("<address> (locked)") with the address shortened."""
    address, _, rest = str(detail).partition(" ")
    return f"{shorten_address(address)} {rest}".strip()


def record(
    conn: sqlite3.Connection,
    actor: str,
    action: str,
    *,
    guide: str = "",
    lang: str = "",
    old_sha256: str = "",
    new_sha256: str = "",
    detail: str = "",
    at: str | None = None,
) -> None:
    """Append one entry inside the caller's transaction, so it lands with the change itself."""
    assert action in ACTIONS, f"unknown audit action {action!r}"
    conn.execute(
        "INSERT INTO audit (at, actor, action, guide, lang, old_sha256, new_sha256, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (at or utc_now(), actor, action, guide, lang, old_sha256, new_sha256, detail),
    )


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, actor: str, action: str, **values: str) -> None:
        with self.db.connect() as conn:
            record(conn, actor, action, **values)

    def entries(
        self, where: AuditFilter = AuditFilter(), limit: int | None = 500
    ) -> list[AuditEntry]:
        """Newest first."""
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
        with self.db.connect() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [AuditEntry(**dict(row)) for row in rows]

    def prune_sign_ins(self, now: datetime | None = None) -> int:
        """Delete sign-in records older than the retention; the number deleted.

        The database allows this deletion only (see the audit_no_delete trigger).
        """
        # A minute of slack, so the database's own clock (the trigger) agrees.
        cutoff = (now or datetime.now(UTC)) - timedelta(days=SIGN_IN_RETENTION_DAYS, minutes=1)
        marks = ", ".join("?" for _ in SIGN_IN_ACTIONS)
        with self.db.connect() as conn:
            return conn.execute(
                f"DELETE FROM audit WHERE action IN ({marks}) AND at < ?",
                (*SIGN_IN_ACTIONS, cutoff.isoformat(timespec="seconds")),
            ).rowcount

    def actors(self) -> list[str]:
        with self.db.connect() as conn:
            rows = conn.execute("SELECT DISTINCT actor FROM audit ORDER BY actor").fetchall()
        return [row[0] for row in rows]


def audit_csv(entries: Iterable[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = [f.name for f in fields(AuditEntry)]
    writer.writerow(names)
    for entry in entries:
        writer.writerow([_csv_safe(str(getattr(entry, name))) for name in names])
    return out.getvalue()


def _csv_safe(value: str) -> str:
    # A cell starting with =, +, - or @ runs as a formula when opened in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
