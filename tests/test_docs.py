"""The README is the front door: every setting and command it must name, it names."""

from __future__ import annotations

import re
from pathlib import Path
from textwrap import dedent

from server.cli import build_parser
from server.i18n import load_messages
from server.office import load_office
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


def _section(title: str) -> str:
    start = README.index(f"### {title}\n")
    return README[start : README.index("\n### ", start + 1)]


def test_the_steps_to_add_a_language_work_as_written(tmp_path: Path) -> None:
    """The Indonesian guide's example, written where it says, makes a right-to-left language
    whose missing texts show in its fallback; the English guide names the same fields."""
    steps = _section("Menambah bahasa")
    entry, messages = re.findall(r"```toml\n(.*?)```", steps, flags=re.S)
    office = tmp_path / "office.toml"
    office.write_text((PROJECT_ROOT / "office.toml").read_text() + "\n" + dedent(entry))
    (tmp_path / "messages.ar.toml").write_text(dedent(messages))
    languages = load_office(office).languages
    assert languages.codes == ("id", "en", "ar") and languages["ar"].dir == "rtl"
    loaded = load_messages(languages)
    assert loaded.get("ar", "offline_title") != loaded.get("en", "offline_title")
    assert loaded.get("ar", "whatsapp_button") == loaded.get("en", "whatsapp_button")
    english = _section("Adding a language")
    fields = re.findall(r"^(\w+) = ", dedent(entry), flags=re.M)
    assert fields and all(f"`{name}" in english for name in fields)
    assert "bilang-karyo check" in steps and "bilang-karyo check" in english
