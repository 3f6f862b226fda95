"""The search index: each guide's sections, per language, with a bilingual glossary.

The same index serves two searches that must agree: `search()` here, for
`/search?q=` without JavaScript, and pwa/static/search.js in the browser,
which reads `index_json()` and works offline. Each result is one section of a
guide (`/guides/<slug>#<anchor>`), with the sentence that matched.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from server.catalog import Catalog
from server.guide_text import GuideText, sections
from server.languages import Languages, shipped_languages
from server.root_path import SiteRoot
from server.settings import PWA_DIR

SEARCH_PATH = "/search"
MAX_WORDS = 8
SNIPPET_CHARS = 180
# A sentence this short is followed by the next in the snippet: a heading alone says little.
SHORT_SNIPPET = 90
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class SearchEntry:
    slug: str
    title: str
    anchor: str  # "": the guide's title and summary
    heading: str
    text: str  # the section's blocks, one a line
    lang: str = ""  # the language of the text


def fold(text: str) -> str:
    """Lower-case without accents, so "perpanjangan" matches "Perpanjangan"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def load_glossary(path: Path) -> tuple[tuple[str, ...], ...]:
    """Groups of terms that mean the same (pwa/glossary.toml), folded."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    groups = raw.get("terms", [])
    if not isinstance(groups, list) or not all(
        isinstance(g, list) and len(g) >= 2 and all(isinstance(t, str) for t in g) for g in groups
    ):
        raise ValueError(f"{path}: `terms` must be a list of lists of at least two words")
    return tuple(tuple(fold(" ".join(t.split())) for t in group) for group in groups)


@functools.cache
def office_glossary() -> tuple[tuple[str, ...], ...]:
    """pwa/glossary.toml, read once per process."""
    return load_glossary(PWA_DIR / "glossary.toml")


def build_entries(
    catalog: Catalog, lang: str, text_for: Callable[[str], GuideText | None]
) -> list[SearchEntry]:
    entries = []
    for guide in catalog.guides:
        gfile = guide.file_for(lang)
        title = guide.title[lang]
        # Titles and summaries are searchable even before a text version exists.
        entries.append(
            SearchEntry(guide.slug, title, "", "", f"{title}\n{guide.summary[lang]}", lang)
        )
        text = text_for(gfile.sha256)
        if text is None:
            continue
        for section in sections(text, tuple(guide.title.values())):
            if section.level < 0:
                continue  # the letterhead: the same on every guide
            body = "\n".join(section.lines)
            if body.strip():
                entry = SearchEntry(
                    guide.slug, title, section.anchor, section.heading, body, gfile.lang
                )
                entries.append(entry)
    return entries


def index_json(
    entries: list[SearchEntry],
    lang: str,
    glossary: tuple[tuple[str, ...], ...] = (),
    root: SiteRoot | None = None,
    languages: Languages | None = None,
) -> bytes:
    """Compact JSON for the browser: titles once, then `[slug, anchor, heading, text, lang]`.

    `prefix` is where this language's pages are, under the site's root path.
    """
    prefix = (root or SiteRoot()).url(_prefix(lang, languages or shipped_languages()))
    titles = {e.slug: e.title for e in entries}
    rows = [[e.slug, e.anchor, e.heading, e.text, e.lang] for e in entries]
    return json.dumps(
        {
            "lang": lang,
            "prefix": prefix,
            "titles": titles,
            "glossary": [list(group) for group in glossary],
            "entries": rows,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def _prefix(lang: str, languages: Languages) -> str:
    """Where `lang`'s pages are; "" for an index of no one language (`search`'s)."""
    return languages.prefix(lang) if lang in languages else ""


@dataclass(frozen=True)
class SearchIndex:
    """One language's entries, and the URL its JSON is served at (it carries the hash)."""

    lang: str
    entries: list[SearchEntry]
    body: bytes
    url: str
    folded: list[str] = field(repr=False)
    glossary: tuple[tuple[str, ...], ...] = ()


def build_index(
    entries: list[SearchEntry],
    lang: str,
    glossary: tuple[tuple[str, ...], ...] = (),
    root: SiteRoot | None = None,
    languages: Languages | None = None,
) -> SearchIndex:
    languages = languages or shipped_languages()
    body = index_json(entries, lang, glossary, root, languages)
    digest = hashlib.sha256(body).hexdigest()[:16]
    url = f"{_prefix(lang, languages)}/search-index.{digest}.json"
    return SearchIndex(lang, entries, body, url, [fold(e.text) for e in entries], glossary)


@dataclass(frozen=True)
class SearchHit:
    slug: str
    title: str
    anchor: str
    heading: str
    snippet: str
    marks: tuple[tuple[int, int], ...]  # where matched words are in the snippet
    lang: str = ""

    @property
    def parts(self) -> list[tuple[str, bool]]:
        """The snippet as (text, marked) pieces."""
        pieces, at = [], 0
        for start, end in self.marks:
            if start > at:
                pieces.append((self.snippet[at:start], False))
            pieces.append((self.snippet[start:end], True))
            at = end
        if at < len(self.snippet):
            pieces.append((self.snippet[at:], False))
        return pieces


