"""The message catalog: every user-facing string, in Indonesian and English."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from server.errors import ConfigError

LANGS = ("id", "en")
DEFAULT_LANG = "id"


class MessagesError(ConfigError):
    """The message file is broken or a string lacks a translation."""


@dataclass(frozen=True)
class Messages:
    table: dict[str, dict[str, str]]

    def get(self, lang: str, key: str) -> str:
        try:
            return self.table[key][lang]
        except KeyError:
            raise MessagesError(f"no {lang!r} text for message {key!r}") from None

    def format_date(self, lang: str, day: date) -> str:
        return f"{day.day} {self.get(lang, f'month_{day.month}')} {day.year}"


def load_messages(path: Path) -> Messages:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MessagesError(f"{path}: {exc}") from None
    table: dict[str, dict[str, str]] = {}
    for key, texts in data.items():
        if not isinstance(texts, dict):
            raise MessagesError(f"{path}: [{key}] must be a table with id and en")
        missing = [lang for lang in LANGS if not isinstance(texts.get(lang), str)]
        if missing:
            raise MessagesError(f"{path}: [{key}] has no text for {', '.join(missing)}")
        table[key] = {lang: texts[lang] for lang in LANGS}
    return Messages(table)


def lang_prefix(lang: str) -> str:
    """URL prefix of a language: Indonesian is the default and has none."""
    return "" if lang == DEFAULT_LANG else f"/{lang}"


def format_size(num_bytes: int) -> str:
    if num_bytes < 1024:
        return f"{num_bytes} B"
    if num_bytes < 1024 * 1024:
        return f"{round(num_bytes / 1024)} KB"
    return f"{num_bytes / (1024 * 1024):.1f} MB"
