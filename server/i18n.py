"""The message catalog: every user-facing string, in each language of the registry."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from server.errors import ConfigError
from server.languages import Languages, shipped_languages


class MessagesError(ConfigError):
    """The message file is broken or a string lacks a translation."""


@dataclass(frozen=True)
class Messages:
    table: dict[str, dict[str, str]]  # key -> language -> text, every language filled in
    languages: Languages = field(default_factory=shipped_languages)
    # The keys each language lacks and shows in its fallback language (`check` lists them).
    fallen_back: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, lang: str, key: str) -> str:
        try:
            return self.table[key][lang]
        except KeyError:
            raise MessagesError(f"no {lang!r} text for message {key!r}") from None

    def format_date(self, lang: str, day: date) -> str:
        return f"{day.day} {self.get(lang, f'month_{day.month}')} {day.year}"


def load_messages(source: Languages | Path | None = None) -> Messages:
    """The messages of every language in the registry `source` (the shipped one if None; a
    path: the shipped languages, all reading that one file).

    In a message file, each `[key]` gives the text of every language that reads the file. A
    language with a file of its own may leave keys out: those are shown in its fallback
    language. The default language has every key.
    """
    if source is None or isinstance(source, Path):
        shipped = shipped_languages()
        languages = shipped if source is None else shipped.with_messages(source)
    else:
        languages = source
    files: dict[Path, dict[str, Any]] = {}
    for language in languages:
        if language.messages not in files:
            files[language.messages] = _read(language.messages, languages)
    default = languages.default
    own: dict[str, dict[str, str]] = {}  # language -> key -> its own text
    for language in languages:
        path = language.messages
        readers = [other.code for other in languages if other.messages == path]
        texts: dict[str, str] = {}
        for key, entry in files[path].items():
            missing = [code for code in readers if not isinstance(entry.get(code), str)]
            if missing:
                raise MessagesError(f"{path}: [{key}] has no text for {', '.join(missing)}")
            texts[key] = entry[language.code]
        own[language.code] = texts
    keys = own[default.code]
    table: dict[str, dict[str, str]] = {key: {} for key in keys}
    fallen_back: dict[str, tuple[str, ...]] = {}
    for language in languages:
        unknown = sorted(set(own[language.code]) - set(keys))
        if unknown:
            raise MessagesError(
                f"{language.messages}: [{unknown[0]}] is not a message of the site "
                f"(it is not in {default.messages})"
            )
        lacking = tuple(key for key in keys if key not in own[language.code])
        if lacking:
            fallen_back[language.code] = lacking
        for key in keys:
            lang = next(code for code in languages.chain(language.code) if key in own[code])
            table[key][language.code] = own[lang][key]
    return Messages(table, languages, fallen_back)


def _read(path: Path, languages: Languages) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MessagesError(f"{path}: {exc}") from None
    codes = ", ".join(language.code for language in languages if language.messages == path)
    for key, texts in data.items():
        if not isinstance(texts, dict):
            raise MessagesError(f"{path}: [{key}] must be a table with a text for {codes}")
    return data


def format_size(num_bytes: int) -> str:
    if num_bytes < 1024:
        return f"{num_bytes} B"
    if num_bytes < 1024 * 1024:
        return f"{round(num_bytes / 1024)} KB"
    return f"{num_bytes / (1024 * 1024):.1f} MB"
