"""`bilang-karyo db check` and `db new`: is the database whole, and starting afresh on purpose."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from server.db import DB_NAME, MARKER_NAME, Database, DatabaseProblem, damaged, problem_of
from server.settings import Settings

Options = Callable[[argparse.ArgumentParser], None]
_COUNTED = ("accounts", "versions", "audit", "usage_daily")


def add_db_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common_options: Options
) -> None:
    db = commands.add_parser("db", help="check the database, or start an empty one")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    common_options(
        actions.add_parser("check", help="check that the database is there and whole (read only)")
    )
    new = actions.add_parser(
        "new",
        help="start an empty database when the old one is lost and there is no backup; "
        "a damaged one is kept beside it",
    )
    common_options(new)
    common_options(
        actions.add_parser(
            "upgrade",
            help="bring the database's schema to this version (PostgreSQL: run once before "
            "starting upgraded replicas; SQLite upgrades itself)",
        )
    )


def run_db_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.db_command == "check":
        return _check(settings)
    if args.db_command == "upgrade":
        from server.cli_pg import run_db_upgrade

        return run_db_upgrade(settings)
    return _new(settings)


def _check(settings: Settings) -> int:
    path = settings.data_dir / DB_NAME
    if not path.exists() and not (settings.data_dir / MARKER_NAME).exists():
        print(f"bilang-karyo: no database yet in {settings.data_dir}; the site makes one at start")
        return 0
    try:
        db = Database(settings.data_dir)
        with db.connect() as conn:
            found = [row[0] for row in conn.execute("PRAGMA integrity_check(20)")]
            if found != ["ok"]:
                raise damaged(path, "; ".join(found))
            counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in _COUNTED}
    except (DatabaseProblem, sqlite3.Error, OSError) as exc:
        problem = problem_of(exc, path) or exc
        print(f"FAIL {problem}", file=sys.stderr)
        return 1
    print(
        f"OK   {path}: whole (integrity_check ok); {counts['accounts']} account(s), "
        f"{counts['versions']} guide version(s), {counts['audit']} audit entries, "
        f"{counts['usage_daily']} usage rows"
    )
    return 0


def _new(settings: Settings) -> int:
    path = settings.data_dir / DB_NAME
    try:
        Database(settings.data_dir)
    except DatabaseProblem as problem:
        print(f"bilang-karyo: {problem.key}: starting an empty database", file=sys.stderr)
    else:
        print(
            f"bilang-karyo: {path} is there and opens; nothing done. (To replace it, stop the "
            "site and move it away first.)",
            file=sys.stderr,
        )
        return 1
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for suffix in ("", "-wal", "-shm"):
        old = path.with_name(path.name + suffix)
        if old.exists():
            kept = old.with_name(f"{old.name}.damaged-{stamp}")
            os.replace(old, kept)
            print(f"kept the old file as {kept}")
    (settings.data_dir / MARKER_NAME).unlink(missing_ok=True)
    Database(settings.data_dir)
    print(f"made an empty database {path}; add the staff accounts again (`bilang-karyo user add`)")
    return 0
