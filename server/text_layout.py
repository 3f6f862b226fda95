"""Structure of a PDF's text: ordered lines become headings, paragraphs, lists, notes, tables.

text_order.py gives the lines in reading order; this module decides what each
line is, from font sizes, weight, list markers and spacing, and mends words
split across lines.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from server.text_order import Box, Line, PageWords, Word, drop_furniture, fold, order_page

__all__ = ["Block", "Box", "PageWords", "Word", "build_blocks", "fold", "join_lines"]

# A heading is this much bigger than the body text, or bold at the body's size.
HEADING_RATIO = 1.15
# Longest text that a bold line of body size can have and still be read as a heading.
BOLD_HEADING_CHARS = 90

_BULLET = re.compile(r"^[•●▪■◦○‣∙·\-\u2013\u2014*]\s+")
_NUMBER = re.compile(r"^(\d{1,2}|[a-z])[.)]\s+")


@dataclass(frozen=True)
class Block:
    """One piece of the text version, in reading order."""

    kind: str  # "heading", "paragraph", "bullets", "steps", "note", "table"
    page: int
    text: str = ""
    level: int = 0  # headings: 1 is the biggest
    items: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (the linked words, their URL)


@dataclass
class _Draft:
    kind: str
    lines: list[Line] = field(default_factory=list)
    items: list[list[Line]] = field(default_factory=list)
    box: Box | None = None


# Structure -----------------------------------------------------------------


def build_blocks(pages: list[PageWords]) -> list[Block]:
    ordered = [order_page(page) for page in pages]
    drop_furniture(pages, ordered)
    stream = [item for items in ordered for item in items]
    lines = [item for item in stream if isinstance(item, Line)]
    if not lines and not stream:
        return []
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[line.size] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    bigger = sorted({s for s in sizes if s >= body * HEADING_RATIO and s > 0}, reverse=True)
    gaps = [
        b.top - a.bottom
        for a, b in itertools.pairwise(lines)
        if a.page == b.page
        and a.column == b.column
        and a.size == b.size == body
        and 0 <= b.top - a.bottom < 2 * body
    ]
    usual_gap = statistics.median(gaps) if gaps else body * 0.3
    return _Builder(body, bigger, usual_gap).run(stream)


class _Builder:
    def __init__(self, body: float, bigger: list[float], usual_gap: float) -> None:
        self.body = body
        self.bigger = bigger
        self.usual_gap = usual_gap
        self.drafts: list[_Draft] = []

    def heading_level(self, line: Line) -> int:
        text = line.text
        if sum(ch.isalpha() for ch in text) < 3 or len(text) > 200:
            return 0
        if line.size in self.bigger:
            return self.bigger.index(line.size) + 1
        if (
            line.bold
            and line.note < 0
            and line.size >= self.body * 0.95
            and len(text) <= BOLD_HEADING_CHARS
            and not text.rstrip().endswith((".", ",", ";"))
            and not _BULLET.match(text)
        ):
            return len(self.bigger) + 1
        return 0

    def run(self, stream: list[Line | Box]) -> list[Block]:
        previous: Line | None = None
        for item in stream:
            if isinstance(item, Box):
                self.drafts.append(_Draft("table", box=item))
                previous = None
                continue
            self.add_line(item, previous)
            previous = item
        blocks = [block for draft in self.drafts for block in self.finish(draft)]
        return _demote_lone_bold(blocks, len(self.bigger) + 1)

    def add_line(self, line: Line, previous: Line | None) -> None:
        level = self.heading_level(line)
        last = self.drafts[-1] if self.drafts else None
        joined = previous is not None and last is not None and self.continues(previous, line)
        if line.note >= 0:
            if last is not None and last.kind == "note" and previous and previous.note == line.note:
                last.lines.append(line)
            else:
                self.drafts.append(_Draft("note", [line]))
            return
        if level:
            if (
                joined
                and last is not None
                and last.kind == f"h{level}"
                and previous is not None
                and previous.size == line.size
            ):
                last.lines.append(line)
            else:
                self.drafts.append(_Draft(f"h{level}", [line]))
            return
        text = line.text
        marker = "bullets" if _BULLET.match(text) else "steps" if _NUMBER.match(text) else None
        if marker is not None:
            if last is not None and last.kind == marker and joined_list(last, line, previous):
                last.items.append([line])
            else:
                self.drafts.append(_Draft(marker, items=[[line]]))
            return
        if (
            joined
            and last is not None
            and last.kind in ("bullets", "steps")
            and line.x0 > last.items[-1][0].x0 + 2
        ):
            last.items[-1].append(line)
            return
        if (
            joined
            and last is not None
            and last.kind == "paragraph"
            and previous is not None
            and not (line.x0 > previous.x0 + 0.8 * line.size and line.page == previous.page)
        ):
            last.lines.append(line)
            return
        self.drafts.append(_Draft("paragraph", [line]))

    def continues(self, previous: Line, line: Line) -> bool:
        """Whether `line` may carry on the block that `previous` ended."""
        if abs(previous.size - line.size) > 0.5 or previous.bold != line.bold:
            return False
        if previous.page != line.page or previous.column != line.column:
            # Across a column or page: only a sentence that visibly goes on.
            ending = previous.text.rstrip()
            return not ending.endswith((".", "!", "?", ":")) and line.text[:1].islower()
        gap = line.top - previous.bottom
        return -0.5 * line.size <= gap <= self.usual_gap + 0.4 * line.size

    def finish(self, draft: _Draft) -> list[Block]:
        if draft.kind == "table":
            assert draft.box is not None
            return [Block("table", draft.box.page, rows=draft.box.rows)]
        if draft.kind.startswith("h"):
            text = join_lines(draft.lines)
            if len(text) > 200:  # a long bold passage is a paragraph, not a heading
                return [Block("paragraph", draft.lines[0].page, text, links=_links(draft.lines))]
            return [Block("heading", draft.lines[0].page, text, level=int(draft.kind[1:]))]
        if draft.kind == "steps" and not _counts_from_one(draft.items):
            # "3." after "1." is not a list the page can number again: keep each as it reads.
            return [
                Block("paragraph", item[0].page, join_lines(item), links=_links(item))
                for item in draft.items
            ]
        if draft.kind in ("bullets", "steps"):
            marker = _BULLET if draft.kind == "bullets" else _NUMBER
            items = tuple(marker.sub("", join_lines(item), count=1) for item in draft.items)
            links = _links([line for item in draft.items for line in item])
            return [Block(draft.kind, draft.items[0][0].page, items=items, links=links)]
        if draft.kind == "note":
            paragraphs: list[list[Line]] = []
            for line in draft.lines:
                if paragraphs and self.continues(paragraphs[-1][-1], line):
                    paragraphs[-1].append(line)
                else:
                    paragraphs.append([line])
            text = "\n".join(join_lines(p) for p in paragraphs)
            return [Block("note", draft.lines[0].page, text, links=_links(draft.lines))]
        return [
            Block(
                "paragraph", draft.lines[0].page, join_lines(draft.lines), links=_links(draft.lines)
            )
        ]


def _demote_lone_bold(blocks: list[Block], bold_level: int) -> list[Block]:
    """A bold line right before a bigger or equal heading heads nothing: it is a paragraph."""
    result = []
    for block, after in zip(blocks, [*blocks[1:], None], strict=True):
        if (
            block.kind == "heading"
            and block.level == bold_level
            and after is not None
            and after.kind == "heading"
            and after.level <= block.level
        ):
            block = Block("paragraph", block.page, block.text)
        result.append(block)
    return result


def _counts_from_one(items: list[list[Line]]) -> bool:
    markers = [_NUMBER.match(item[0].text) for item in items]
    values = [m.group(1) for m in markers if m]
    expected = [str(n) for n in range(1, len(items) + 1)]
    letters = [chr(ord("a") + n) for n in range(len(items))]
    return values in (expected, letters)


def joined_list(draft: _Draft, line: Line, previous: Line | None) -> bool:
    """A new item of the list above: same marker indent, no big gap."""
    first = draft.items[-1][0]
    if previous is None or abs(first.x0 - line.x0) > 3 or line.page - previous.page > 1:
        return False
    return line.page != previous.page or line.top - previous.bottom < 2.5 * line.size


def join_lines(lines: list[Line]) -> str:
    """One text from wrapped lines: spaces between them, words split by a hyphen mended."""
    text = ""
    for line in lines:
        part = line.text.strip()
        if not text:
            text = part
        elif _mend(text, part):
            text = text[:-1] + part
        else:
            text += " " + part
    return text


def _mend(before: str, after: str) -> bool:
    """ "Special-" + "ization" is one word; "Just-in-" + "Time" and "anak-" + "anak" are not."""
    if not before.endswith("-") or len(before) < 2 or not before[-2].isalpha():
        return False
    if not after[:1].islower():
        return False
    stem = before[:-1].split(" ")[-1].split("-")[-1]
    following = after.split(" ")[0]
    # Indonesian doubles a word with a hyphen: "anak-anak", "kupu-kupu".
    return not (stem and following.rstrip(".,;:").startswith(stem))


def _links(lines: list[Line]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for line in lines:
        run: list[Word] = []
        for word in [*line.words, None]:
            if word is not None and word.link and (not run or run[-1].link == word.link):
                run.append(word)
                continue
            if run and run[0].link:
                pair = (" ".join(w.text for w in run), run[0].link)
                if pair not in found:
                    found.append(pair)
            run = [word] if word is not None and word.link else []
    return tuple(found)
