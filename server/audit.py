"""The append-only audit log: who did what to which guide, when, with the old and new sha256."""

from __future__ import annotations

import csv
import io
import ipaddress
from collections.abc import Iterable
from dataclasses import fields
from datetime import UTC, datetime, timedelta

from server.storage.records import Records
from server.storage.rows import (
    ACTIONS,
    SIGN_IN_ACTIONS,
    SIGN_IN_RETENTION_DAYS,
    AuditEntry,
    AuditFilter,
    AuditRecord,
)

__all__ = ["ACTIONS", "SIGN_IN_ACTIONS", "AuditEntry", "AuditFilter", "AuditLog", "audit_csv"]


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


class AuditLog:
    def __init__(self, db: Records) -> None:
        self.db = db

    def record(self, actor: str, action: str, **values: str) -> None:
        self.db.audit.add(AuditRecord(actor, action, **values))

    def entries(
        self, where: AuditFilter | None = None, limit: int | None = 500
    ) -> list[AuditEntry]:
        """Newest first."""
        return self.db.audit.entries(where or AuditFilter(), limit)

    def prune_sign_ins(self, now: datetime | None = None) -> int:
        """Delete sign-in records older than the retention; the number deleted.

        The records allow this deletion only.
        """
        # A minute of slack, so the database's own clock (its rule) agrees.
        cutoff = (now or datetime.now(UTC)) - timedelta(days=SIGN_IN_RETENTION_DAYS, minutes=1)
        return self.db.audit.prune_sign_ins(cutoff.isoformat(timespec="seconds"))

    def actors(self) -> list[str]:
        return self.db.audit.actors()


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
