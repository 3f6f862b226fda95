"""Which storage this install uses: the embedded default, or PostgreSQL shared by replicas."""

from __future__ import annotations

from server.settings import Settings
from server.storage import default
from server.storage.files import GuideFiles
from server.storage.records import Records


def open_records(settings: Settings, *, open_now: bool = True) -> Records:
    """The records of `settings`: PostgreSQL with `database_url`, else SQLite in the data folder.
    With `open_now`, made (or upgraded) and checked at once (DatabaseProblem)."""
    if settings.database_url is None:
        return default.open_records(settings.data_dir, open_now=open_now)
    from server.storage.pg_db import Postgres
    from server.storage.pg_records import PostgresRecords

    records = PostgresRecords(Postgres(settings.database_url))
    if open_now:
        records.ensure()
    return records


def open_files(settings: Settings, records: Records) -> GuideFiles:
    """The guide files: the local folder; with PostgreSQL, the shared table, copied locally."""
    if settings.database_url is None:
        return default.open_files(settings.data_dir)
    from server.storage.local_files import LocalGuideFiles
    from server.storage.pg_files import PostgresGuideFiles
    from server.storage.pg_records import PostgresRecords
    from server.storage.replica_files import ReplicaFiles

    assert isinstance(records, PostgresRecords)
    local = LocalGuideFiles(settings.data_dir / default.FILES_FOLDER)
    return ReplicaFiles(local, PostgresGuideFiles(records.db))
