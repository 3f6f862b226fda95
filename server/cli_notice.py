"""`bilang-karyo notice add/list/remove`: the landing page's notices, from the command line.

Times are the office's local time (office.toml's `timezone`). The running site picks a
change up within `notice_check_seconds` (30 s) and rebuilds its landing page.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from server.clock import office_time, use_timezone
from server.notices import MAX_CHARS, NoticeError, NoticeStore, parse_local_time, shown
from server.office import load_office
from server.settings import Settings
from server.storage.default import open_records

Options = Callable[[argparse.ArgumentParser], None]
Actor = Callable[[argparse.Namespace], str]


def add_notice_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common_options: Options,
    actor_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    notice = commands.add_parser("notice", help="post, list or remove the landing page's notices")
    actions = notice.add_subparsers(dest="notice_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="post a notice, shown from --start until --end")
    add.add_argument("--id", dest="text_id", required=True, metavar="TEXT",
                     help=f"Indonesian text, at most {MAX_CHARS} characters")  # fmt: skip
    add.add_argument("--en", dest="text_en", required=True, metavar="TEXT",
                     help=f"English text, at most {MAX_CHARS} characters")  # fmt: skip
    add.add_argument("--start", required=True, metavar="'YYYY-MM-DD HH:MM'",
                     help="when it starts showing, office time")  # fmt: skip
    add.add_argument("--end", required=True, metavar="'YYYY-MM-DD HH:MM'",
                     help="when it stops showing, office time")  # fmt: skip
    actor_option(add)
    common_options(add)
    common_options(actions.add_parser("list", help="list the notices not ended yet"))
    remove = actions.add_parser("remove", help="remove a notice (it stays in the audit log)")
    remove.add_argument("notice_id", type=int, metavar="ID", help="the number `list` shows")
    actor_option(remove)
    common_options(remove)


def run_notice_command(settings: Settings, args: argparse.Namespace, actor: Actor) -> int:
    office = load_office(settings.office_file)
    use_timezone(office.zone)
    store = NoticeStore(open_records(settings.data_dir))
    try:
        if args.notice_command == "add":
            starts = parse_local_time(args.start, office.zone, "--start")
            ends = parse_local_time(args.end, office.zone, "--end")
            text = {"id": args.text_id, "en": args.text_en}
            notice = store.add(text, starts, ends, actor(args))
            print(f"posted notice #{notice.id}: {_period(notice.starts_at, notice.ends_at)}")
            return 0
        if args.notice_command == "remove":
            notice = store.remove(args.notice_id, actor(args))
            print(f"removed notice #{notice.id}: {notice.text['id']}")
            return 0
    except NoticeError as exc:
        print(f"bilang-karyo notice: {exc.detail}; nothing changed", file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    current = store.current(now)
    showing = {n.id for n in shown(current, now)}
    if not current:
        print("no notices")
    for notice in current:
        state = (
            "shown" if notice.id in showing
            else "active, not shown (3 already)" if notice.active(now)
            else "scheduled"
        )  # fmt: skip
        print(f"#{notice.id}  {_period(notice.starts_at, notice.ends_at)}  [{state}]")
        print(f"     id: {notice.text['id']}")
        print(f"     en: {notice.text['en']}")
    return 0


def _period(starts: datetime, ends: datetime) -> str:
    return f"{office_time(starts.isoformat())} - {office_time(ends.isoformat())}"
