"""The search index: the text of every guide page, per language, kept small."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from server.catalog import Catalog
from server.i18n import lang_prefix
from server.reader import ReaderEdition

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchEntry:
    slug: str
    title: str
    page: int
    text: str


def fold(text: str) -> str:
    """Lower-case without accents, so "perpanjangan" matches "Perpanjangan"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def build_entries(
    catalog: Catalog, lang: str, edition_for: Callable[[str], ReaderEdition | None]
) -> list[SearchEntry]:
    entries = []
    for guide in catalog.guides:
        gfile = guide.file_for(lang)
        title = guide.title[lang]
        # Titles and summaries are searchable even before the pages are rendered.
        entries.append(SearchEntry(guide.slug, title, 0, f"{title} {guide.summary[lang]}"))
        edition = edition_for(gfile.sha256)
        if edition is None:
            continue
        for page in edition.pages:
            if page.text:
                entries.append(
                    SearchEntry(guide.slug, title, page.number, _SPACE.sub(" ", page.text))
                )
    return entries


def index_json(entries: list[SearchEntry], lang: str) -> bytes:
    """Compact JSON the offline search in the browser reads: [slug, title, page, text]."""
    rows = [[e.slug, e.title, e.page, e.text] for e in entries]
    return json.dumps(
        {"lang": lang, "prefix": lang_prefix(lang), "entries": rows},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


@dataclass(frozen=True)
class SearchHit:
    slug: str
    title: str
    page: int
    snippet: str


def search(entries: list[SearchEntry], query: str, limit: int = 20) -> list[SearchHit]:
    """Every word of the query must appear in the page; best pages first."""
    words = [w for w in fold(query).split() if w][:8]
    if not words:
        return []
    scored = []
    for entry in entries:
        folded = fold(entry.text)
        if all(word in folded for word in words):
            score = sum(folded.count(word) for word in words) + (5 if entry.page == 0 else 0)
            scored.append((score, entry, folded))
    scored.sort(key=lambda item: -item[0])
    return [
        SearchHit(e.slug, e.title, e.page, _snippet(e.text, folded, words[0]))
        for _, e, folded in scored[:limit]
    ]


def _snippet(text: str, folded: str, word: str, width: int = 140) -> str:
    # fold() can change length for some characters; fall back to the start then.
    position = folded.find(word) if len(folded) == len(text) else 0
    start = max(position - width // 3, 0)
    piece = text[start : start + width].strip()
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