def query_words(query: str) -> list[str]:
    return [w for w in fold(query).split() if w][:MAX_WORDS]


def concepts(words: list[str], glossary: tuple[tuple[str, ...], ...]) -> list[tuple[str, ...]]:
    """Each word of the query (or glossary phrase, "izin tinggal") with what means the same."""
    found: list[tuple[str, ...]] = []
    at = 0
    while at < len(words):
        for length in (3, 2, 1):
            phrase = " ".join(words[at : at + length])
            if length > 1 and at + length > len(words):
                continue
            group = next((g for g in glossary if phrase in g), None)
            if group is not None or length == 1:
                alternatives = (phrase, *(t for t in (group or ()) if t != phrase))
                found.append(alternatives)
                at += length
                break
    return found


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


def _matches(folded: str, alternatives: tuple[str, ...]) -> list[tuple[int, int]]:
    return sorted(
        (start, start + len(term)) for term in alternatives for start in word_starts(folded, term)
    )


def search(
    entries: list[SearchEntry],
    query: str,
    limit: int = 20,
    glossary: tuple[tuple[str, ...], ...] = (),
) -> list[SearchHit]:
    """Every word of the query (or a word meaning the same) must be in the section."""
    return search_index(build_index(entries, "", glossary), query, limit)


def search_index(index: SearchIndex, query: str, limit: int = 20) -> list[SearchHit]:
    wanted = concepts(query_words(query), index.glossary)
    if not wanted:
        return []
    scored = []
    for order, (entry, folded) in enumerate(zip(index.entries, index.folded, strict=True)):
        found = [_matches(folded, alternatives) for alternatives in wanted]
        if not all(found):
            continue
        heading = fold(entry.heading or entry.title)
        in_heading = sum(1 for alts in wanted if _matches(heading, alts))
        # The words as typed count twice as much as their translations.
        typed = sum(len(word_starts(folded, alts[0])) for alts in wanted)
        score = sum(len(f) for f in found) + typed + 4 * in_heading + (3 if not entry.anchor else 0)
        scored.append((-score, order, entry, folded))
    scored.sort(key=lambda item: (item[0], item[1]))
    with_sections = {entry.slug for _, _, entry, _ in scored if entry.anchor}
    hits: list[SearchHit] = []
    seen: set[tuple[str, str]] = set()
    for _, _, entry, folded in scored:
        # A guide found in its sections is not listed again for its title.
        if not entry.anchor and entry.slug in with_sections:
            continue
        hit = _hit(entry, folded, wanted)
        if (hit.slug, hit.snippet) in seen:
            continue
        seen.add((hit.slug, hit.snippet))
        hits.append(hit)
    return hits[:limit]


def _hit(entry: SearchEntry, folded: str, wanted: list[tuple[str, ...]]) -> SearchHit:
    text = entry.text
    aligned = len(folded) == len(text)
    spans = _sentences(text)
    best = max(
        spans,
        key=lambda span: sum(
            1 for alts in wanted if aligned and _matches(folded[span[0] : span[1]], alts)
        ),
    )
    start, end = best
    # A short sentence (a heading, a table row) is followed by the next ones.
    following = [s for s in spans if s[0] >= end]
    while end - start < SHORT_SNIPPET and following:
        end = following.pop(0)[1]
    whole_end = end
    if end - start > SNIPPET_CHARS:
        first = min((m[0] for a in wanted for m in _matches(folded[start:end], a)), default=0)
        start = start + max(first - SNIPPET_CHARS // 3, 0)
        space = text.find(" ", start, start + 30) if start > best[0] else -1
        start = space + 1 if space != -1 else start
        end = min(end, start + SNIPPET_CHARS)
        space = text.rfind(" ", start, end)
        # End at a word.
        end = space if space > start + SNIPPET_CHARS // 2 and end < whole_end else end
    lead = "…" if start > best[0] else ""
    tail = "…" if end < whole_end else ""
    body = text[start:end].replace("\n", " · ")
    snippet = lead + body + tail
    marks: list[tuple[int, int]] = []
    if aligned:
        window = folded[start:end]

        def shown(at: int) -> int:
            # Each line break is shown as " · ", two characters longer.
            return len(lead) + at + 2 * window.count("\n", 0, at)

        for alternatives in wanted:
            marks += [(shown(a), shown(b)) for a, b in _matches(window, alternatives)]
    return SearchHit(
        entry.slug,
        entry.title,
        entry.anchor,
        entry.heading,
        snippet,
        _merged(marks),
        entry.lang,
    )


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; each line (a heading, an item, a row) ends one too."""
    spans = []
    at = 0
    for line in text.split("\n"):
        begin = at
        for gap in _SENTENCE_END.finditer(line):
            spans.append((begin, at + gap.start()))
            begin = at + gap.end()
        if begin < at + len(line):
            spans.append((begin, at + len(line)))
        at += len(line) + 1
    return spans or [(0, len(text))]


def _merged(marks: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(marks):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
