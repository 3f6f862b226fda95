"""Reading order of a PDF page: rows, columns, and the running headers and footers left out.

Pure geometry: text_extract.py gives each page's words (from the text layer or
from OCR), its tables and its callout boxes; this module puts them in reading
order (two columns read left, then right, within bands split by full-width lines).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass

# Page margins where running headers, footers and page numbers live.
MARGIN_SHARE = 0.08

_PAGE_NUMBER = re.compile(
    r"^(page|halaman|hal\.?|p\.)?\s*-?\s*#\s*-?\s*((/|of|dari)\s*#)?$", re.IGNORECASE
)
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool = False
    link: str | None = None


@dataclass(frozen=True)
class Box:
    """A table (with its rows) or a callout box found on a page."""

    kind: str  # "table" or "note"
    x0: float
    top: float
    x1: float
    bottom: float
    rows: tuple[tuple[str, ...], ...] = ()
    page: int = 0

    def holds(self, word: Word) -> bool:
        x, y = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
        return self.x0 <= x <= self.x1 and self.top <= y <= self.bottom


@dataclass(frozen=True)
class PageWords:
    number: int
    width: float
    height: float
    words: tuple[Word, ...]
    boxes: tuple[Box, ...] = ()


@dataclass
class Line:
    words: list[Word]
    page: int
    column: int = 0  # 0 full width or single column, 1 left, 2 right
    note: int = -1  # index of the callout box holding the line, -1 for none

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def size(self) -> float:
        return round(statistics.median(w.size for w in self.words) * 2) / 2

    @property
    def bold(self) -> bool:
        return all(w.bold for w in self.words)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def make_rows(words: list[Word]) -> list[list[Word]]:
    """Words that share a baseline, top to bottom, each row left to right."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        middle = (word.top + word.bottom) / 2
        for row in reversed(rows[-3:]):
            row_middle = statistics.median((w.top + w.bottom) / 2 for w in row)
            if abs(middle - row_middle) < 0.5 * min(word.size, row[0].size):
                row.append(word)
                break
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: w.x0) for row in rows]


def find_gutter(words: list[Word], width: float) -> float | None:
    """The x of the space between two columns, or None for a single-column page."""
    if len(words) < 40:
        return None
    rows = len({round(w.top / 2) for w in words})
    best: list[float] = []
    least = len(words)
    x = width * 0.3
    while x <= width * 0.7:
        crossing = sum(1 for w in words if w.x0 - 1 < x < w.x1 + 1)
        if crossing < least:
            least, best = crossing, [x]
        elif crossing == least:
            best.append(x)
        x += 2.0
    if not best or least > 0.15 * rows:
        return None
    # The middle of the widest run of best positions.
    runs: list[list[float]] = []
    for x in best:
        if runs and x - runs[-1][-1] <= 2.0:
            runs[-1].append(x)
        else:
            runs.append([x])
    run = max(runs, key=len)
    gutter = (run[0] + run[-1]) / 2
    left = sum(1 for w in words if w.x1 <= gutter)
    right = sum(1 for w in words if w.x0 >= gutter)
    if min(left, right) < 0.25 * len(words):
        return None
    # Both columns must fill most of their side, not be a few labels beside a text.
    near_left = sum(1 for w in words if gutter - width * 0.15 < w.x1 <= gutter)
    near_right = sum(1 for w in words if gutter <= w.x0 < gutter + width * 0.15)
    if min(near_left, near_right) < 0.1 * len(words):
        return None
    return gutter


def order_page(page: PageWords) -> list[Line | Box]:
    """The page's lines and tables in reading order, headers and footers included."""
    tables = [b for b in page.boxes if b.kind == "table"]
    notes = [b for b in page.boxes if b.kind == "note"]
    words = [w for w in page.words if not any(t.holds(w) for t in tables)]
    gutter = find_gutter(words, page.width)
    items: list[tuple[int, float, int, Line | Box]] = []  # (band, top, column, item)
    full_tops: list[float] = []
    pieces: list[Line] = []
    for row in make_rows(words):
        if gutter is None:
            pieces.append(Line(row, page.number))
            continue
        left = [w for w in row if w.x1 <= gutter]
        right = [w for w in row if w.x0 >= gutter]
        gap = (min(w.x0 for w in right) - max(w.x1 for w in left)) if left and right else 0.0
        crossing = len(left) + len(right) < len(row) or (left and right and gap < row[0].size)
        if crossing:
            pieces.append(Line(row, page.number, 0))
            full_tops.append(min(w.top for w in row))
        else:
            pieces += [Line(side, page.number, c) for c, side in ((1, left), (2, right)) if side]
    for table in tables:
        column = 0
        if gutter is not None and table.x1 <= gutter + 5:
            column = 1
        elif gutter is not None and table.x0 >= gutter - 5:
            column = 2
        else:
            full_tops.append(table.top)
        items.append((0, table.top, column, table))
    for line in pieces:
        for index, note in enumerate(notes):
            if all(note.holds(w) for w in line.words):
                line.note = index + 1000 * page.number
        items.append((0, line.top, line.column, line))
    full_tops.sort()

    def band(top: float, column: int) -> int:
        # A full-width line starts a new band; columns are read within their band.
        count = sum(1 for t in full_tops if t < top - 0.5)
        return count * 2 + (1 if column == 0 else 0)

    ordered = sorted(
        ((band(top, column), column, top, n) for n, (_, top, column, _) in enumerate(items)),
    )
    return [items[n][3] for _, _, _, n in ordered]


def drop_furniture(pages: list[PageWords], ordered: list[list[Line | Box]]) -> None:
    """Remove running headers, footers and page numbers (text repeated in the margins)."""
    seen: Counter[str] = Counter()
    keys: list[list[str | None]] = []
    for page, items in zip(pages, ordered, strict=True):
        page_keys: list[str | None] = []
        for item in items:
            key = None
            if isinstance(item, Line) and (
                item.bottom < page.height * MARGIN_SHARE
                or item.top > page.height * (1 - MARGIN_SHARE)
            ):
                key = _DIGITS.sub("#", fold(item.text)).strip()
            page_keys.append(key)
        seen.update({k for k in page_keys if k})
        keys.append(page_keys)
    title = _first_title(ordered)
    for page_keys, items in zip(keys, ordered, strict=True):
        keep = []
        for key, item in zip(page_keys, items, strict=True):
            furniture = key is not None and (
                seen[key] > 1
                or (len(pages) > 1 and _PAGE_NUMBER.match(key) is not None)
                or (
                    title is not None
                    and isinstance(item, Line)
                    and item.page > 1
                    and key.startswith(title)
                )
            )
            if not furniture:
                keep.append(item)
        # A page whose every line repeats in the margins is all content, not furniture.
        if keep or not items:
            items[:] = keep


def _first_title(ordered: list[list[Line | Box]]) -> str | None:
    lines = [i for i in (ordered[0] if ordered else []) if isinstance(i, Line)]
    if not lines:
        return None
    biggest = max(lines, key=lambda line: line.size)
    return fold(biggest.text) if len(biggest.text) >= 4 else None
