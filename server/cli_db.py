"""`bilang-karyo db check` and `db new`: is the database whole, and starting afresh on purpose."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from server.settings import Settings
from server.storage.default import open_records
from server.storage.errors import DatabaseProblem
from server.storage.sqlite_db import is_made, set_aside

Options = Callable[[argparse.ArgumentParser], None]


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


def run_db_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.db_command == "check":
        return _check(settings)
    return _new(settings)


def _check(settings: Settings) -> int:
    if not is_made(settings.data_dir):
        print(f"bilang-karyo: no database yet in {settings.data_dir}; the site makes one at start")
        return 0
    records = open_records(settings.data_dir, open_now=False)
    try:
        counts = records.check()
    except (DatabaseProblem, OSError) as exc:
        problem = records.problem(exc) or exc
        print(f"FAIL {problem}", file=sys.stderr)
        return 1
    print(
        f"OK   {records.where()}: whole (integrity_check ok); {counts['accounts']} account(s), "
        f"{counts['versions']} guide version(s), {counts['audit']} audit entries, "
        f"{counts['usage_daily']} usage rows"
    )
    return 0


def _new(settings: Settings) -> int:
    records = open_records(settings.data_dir, open_now=False)
    try:
        records.ensure()
    except DatabaseProblem as problem:
        print(f"bilang-karyo: {problem.key}: starting an empty database", file=sys.stderr)
    else:
        print(
            f"bilang-karyo: {records.where()} is there and opens; nothing done. (To replace it, "
            "stop the site and move it away first.)",
            file=sys.stderr,
        )
        return 1
    for kept in set_aside(settings.data_dir):
        print(f"kept the old file as {kept}")
    records = open_records(settings.data_dir)
    print(
        f"made an empty database {records.where()}; add the staff accounts again "
        "(`bilang-karyo user add`)"
    )
    return 0
