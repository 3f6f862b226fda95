"""`bilang-karyo db upgrade` and `migrate-data`: the PostgreSQL schema, and moving an install in."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from server.check import CheckReport
from server.settings import Settings, shown_url

Options = Callable[[argparse.ArgumentParser], None]
NO_URL = (
    "bilang-karyo: {what} needs BILANG_KARYO_DATABASE_URL=postgresql://USER:PASSWORD@HOST/DB "
    "(the PostgreSQL database the replicas share)"
)


def add_migrate_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common_options: Options
) -> None:
    migrate = commands.add_parser(
        "migrate-data",
        help="copy a single-machine install (its data folder and guides/) into the empty "
        "PostgreSQL database of BILANG_KARYO_DATABASE_URL",
    )
    common_options(migrate)


def run_db_upgrade(settings: Settings) -> int:
    """Bring the schema to this program's version; SQLite does it by itself when opened."""
    if settings.database_url is None:
        from server.storage.default import open_records

        open_records(settings.data_dir).ensure()
        print(f"bilang-karyo: the SQLite database in {settings.data_dir} is up to date")
        return 0
    from server.storage.errors import DatabaseProblem
    from server.storage.pg_db import Postgres
    from server.storage.pg_schema import LATEST

    db = Postgres(settings.database_url)
    try:
        applied = db.upgrade()
    except DatabaseProblem as problem:
        print(f"FAIL {problem}", file=sys.stderr)
        return 1
    finally:
        db.close()
    where = shown_url(settings.database_url)
    if applied:
        print(f"OK   {where}: applied migration(s) {', '.join(map(str, applied))}; now {LATEST}")
    else:
        print(f"OK   {where}: schema version {LATEST}, nothing to do")
    return 0


def run_migrate_data(settings: Settings) -> int:
    if settings.database_url is None:
        print(NO_URL.format(what="migrate-data"), file=sys.stderr)
        return 2
    from server.storage.errors import DatabaseProblem
    from server.storage.pg_db import Postgres
    from server.storage.pg_migrate import MigrateError, migrate

    db = Postgres(settings.database_url)
    try:
        copied = migrate(settings.data_dir, settings.guides_dir, db)
    except (MigrateError, DatabaseProblem) as problem:
        print(f"bilang-karyo: migrate-data: {problem}", file=sys.stderr)
        return 1
    finally:
        db.close()
    rows = ", ".join(f"{count} {table}" for table, count in copied.rows.items())
    print(
        f"copied {copied.files} guide file(s) ({copied.file_bytes} bytes) and {rows} into "
        f"{shown_url(settings.database_url)}; catalog version {copied.catalog_version}. Start "
        "the replicas with BILANG_KARYO_DATABASE_URL set; staff sign in again."
    )
    return 0


def check_database(url: str, report: CheckReport) -> None:
    """`bilang-karyo check` with replicas: PostgreSQL answers, with this program's schema."""
    from server.storage.errors import DatabaseProblem
    from server.storage.pg_db import Postgres
    from server.storage.pg_journal import PostgresJournal

    db = Postgres(url)
    try:
        db.require_current()
        version = PostgresJournal(db).catalog_version()
    except DatabaseProblem as problem:
        report.fail(f"database: {problem}")
        return
    finally:
        db.close()
    report.ok(f"database: PostgreSQL at {shown_url(url)} answers; catalog version {version}")
