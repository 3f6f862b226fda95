"""The `bilang-karyo` command: serve the site, check it, and make its QR code."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from server import __version__
from server.cli_admin import (
    ADMIN_COMMANDS,
    actor_name,
    actor_option,
    add_admin_commands,
    run_admin_command,
)
from server.cli_db import add_db_commands, run_db_command
from server.cli_notice import add_notice_command, run_notice_command
from server.errors import BilangKaryoError, ConfigError
from server.office import load_office
from server.settings import ENV_PREFIX, Settings, parse_port, parse_root_path


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--guides",
        type=Path,
        metavar="DIR",
        help=f"folder with catalog.toml and the PDFs [{ENV_PREFIX}GUIDES]",
    )
    parser.add_argument(
        "--office", type=Path, metavar="FILE", help=f"the office settings file [{ENV_PREFIX}OFFICE]"
    )
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help=f"folder for stored guide versions [{ENV_PREFIX}DATA]",
    )
    parser.add_argument(
        "--root-path",
        metavar="PATH",
        help="the path the public reaches the site under, e.g. /infokanimjogja; / for the "
        f"root [{ENV_PREFIX}ROOT_PATH, the path of public_url in the office file]",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bilang-karyo",
        description="Bilang Karyo: the immigration-service information site.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the site")
    serve.add_argument("--host", help=f"address to listen on [{ENV_PREFIX}HOST, 127.0.0.1]")
    serve.add_argument("--port", help=f"port to listen on [{ENV_PREFIX}PORT, 8000]")
    serve.add_argument("--workers", type=int, default=1, help="worker processes [1]")
    serve.add_argument("--no-watch", action="store_true", help="do not watch guides/ for changes")
    serve.add_argument(
        "--forwarded-allow-ips",
        help="addresses of the HTTPS proxies whose X-Forwarded-* headers are trusted "
        f"[{ENV_PREFIX}FORWARDED_ALLOW_IPS, 127.0.0.1]",
    )
    _common_options(serve)

    check = commands.add_parser("check", help="check the office file, catalog and PDFs")
    check.add_argument(
        "--url",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="also check the running site: with no ADDRESS, at the QR code's address "
        "(public_url); else at ADDRESS, e.g. http://127.0.0.1:8000/infokanimjogja",
    )
    check.add_argument("--strict", action="store_true", help="treat warnings as problems")
    _common_options(check)

    qr = commands.add_parser("qr", help="write the QR code for the poster")
    qr.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="output file; .svg or .png"
    )
    _common_options(qr)
    add_admin_commands(commands, _common_options)
    add_notice_command(commands, _common_options, actor_option)
    add_db_commands(commands, _common_options)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    port = getattr(args, "port", None)
    return settings.with_overrides(
        host=getattr(args, "host", None),
        port=parse_port(port, "--port") if port is not None else None,
        guides_dir=args.guides,
        office_file=args.office,
        data_dir=args.data,
        watch=False if getattr(args, "no_watch", False) else None,
        root_path=(
            parse_root_path(args.root_path, "--root-path") if args.root_path is not None else None
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from(args)
        if args.command == "serve":
            return _serve(settings, args)
        if args.command == "check":
            return _check(settings, args)
        if args.command in ADMIN_COMMANDS:
            return run_admin_command(settings, args)
        if args.command == "notice":
            return run_notice_command(settings, args, actor_name)
        if args.command == "db":
            return run_db_command(settings, args)
        return _qr(settings, args.out)
    except ConfigError as exc:  # a setting, the office file: fix it and start again
        print(f"bilang-karyo: {exc}", file=sys.stderr)
        return 2
    except BilangKaryoError as exc:  # explained, so no traceback
        print(f"bilang-karyo: {exc}", file=sys.stderr)
        return 1


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app
    from server.http_guard import KEEP_ALIVE_SECONDS, GuardedHttpToolsProtocol

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # Fail before uvicorn starts, with the settings error alone on screen.
    office = load_office(settings.office_file)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    root = office.root_path if settings.root_path is None else settings.root_path
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "access_log": False,
        "proxy_headers": True,
        "forwarded_allow_ips": args.forwarded_allow_ips
        or os.environ.get(ENV_PREFIX + "FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "server_header": False,
        # Request heads over 16 KB are refused while they arrive, and a head must be
        # complete within 15 s (see http_guard.py); idle connections close after 5 s.
        "http": GuardedHttpToolsProtocol,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    }
    print(
        f"Bilang Karyo: serving {settings.guides_dir} at "
        f"http://{settings.host}:{settings.port}{root}/ (public address {office.home_url})",
        file=sys.stderr,
    )
    if args.workers > 1:
        # Each worker process builds its own app from the same settings.
        os.environ.update(_settings_env(settings))
        uvicorn.run("server.app:create_app_from_env", factory=True, workers=args.workers, **common)
    else:
        uvicorn.run(create_app(settings), **common)
    return 0


def _settings_env(settings: Settings) -> dict[str, str]:
    env = {
        ENV_PREFIX + "GUIDES": str(settings.guides_dir.resolve()),
        ENV_PREFIX + "OFFICE": str(settings.office_file.resolve()),
        ENV_PREFIX + "DATA": str(settings.data_dir.resolve()),
        ENV_PREFIX + "WATCH": "true" if settings.watch else "false",
    }
    if settings.root_path is not None:
        env[ENV_PREFIX + "ROOT_PATH"] = settings.root_path or "/"
    return env


def _check(settings: Settings, args: argparse.Namespace) -> int:
    from server.check import run_check

    report = run_check(settings.guides_dir, settings.office_file, args.url, settings.root_path)
    print(report.render())
    failed = report.problems or (args.strict and report.warnings)
    return 1 if failed else 0


def _qr(settings: Settings, out: Path) -> int:
    from server.blobs import write_atomically
    from server.qr import qr_png, qr_svg

    office = load_office(settings.office_file)
    suffix = out.suffix.lower()
    if suffix not in {".svg", ".png"}:
        print(f"bilang-karyo: --out must end in .svg or .png, got {out}", file=sys.stderr)
        return 2
    data = qr_svg(office.qr_url) if suffix == ".svg" else qr_png(office.qr_url)
    write_atomically(out, data)
    print(f"wrote {out}: QR code for {office.qr_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
