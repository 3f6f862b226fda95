"""The search index: the text of every guide page, per language, kept small.

The same index serves two searches that must agree: `search()` here, for
`/search?q=` without JavaScript, and pwa/static/search.js in the browser,
which reads `index_json()` and works offline.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from server.catalog import Catalog
from server.i18n import lang_prefix
from server.reader import ReaderEdition
from server.root_path import SiteRoot

_SPACE = re.compile(r"\s+")
SEARCH_PATH = "/search"
MAX_WORDS = 8
SNIPPET_CHARS = 160


@dataclass(frozen=True)
class SearchEntry:
    slug: str
    title: str
    page: int  # 0: the guide's title and summary
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


def index_json(entries: list[SearchEntry], lang: str, root: SiteRoot | None = None) -> bytes:
    """Compact JSON for the browser: titles once, then `[slug, page, text]` per page.

    `prefix` is where this language's pages are, under the site's root path.
    """
    prefix = (root or SiteRoot()).url(lang_prefix(lang))
    titles = {e.slug: e.title for e in entries}
    rows = [[e.slug, e.page, e.text] for e in entries]
    return json.dumps(
        {"lang": lang, "prefix": prefix, "titles": titles, "pages": rows},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


@dataclass(frozen=True)
class SearchIndex:
    """One language's entries, and the URL its JSON is served at (it carries the hash)."""

    lang: str
    entries: list[SearchEntry]
    body: bytes
    url: str
    folded: list[str] = field(repr=False)


def build_index(entries: list[SearchEntry], lang: str, root: SiteRoot | None = None) -> SearchIndex:
    body = index_json(entries, lang, root)
    digest = hashlib.sha256(body).hexdigest()[:16]
    url = f"{lang_prefix(lang)}/search-index.{digest}.json"
    return SearchIndex(lang, entries, body, url, [fold(e.text) for e in entries])


@dataclass(frozen=True)
class SearchHit:
    slug: str
    title: str
    page: int
    snippet: str
    mark: tuple[int, int]  # where the first word is in the snippet; (0, 0) for none

    @property
    def parts(self) -> tuple[str, str, str]:
        start, end = self.mark
        return self.snippet[:start], self.snippet[start:end], self.snippet[end:]


def query_words(query: str) -> list[str]:
    return [w for w in fold(query).split() if w][:MAX_WORDS]


def word_starts(folded: str, word: str) -> list[int]:
    """Where `word` begins a word of `folded`: "itas" finds "ITAS", not "prioritas".

    A prefix is enough, as Indonesian adds endings: "paspor" finds "paspornya".
    """
    found = []
    position = folded.find(word)
    while position != -1:
        if position == 0 or not folded[position - 1].isalnum():
            found.append(position)
        position = folded.find(word, position + 1)
    return found


def search(entries: list[SearchEntry], query: str, limit: int = 20) -> list[SearchHit]:
    """Every word of the query must appear in the page; best pages first."""
    index = SearchIndex("", entries, b"", "", [fold(e.text) for e in entries])
    return search_index(index, query, limit)


def search_index(index: SearchIndex, query: str, limit: int = 20) -> list[SearchHit]:
    words = query_words(query)
    if not words:
        return []
    scored = []
    for entry, folded in zip(index.entries, index.folded, strict=True):
        starts = [word_starts(folded, word) for word in words]
        if all(starts):
            # The title and summary weigh more: they say what the guide is about.
            score = sum(len(found) for found in starts) + (5 if entry.page == 0 else 0)
            scored.append((score, entry, folded))
    # Stable: equal scores keep the catalog's order, then the page order.
    scored.sort(key=lambda item: -item[0])
    return [_hit(entry, folded, words[0]) for _, entry, folded in scored[:limit]]


def _hit(entry: SearchEntry, folded: str, word: str) -> SearchHit:
    text = entry.text
    # fold() can change the length of some characters; then show the start, unmarked.
    aligned = len(folded) == len(text)
    position = word_starts(folded, word)[0] if aligned else 0
    start = max(position - SNIPPET_CHARS // 3, 0)
    if start:
        # Begin at a word.
        space = text.find(" ", start, position)
        start = space + 1 if space != -1 else start
    end = min(start + SNIPPET_CHARS, len(text))
    if end < len(text):
        space = text.rfind(" ", max(position + len(word), start), end)
        end = space if space != -1 else end
    lead = "…" if start else ""
    snippet = lead + text[start:end].rstrip() + ("…" if end < len(text) else "")
    mark = (0, 0)
    if aligned:
        offset = len(lead) + position - start
        mark = (offset, offset + len(word))
    return SearchHit(entry.slug, entry.title, entry.page, snippet, mark)
