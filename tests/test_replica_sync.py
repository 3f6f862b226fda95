"""A replica following PostgreSQL: files first, then the catalog; and back after a lost link."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from server.catalog_file import CATALOG_NAME
from server.storage.files import FileMissing, sha256_hex
from server.storage.local_files import LocalGuideFiles
from server.storage.pg_db import Postgres
from server.storage.pg_files import PostgresGuideFiles
from server.storage.pg_records import PostgresRecords
from server.storage.replica_files import ReplicaFiles
from server.storage.replica_sync import ReplicaSync
from server.storage.rows import AuditRecord, Version, utc_now
from testkit.pdfs import make_pdf

CATALOG = """[[guide]]
slug = "antrian-paspor"
order = 1
featured = true
last_checked = 2026-11-30
title = {{ id = "Antrian paspor", en = "Passport queue" }}
summary = {{ id = "Cara antre", en = "How to queue" }}
files = {{ id = "antrian-paspor.id.pdf" }}
# {note}
"""


@pytest.fixture
def records(database_url: str) -> Iterator[PostgresRecords]:
    db = Postgres(database_url)
    found = PostgresRecords(db)
    found.ensure()
    yield found
    db.close()


def publish(records: PostgresRecords, data: bytes, note: str, store: bool = True) -> str:
    """What a publish on another replica leaves in PostgreSQL."""
    digest = sha256_hex(data)
    if store:
        PostgresGuideFiles(records.db).put(data)
    number = records.versions.next_number("antrian-paspor", "id")
    pending = records.journal.add_pending("{}")
    with records.journal.finish(pending) as change:
        change.add_version(Version(0, "antrian-paspor", number, "id", digest, len(data), 1,
                                   utc_now(), "budi", "publish", None, "2026-11-30"))  # fmt: skip
        change.add_audit(AuditRecord("budi", "publish", "antrian-paspor", "id"), utc_now())
        change.save_catalog(CATALOG.format(note=note), utc_now())
    return digest


@pytest.fixture
def replica(tmp_path: Path, records: PostgresRecords) -> Iterator[tuple[ReplicaSync, list[int]]]:
    files = ReplicaFiles(LocalGuideFiles(tmp_path / "blobs"), PostgresGuideFiles(records.db))
    reloads: list[int] = []
    sync = ReplicaSync(
        records, files, tmp_path / "guides", lambda: reloads.append(1), poll_seconds=60
    )
    (tmp_path / "guides").mkdir()
    yield sync, reloads
    sync.stop()


def test_files_come_first_and_the_catalog_only_once_all_are_here(
    replica: tuple[ReplicaSync, list[int]], records: PostgresRecords
) -> None:
    sync, reloads = replica
    guides = sync.guides_dir
    first = make_pdf("Versi satu")
    publish(records, first, "v1")
    assert sync.catch_up()
    assert (guides / "antrian-paspor.id.pdf").read_bytes() == first
    assert "# v1" in (guides / CATALOG_NAME).read_text()
    assert reloads == [1] and sync.status.version == 1

    # Recorded, but its file is not stored (yet): the replica keeps serving version 1.
    second = make_pdf("Versi dua")
    publish(records, second, "v2", store=False)
    with pytest.raises(FileMissing):
        sync.catch_up()
    assert (guides / "antrian-paspor.id.pdf").read_bytes() == first
    assert "# v1" in (guides / CATALOG_NAME).read_text()
    assert reloads == [1] and sync.status.version == 1

    PostgresGuideFiles(records.db).put(second)
    assert sync.catch_up()
    assert (guides / "antrian-paspor.id.pdf").read_bytes() == second
    assert "# v2" in (guides / CATALOG_NAME).read_text()
    assert sync.status.version == 2


def test_a_listening_replica_hears_a_publish_and_catches_up_after_a_lost_connection(
    replica: tuple[ReplicaSync, list[int]], records: PostgresRecords, database_url: str
) -> None:
    sync, _ = replica
    target = sync.guides_dir / "antrian-paspor.id.pdf"
    sync.listen()
    wait(lambda: sync.status.listening)
    data = make_pdf("Didengar")
    publish(records, data, "heard")
    wait(lambda: target.exists() and target.read_bytes() == data)

    # The database drops the replica's connection (a restart, a network cut) …
    with psycopg.connect(database_url, autocommit=True) as admin:
        ended = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE pid <> pg_backend_pid() AND (query LIKE 'LISTEN%%' OR query = 'SELECT 1')"
        ).fetchall()
    assert ended == [(True,)]  # the replica's listening connection, alone
    # … and what is published meanwhile still arrives, by the catch-up on reconnecting.
    later = make_pdf("Sesudah putus")
    publish(records, later, "after")
    wait(lambda: target.read_bytes() == later)
    wait(lambda: sync.status.listening and sync.status.version == 2)


def wait(check: object, timeout: float = 15.0) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)
