"""Parsing and validating `guides/catalog.toml`, the list of guides Tikkim edits."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from server.errors import BilangKaryoError
from server.languages import Languages, shipped_languages

CATALOG_NAME = "catalog.toml"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 64
FILENAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.pdf$")
TEXT_MAX = 2000
# TOML integers stop at 64 bits; button orders need far fewer.
ORDER_MAX = 1_000_000


class CatalogError(BilangKaryoError):
    """The catalog cannot be used; the message says where and why."""

    key = "catalog_broken"


@dataclass(frozen=True)
class GuideEntry:
    """One `[[guide]]` as written in the catalog file, before its files are read."""

    slug: str
    order: int
    featured: bool
    last_checked: date
    title: Mapping[str, str]
    summary: Mapping[str, str]
    sources: tuple[str, ...]
    files: Mapping[str, str]
    # A retired guide stays in the file (and its PDFs in guides/) for its
    # history, but is not shown.
    retired: bool = False


def is_valid_slug(slug: str) -> bool:
    return len(slug) <= SLUG_MAX and SLUG_PATTERN.fullmatch(slug) is not None


def is_valid_filename(name: str) -> bool:
    return FILENAME_PATTERN.fullmatch(name) is not None and ".." not in name


def parse_catalog(text: str, path: Path, languages: Languages | None = None) -> list[GuideEntry]:
    """The entries of a catalog file. Titles and summaries need the default language's text;
    another language may be left out (its pages show its fallback's), so a file written
    before a language was added still loads."""
    languages = languages or shipped_languages()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"guide"}
    if unknown:
        raise CatalogError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    raw_guides = data.get("guide", [])
    if not isinstance(raw_guides, list):
        raise CatalogError(f"{path}: 'guide' must be written as [[guide]] tables")
    entries: list[GuideEntry] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_guides):
        entry = _parse_entry(raw, f"{path}: guide #{index + 1}", languages)
        if entry.slug in seen:
            raise CatalogError(f"{path}: guide '{entry.slug}' appears twice")
        seen.add(entry.slug)
        entries.append(entry)
    return entries


_KEYS = {
    "slug",
    "order",
    "featured",
    "last_checked",
    "title",
    "summary",
    "sources",
    "files",
    "retired",
}


def _parse_entry(raw: Any, where: str, languages: Languages) -> GuideEntry:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: must be a [[guide]] table")
    slug = raw.get("slug")
    if not isinstance(slug, str) or not is_valid_slug(slug):
        raise CatalogError(
            f"{where}: field 'slug' must be lower-case letters, digits and dashes "
            f"(at most {SLUG_MAX}), got {slug!r}"
        )
    where = f"{where} ('{slug}')"
    unknown = set(raw) - _KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown field(s): {', '.join(sorted(unknown))}")

    order = raw.get("order")
    if not isinstance(order, int) or isinstance(order, bool) or abs(order) > ORDER_MAX:
        raise CatalogError(
            f"{where}: field 'order' must be a whole number between {-ORDER_MAX} and {ORDER_MAX}"
        )
    featured = raw.get("featured", False)
    if not isinstance(featured, bool):
        raise CatalogError(f"{where}: field 'featured' must be true or false")
    retired = raw.get("retired", False)
    if not isinstance(retired, bool):
        raise CatalogError(f"{where}: field 'retired' must be true or false")
    checked = raw.get("last_checked")
    if not isinstance(checked, date) or hasattr(checked, "hour"):
        raise CatalogError(f"{where}: field 'last_checked' must be a date like 2026-11-27")
    sources = raw.get("sources", [])
    if not isinstance(sources, list) or not all(_is_text(s) for s in sources):
        raise CatalogError(f"{where}: field 'sources' must be a list of texts")

    files = raw.get("files")
    if not isinstance(files, dict) or not files:
        raise CatalogError(
            f"{where}: field 'files' must name at least one PDF, "
            f"e.g. files.{languages.default.code}"
        )
    for lang, name in files.items():
        if lang not in languages:
            raise CatalogError(
                f"{where}: files.{lang}: language must be one of {', '.join(languages.codes)}"
            )
        if not isinstance(name, str) or not is_valid_filename(name):
            raise CatalogError(
                f"{where}: files.{lang} must be a plain file name ending in .pdf, got {name!r}"
            )

    return GuideEntry(
        slug=slug,
        order=order,
        featured=featured,
        last_checked=checked,
        title=_localized(raw, "title", where, languages),
        summary=_localized(raw, "summary", where, languages),
        sources=tuple(s.strip() for s in sources),
        files=dict(files),
        retired=retired,
    )


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= TEXT_MAX


def _localized(
    raw: Mapping[str, Any], key: str, where: str, languages: Languages
) -> dict[str, str]:
    """The texts given, in the registry's order. The shipped languages' are required; one
    the office added may be left out (its pages show its fallback's). A language the site
    does not speak is passed over, as it always was."""
    value = raw.get(key)
    required = languages.required
    if not isinstance(value, dict):
        needed = " and ".join(f"{key}.{code}" for code in required)
        raise CatalogError(f"{where}: field '{key}' needs {needed}")
    result = {}
    for lang in (code for code in languages.codes if code in value or code in required):
        text = value.get(lang)
        if not isinstance(text, str) or not _is_text(text):
            raise CatalogError(
                f"{where}: field '{key}.{lang}' must be a non-empty text of at most "
                f"{TEXT_MAX} characters"
            )
        result[lang] = text.strip()
    return result
