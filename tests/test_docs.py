"""The README is the front door: every setting and command it must name, it names."""

from __future__ import annotations

import re

from server.cli import build_parser
from server.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()
SETTINGS_SOURCE = (PROJECT_ROOT / "server" / "settings.py").read_text()


def test_every_environment_variable_is_documented() -> None:
    names = set(re.findall(r'ENV_PREFIX \+ "([A-Z_]+)"', SETTINGS_SOURCE))
    names |= set(re.findall(r'\("([A-Z_]+)", "[a-z_]+"\)', SETTINGS_SOURCE))
    assert {"HOST", "PORT", "GUIDES", "OFFICE", "DATA", "WATCH"} <= names
    missing = sorted(n for n in names if f"BILANG_KARYO_{n}" not in README)
    assert missing == []


def test_every_subcommand_is_documented() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    commands = set(subparsers.choices)  # type: ignore[arg-type]
    assert {"serve", "check", "qr", "publish", "rollback"} <= commands
    missing = sorted(c for c in commands if f"bilang-karyo {c}" not in README)
    assert missing == []


def test_readme_names_the_two_commands() -> None:
    assert "make serve" in README and "make test" in README
    assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text()
