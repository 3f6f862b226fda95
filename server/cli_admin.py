"""The Tikkim commands of `bilang-karyo`: user, publish, history, rollback and retire."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from server.accounts import AccountError, Accounts
from server.cli_render import print_progress, render_version
from server.clock import office_time
from server.i18n import format_size, load_messages
from server.languages import Languages, shipped_languages
from server.office import OfficeError, load_office
from server.publish import Publisher
from server.publish_checks import GuideTexts, Outcome, PublishError
from server.settings import PWA_DIR, Settings
from server.storage.default import open_records
from server.storage.errors import DatabaseProblem

ADMIN_COMMANDS = ("user", "publish", "history", "rollback", "retire")

Options = Callable[[argparse.ArgumentParser], None]


def add_admin_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common_options: Options
) -> None:
    user = commands.add_parser("user", help="manage the staff accounts of /admin")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    for name, text in (
        ("add", "add an account; the password is read from the terminal or stdin"),
        ("passwd", "set a new password; the account is signed out everywhere"),
        ("remove", "remove an account"),
    ):
        action = user_commands.add_parser(name, help=text)
        action.add_argument("name", help="account name, e.g. budi")
        common_options(action)
    common_options(user_commands.add_parser("list", help="list the accounts"))

    publish = commands.add_parser("publish", help="publish a PDF as a guide's new version")
    publish.add_argument("file", type=Path, metavar="FILE", help="the PDF")
    publish.add_argument("--guide", required=True, metavar="SLUG", help="e.g. pembuatan-paspor")
    publish.add_argument(
        "--lang", required=True, metavar="CODE", help="the file's language: id, en or one added"
    )
    publish.add_argument(
        "--checked",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="date the content was checked [today]",
    )
    for lang in ("id", "en"):
        publish.add_argument(f"--title-{lang}", metavar="TEXT", help=f"title ({lang}); new guide")
        publish.add_argument(f"--summary-{lang}", metavar="TEXT", help=f"summary ({lang})")
    publish.add_argument("--source", action="append", metavar="TEXT", help="a source; repeat")
    publish.add_argument("--order", type=int, help="button order, smaller first")
    publish.add_argument(
        "--featured", action=argparse.BooleanOptionalAction, help="a red button on the home page"
    )
    actor_option(publish)
    common_options(publish)

    history = commands.add_parser("history", help="list a guide's versions")
    history.add_argument("slug")
    common_options(history)

    rollback = commands.add_parser("rollback", help="serve an earlier version of a guide again")
    rollback.add_argument("slug")
    rollback.add_argument(
        "--to",
        type=int,
        metavar="VERSION",
        help="version number from `history`, counted per language [the one before the current]",
    )
    rollback.add_argument(
        "--lang",
        metavar="CODE",
        help="which language file (needed with --to when both have that number)",
    )
    actor_option(rollback)
    common_options(rollback)

    retire = commands.add_parser("retire", help="stop showing a guide (its history is kept)")
    retire.add_argument("slug")
    retire.add_argument("--undo", action="store_true", help="show a retired guide again")
    actor_option(retire)
    common_options(retire)


def actor_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as", dest="actor", metavar="NAME", help="who to name in the audit log [cli:<login name>]"
    )


def actor_name(args: argparse.Namespace) -> str:
    if getattr(args, "actor", None):
        return str(args.actor)
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def run_admin_command(settings: Settings, args: argparse.Namespace) -> int:
    """Runs one command; a database or disk problem is a clear message, never a traceback."""
    try:
        return _run(settings, args)
    except (DatabaseProblem, OSError) as exc:
        problem = open_records(settings.data_dir, open_now=False).problem(exc)
        if problem is None:  # an OSError about some other file
            assert isinstance(exc, OSError)
            name = exc.filename or ""
            print(f"bilang-karyo: {name}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"bilang-karyo: {problem}", file=sys.stderr)
        return 1


def _run(settings: Settings, args: argparse.Namespace) -> int:
    publisher = Publisher(
        settings.guides_dir,
        settings.data_dir,
        max_bytes=settings.max_upload_mb * 1024 * 1024,
        render_progress=print_progress,  # a publish makes the pages before it goes live
        languages=_languages(settings),
    )
    try:
        if args.command == "user":
            return _user(publisher, args)
        if args.command == "history":
            return _history(publisher, args.slug)
        outcome = _change(publisher, args)
    except PublishError as exc:
        messages = load_messages(PWA_DIR / "messages.toml")
        key = f"refuse_{exc.key}"
        print(
            f"bilang-karyo: ditolak / refused: {messages.get('id', key)} / "
            f"{messages.get('en', key)}\n  {exc.detail}",
            file=sys.stderr,
        )
        if exc.key != "unfinished":
            print("  Tidak ada yang berubah / nothing changed.", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"bilang-karyo: {exc.filename}: no such file", file=sys.stderr)
        return 2
    except IsADirectoryError as exc:
        print(
            f"bilang-karyo: {exc.filename}: is a folder; give the PDF file itself, "
            "e.g. guides-baru/pembuatan-paspor.pdf",
            file=sys.stderr,
        )
        return 2
    print(_describe(outcome))
    if outcome.changed and outcome.new_sha256:
        # Made by the publish already ("ready"); made now if that render failed.
        render_version(settings, f"{outcome.slug}.{outcome.lang}", outcome.new_sha256)
        print(f"{outcome.slug}.{outcome.lang}: {_text_line(publisher, outcome.new_sha256)}")
    return 0


def _text_line(publisher: Publisher, sha256: str) -> str:
    """What became of the text version the publish made (guide_text.py)."""
    text = publisher.texts.layer(sha256)
    if text is None:
        return "Teks / text: tidak terbaca / could not be read; the pages and PDF are shown"
    if text.needs_ocr:
        return (
            "Teks / text: halaman pindaian / scanned pages: the server reads them by OCR;"
            " look the text over in /admin before it is shown"
        )
    return f"Teks / text: siap / ready ({len(text.blocks)} blocks, {text.seconds:.2f} s)"


def _change(publisher: Publisher, args: argparse.Namespace) -> Outcome:
    actor = actor_name(args)
    if args.command == "publish":
        texts = GuideTexts(
            title=_pair(args.title_id, args.title_en),
            summary=_pair(args.summary_id, args.summary_en),
            sources=tuple(args.source) if args.source else None,
            order=args.order,
            featured=args.featured,
            last_checked=args.checked,
        )
        given = texts != GuideTexts()
        with args.file.open("rb") as source:
            return publisher.publish(args.guide, args.lang, source, actor, texts if given else None)
    if args.command == "rollback":
        return publisher.rollback(args.slug, actor, to=args.to, lang=args.lang)
    return publisher.set_retired(args.slug, actor, retired=not args.undo)


def _languages(settings: Settings) -> Languages:
    """The site's languages: the shipped ones and those office.toml adds. The commands that
    need no office file still work when it does not load (with the shipped languages)."""
    try:
        return load_office(settings.office_file).languages
    except OfficeError:
        return shipped_languages()


def _pair(id_text: str | None, en_text: str | None) -> dict[str, str] | None:
    if id_text is None and en_text is None:
        return None
    return {"id": id_text or "", "en": en_text or ""}


def _describe(outcome: Outcome) -> str:
    if not outcome.changed:
        return f"{outcome.slug}: tidak berubah / unchanged (that file is already the one served)"
    if outcome.action in ("publish", "rollback"):
        verb = "published" if outcome.action == "publish" else "rolled back"
        return (
            f"{outcome.slug} ({outcome.lang}): {verb} as v{outcome.version}, "
            f"sha256 {outcome.new_sha256}\n"
            "The running site shows it within seconds (its watcher reloads guides/)."
        )
    return f"{outcome.slug}: {outcome.action} done"


def _history(publisher: Publisher, slug: str) -> int:
    versions = publisher.versions.history(slug)
    if not versions:
        print(f"bilang-karyo: guide {slug!r} has no recorded versions", file=sys.stderr)
        return 1
    live = {lang: publisher.versions.current(slug, lang) for lang in publisher.languages.codes}
    print(
        f"{'version':>7}  lang  {'when':<20}  {'by':<16}  {'action':<18}  checked     "
        "sha256        size"
    )
    for v in versions:
        action = v.action + (f" of v{v.restored_from}" if v.restored_from else "")
        current = live[v.lang]
        mark = "  <- live" if current is not None and current.number == v.number else ""
        print(
            f"{'v' + str(v.number):>7}  {v.lang:<4}  {office_time(v.created_at):<20}  "
            f"{v.actor:<16}  {action:<18}  {v.checked_on().isoformat()}  {v.sha256[:12]}  "
            f"{format_size(v.size)}{mark}"
        )
    return 0


def _user(publisher: Publisher, args: argparse.Namespace) -> int:
    accounts = Accounts(publisher.db)
    actor = actor_name(args)
    try:
        if args.user_command == "list":
            for name in accounts.names():
                print(name)
            return 0
        if args.user_command == "remove":
            accounts.remove(args.name, actor)
            print(f"account {args.name} removed")
            return 0
        password = _read_password()
        if args.user_command == "add":
            accounts.add(args.name, password, actor)
            print(f"account {args.name} added; log in at /admin")
        else:
            accounts.set_password(args.name, password, actor)
            print(f"password of {args.name} changed; its sessions are signed out")
        return 0
    except AccountError as exc:
        print(f"bilang-karyo: {exc}", file=sys.stderr)
        return 1


def _read_password() -> str:
    """From the terminal (asked twice, never echoed), or the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass("Kata sandi / Password: ")
        if getpass.getpass("Ulangi / Repeat: ") != first:
            raise AccountError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    return line.removesuffix("\n").removesuffix("\r")
