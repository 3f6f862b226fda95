"""Writing `guides/catalog.toml` back, in the same plain layout Tikkim edits by hand."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from server.catalog_file import CatalogError, GuideEntry, parse_catalog
from server.languages import Languages, shipped_languages

DEFAULT_HEADER = "# Katalog panduan Bilang Karyo. Diedit oleh Tikkim; lihat README.md."


def toml_string(text: str) -> str:
    """A TOML basic string. JSON's escapes are all valid TOML; DEL is the one it leaves raw."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


def leading_comments(text: str) -> str:
    """The comment lines at the top of a catalog file, kept when we rewrite it."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines) or DEFAULT_HEADER


def render_catalog(entries: Sequence[GuideEntry], header: str = DEFAULT_HEADER) -> str:
    parts = [header.rstrip("\n") + "\n"]
    for entry in entries:
        lines = [
            "[[guide]]",
            f"slug = {toml_string(entry.slug)}",
            f"order = {entry.order}",
            f"featured = {'true' if entry.featured else 'false'}",
            f"last_checked = {entry.last_checked.isoformat()}",
        ]
        if entry.retired:
            lines.append("retired = true")
        if entry.sources:
            lines.append("sources = [")
            lines.extend(f"    {toml_string(source)}," for source in entry.sources)
            lines.append("]")
        else:
            lines.append("sources = []")
        for key, texts in (("title", entry.title), ("summary", entry.summary)):
            lines.extend(f"{key}.{lang} = {toml_string(texts[lang])}" for lang in _ordered(texts))
        lines.extend(
            f"files.{lang} = {toml_string(entry.files[lang])}" for lang in _ordered(entry.files)
        )
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def _ordered(by_lang: Mapping[str, str]) -> list[str]:
    """The languages of `by_lang`: the shipped ones first, in their order, as always written."""
    shipped = shipped_languages().codes
    return sorted(
        by_lang, key=lambda lang: shipped.index(lang) if lang in shipped else len(shipped)
    )


def render_checked(
    entries: Sequence[GuideEntry], header: str, path: Path, languages: Languages | None = None
) -> str:
    """Render, then parse the result back: what we write must read as exactly `entries`."""
    text = render_catalog(entries, header)
    if parse_catalog(text, path, languages) != list(entries):
        raise CatalogError(f"{path}: the rewritten catalog would not read back the same")
    return text
