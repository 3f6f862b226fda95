"""The storage implementations the contract tests run against; a new one is added here.

Each maker gets a fresh, empty folder of its own (for SQLite and the local folder, where
they keep their data) and returns a store that is empty. A server implementation (issue 17:
PostgreSQL) adds its maker, which starts from an empty database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from server.storage.files import GuideFiles
from server.storage.local_files import LocalGuideFiles
from server.storage.pg_db import Postgres
from server.storage.pg_files import PostgresGuideFiles
from server.storage.pg_records import PostgresRecords
from server.storage.records import Records
from server.storage.replica_files import ReplicaFiles
from server.storage.sqlite_db import Database
from testkit.postgres import database_for, opened


def _postgres_records(folder: Path) -> Records:
    records = PostgresRecords(opened(Postgres(database_for(folder))))
    records.ensure()
    return records


def _postgres_files(folder: Path) -> GuideFiles:
    db = opened(Postgres(database_for(folder)))
    db.upgrade()
    return PostgresGuideFiles(db)


def _replica_files(folder: Path) -> GuideFiles:
    """A replica's: the shared table, with this folder as its local copy."""
    return ReplicaFiles(LocalGuideFiles(folder / "local"), _postgres_files(folder))


RECORDS_KINDS: dict[str, Callable[[Path], Records]] = {
    "sqlite": lambda folder: Database(folder),
    "postgresql": _postgres_records,
}

FILES_KINDS: dict[str, Callable[[Path], GuideFiles]] = {
    "local": lambda folder: LocalGuideFiles(folder),
    "postgresql": _postgres_files,
    "replica": _replica_files,
}
