"""The records on PostgreSQL: shared by replicas, and a publish's records all or nothing."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from server.storage.pg_db import CATALOG_CHANNEL, Postgres
from server.storage.pg_files import PostgresGuideFiles
from server.storage.pg_records import PostgresRecords
from server.storage.rows import AuditFilter, AuditRecord, SessionRow, Version

PDF = b"%PDF-1.7\nversion one\n"


@pytest.fixture
def replicas(database_url: str) -> Iterator[tuple[PostgresRecords, PostgresRecords]]:
    """Two replicas' records: two pools on one database."""
    first, second = Postgres(database_url), Postgres(database_url)
    a, b = PostgresRecords(first), PostgresRecords(second)
    a.ensure()
    b.ensure()
    yield a, b
    first.close()
    second.close()


def version(sha256: str, number: int = 1) -> Version:
    at = "2026-11-30T06:00:00+00:00"
    return Version(0, "paspor-baru", number, "id", sha256, len(PDF), 1, at, "tikkim", "publish",
                   None, "2026-11-30")  # fmt: skip


def test_an_account_and_session_made_on_one_replica_work_on_the_other(
    replicas: tuple[PostgresRecords, PostgresRecords],
) -> None:
    a, b = replicas
    assert a.accounts.add("tikkim", "hash-1", AuditRecord("cli", "user_add", detail="tikkim"))
    assert not b.accounts.add("tikkim", "hash-2", AuditRecord("cli", "user_add"))
    assert b.accounts.password_hash("tikkim") == "hash-1"
    a.sessions.add(SessionRow("s1", "tikkim", "csrf", 100.0, 100.0), 0.0, 0.0)
    assert b.sessions.get("s1") == SessionRow("s1", "tikkim", "csrf", 100.0, 100.0)
    b.sessions.touch("s1", 160.0)
    found = a.sessions.get("s1")
    assert found is not None and found.last_seen == 160.0
    assert b.accounts.set_password("tikkim", "hash-3", AuditRecord("cli", "user_passwd"))
    assert a.sessions.get("s1") is None  # a new password ends every session, everywhere
    assert [e.action for e in a.audit.entries(AuditFilter(actor="cli"))] == [
        "user_passwd",
        "user_add",
    ]


def test_the_login_throttle_counts_tries_on_every_replica(
    replicas: tuple[PostgresRecords, PostgresRecords],
) -> None:
    a, b = replicas
    limits = [("address:x", 3), ("account:tikkim", 30)]
    for replica in (a, b, a):
        assert replica.login_failures.reserve(limits, 1000.0, 900.0).retry_after == 0
    refused = b.login_failures.reserve(limits, 1001.0, 900.0)
    assert refused.retry_after == 900  # until the first try ages out of the window
    assert refused.counts == {"address:x": 3, "account:tikkim": 3}
    # A right password forgives the address, on whichever replica it was typed.
    fresh = b.login_failures.reserve([("address:y", 3), ("account:tikkim", 30)], 1002.0, 900.0)
    a.login_failures.forgive(fresh.reserved, "address:x")
    assert b.login_failures.reserve(limits, 1003.0, 900.0).retry_after == 0


def test_a_publish_is_recorded_whole_and_heard_by_the_other_replica(
    replicas: tuple[PostgresRecords, PostgresRecords], database_url: str
) -> None:
    a, b = replicas
    files = PostgresGuideFiles(a.db)
    digest = files.put(PDF)
    heard: list[str] = []
    b_told: list[int] = []
    a.on_catalog_change(lambda: heard.append("a"))
    b.on_catalog_change(lambda: b_told.append(1))
    with psycopg.connect(database_url, autocommit=True) as listener:
        listener.execute(f"LISTEN {CATALOG_CHANNEL}")
        pending = a.journal.add_pending('{"change": 1}')
        assert [p for p, _ in b.journal.pending()] == [pending]
        with a.journal.finish(pending) as transaction:
            transaction.add_version(version(digest))
            transaction.add_audit(AuditRecord("tikkim", "publish", "paspor-baru", "id"), "t")
            transaction.save_catalog("# catalog v1\n", "2026-11-30T06:00:00+00:00")
        notices = list(listener.notifies(timeout=5, stop_after=1))
    assert [n.payload for n in notices] == ["1"]
    assert heard == ["a"]
    assert b_told == []  # told by LISTEN (replica_sync.py), not in this process
    assert b.journal.pending() == []
    assert b.versions.current_hashes() == {("paspor-baru", "id"): digest}
    latest = b.journal.latest_catalog()
    assert latest is not None and latest.text == "# catalog v1\n"
    assert b.journal.catalog_version() == 1


def test_a_failed_publish_leaves_no_record_and_tells_no_one(
    replicas: tuple[PostgresRecords, PostgresRecords],
) -> None:
    a, b = replicas
    digest = PostgresGuideFiles(a.db).put(PDF)
    heard: list[str] = []
    a.on_catalog_change(lambda: heard.append("a"))
    pending = a.journal.add_pending("{}")
    with pytest.raises(RuntimeError), a.journal.finish(pending) as transaction:
        transaction.add_version(version(digest))
        transaction.save_catalog("# catalog v1\n", "2026-11-30T06:00:00+00:00")
        raise RuntimeError("killed half-way")
    assert heard == []
    assert b.versions.current_hashes() == {}
    assert b.journal.latest_catalog() is None
    assert [p for p, _ in b.journal.pending()] == [pending]  # still to finish
    assert b.journal.catalog_version() == 0
