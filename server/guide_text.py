"""The text version of each guide version: made once when it is published, kept beside its blobs.

`TextStore` holds, per PDF sha256, the text read from its text layer
(`<sha>.json`), the OCR text of a scanned PDF (`<sha>.ocr.json`) and, once
Tikkim has looked an OCR text over, its approval (`<sha>.review.json`). The
reading runs in a child process (text_extract.py). The site shows a text
only when it is whole: read from a text layer, or OCR'd and approved.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from server.db import utc_now
from server.errors import BilangKaryoError
from server.text_layout import Block, fold

log = logging.getLogger("bilang_karyo")

TEXT_TIMEOUT_SECONDS = 120.0
OCR_TIMEOUT_SECONDS = 1800.0
# Table of contents only when there are enough sections to need one.
TOC_MIN_SECTIONS = 4
_KINDS = frozenset({"heading", "paragraph", "bullets", "steps", "note", "table"})
_ANCHOR = re.compile(r"[^a-z0-9]+")
# Addresses written out in a guide ("evisa.imigrasi.go.id", "https://…", "info@…") become links.
_ADDRESS = re.compile(
    r"(?<![\w@/.-])("
    r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]"
    r"|[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+"
    r"|(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:go\.id|co\.id|or\.id|ac\.id|id|com|org|net)"
    r"(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)])?"
    r")",
    re.IGNORECASE,
)


class TextError(BilangKaryoError):
    """The text version could not be made, or cannot be approved; the message says why."""


@dataclass(frozen=True)
class GuideText:
    """The blocks of one PDF's text version, and whether they came from OCR."""

    blocks: tuple[Block, ...]
    pages: int
    ocr: bool = False
    ocr_pages: tuple[int, ...] = ()
    seconds: float = 0.0
    ocr_seconds_per_page: float | None = None

    @property
    def needs_ocr(self) -> bool:
        return bool(self.ocr_pages) and not self.ocr


@dataclass(frozen=True)
class Section:
    """A heading and the blocks under it; `anchor` is its id on the guide page."""

    anchor: str
    heading: str
    level: int  # 2 for a main section, 3 and 4 below it; 0 for the text before any heading
    blocks: tuple[Block, ...]

    @property
    def lines(self) -> list[str]:
        """Everything the section says, a line per heading, paragraph, item or row (search)."""
        parts = [self.heading] if self.heading else []
        for block in self.blocks:
            parts += [*block.text.split("\n"), *block.items]
            parts += [" ".join(c for c in row if c) for row in block.rows]
        return [" ".join(p.split()) for p in parts if p.strip()]


def linked(text: str, links: tuple[tuple[str, str], ...] = ()) -> Markup:
    """`text` as HTML, its PDF links and written-out addresses made clickable."""
    pieces: list[tuple[int, int, str]] = []
    for words, url in links:
        at = text.find(words)
        if at != -1 and url.lower().startswith(("http://", "https://", "mailto:", "tel:")):
            pieces.append((at, at + len(words), url))
    for match in _ADDRESS.finditer(text):
        if any(a < match.end() and match.start() < b for a, b, _ in pieces):
            continue
        address = match.group(1)
        if "@" in address and not address.lower().startswith("http"):
            url = f"mailto:{address}"
        elif address.lower().startswith("http"):
            url = address
        else:
            url = f"https://{address}"
        pieces.append((match.start(), match.end(), url))
    html, at = Markup(""), 0
    for start, end, url in sorted(pieces):
        if start < at:
            continue
        html += escape(text[at:start])
        html += Markup('<a href="{}" rel="noopener">{}</a>').format(url, text[start:end])
        at = end
    return html + escape(text[at:])


def anchor_for(heading: str) -> str:
    """ "Paspor hilang atau rusak" -> "paspor-hilang-atau-rusak": stable while the heading is."""
    return _ANCHOR.sub("-", fold(heading)).strip("-")[:60].strip("-") or "bagian"


LETTERHEAD = "kop"


def sections(text: GuideText, title: str | tuple[str, ...]) -> list[Section]:
    """The text's sections; a first heading that repeats the guide's title is left out.

    What comes before that title in the PDF (the office's letterhead) becomes a last
    section with the anchor "kop" and level -1: the page shows it at the end, small,
    so that the first screen holds the guide itself.
    """
    blocks = list(text.blocks)
    letterhead: list[Block] = []
    first = next((i for i, b in enumerate(blocks) if b.kind == "heading"), None)
    titles = {fold(t).strip() for t in ((title,) if isinstance(title, str) else title)}
    if first is not None and fold(blocks[first].text).strip() in titles:
        letterhead = blocks[:first]
        del blocks[: first + 1]
    levels = sorted({b.level for b in blocks if b.kind == "heading"})
    found: list[Section] = []
    used: set[str] = set()
    heading, level, anchor, body = "", 0, "mulai", []
    for block in blocks:
        if block.kind != "heading":
            body.append(block)
            continue
        if heading or body:
            found.append(Section(anchor, heading, level, tuple(body)))
        heading, body = block.text, []
        level = min(levels.index(block.level) + 2, 4)
        anchor = base = anchor_for(heading)
        count = 2
        while anchor in used or anchor == "mulai":
            anchor, count = f"{base}-{count}", count + 1
        used.add(anchor)
    if heading or body:
        found.append(Section(anchor, heading, level, tuple(body)))
    if letterhead:
        found.append(Section(LETTERHEAD, "", -1, tuple(letterhead)))
    return found


def from_json(raw: Any) -> GuideText:
    """A stored or freshly made text version; raises TextError on anything unexpected."""
    try:
        blocks = tuple(_block(b) for b in raw["blocks"])
        return GuideText(
            blocks,
            int(raw["pages"]),
            bool(raw.get("ocr", False)),
            tuple(int(n) for n in raw.get("ocr_pages", ())),
            float(raw.get("seconds", 0.0)),
            raw.get("ocr_seconds_per_page"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TextError(f"the text version is malformed: {exc}") from None


def _block(raw: dict[str, Any]) -> Block:
    kind = str(raw["kind"])
    if kind not in _KINDS:
        raise ValueError(f"unknown block kind {kind!r}")
    return Block(
        kind,
        int(raw.get("page", 0)),
        str(raw.get("text", "")),
        int(raw.get("level", 0)),
        tuple(str(i) for i in raw.get("items", ())),
        tuple(tuple(str(c) for c in row) for row in raw.get("rows", ())),
        tuple((str(t), str(u)) for t, u in raw.get("links", ())),
    )


def read_in_child(data: bytes, ocr: bool = False) -> dict[str, Any]:
    """Run text_extract.py on `data` in a child process and return its JSON."""
    command = [sys.executable, "-m", "server.text_extract", *(["--ocr"] if ocr else [])]
    timeout = OCR_TIMEOUT_SECONDS if ocr else TEXT_TIMEOUT_SECONDS
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TextError(f"reading the text took longer than {timeout:.0f} s") from None
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        if done.returncode < 0:
            raise TextError(f"the text reader stopped (signal {-done.returncode})")
        raise TextError(lines[-1] if lines else f"the text reader failed ({done.returncode})")
    try:
        result: dict[str, Any] = json.loads(done.stdout)
    except ValueError as exc:
        raise TextError(f"the text reader's answer is not JSON: {exc}") from None
    return result


class TextStore:
    """Text versions under `root/<sha[:2]>/`; a made text never changes, an approval is added."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[Path, GuideText | None] = {}

    def _path(self, sha256: str, kind: str = "") -> Path:
        return self.root / sha256[:2] / f"{sha256}{kind}.json"

    def _read(self, path: Path) -> GuideText | None:
        if path in self._cache:
            return self._cache[path]
        try:
            text = from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TextError) as exc:
            log.error("text version %s cannot be read: %s", path.name, exc)
            return None
        self._cache[path] = text
        return text

    def layer(self, sha256: str) -> GuideText | None:
        """What the PDF's text layer gave, whole or not."""
        return self._read(self._path(sha256))

    def ocr(self, sha256: str) -> GuideText | None:
        return self._read(self._path(sha256, ".ocr"))

    def review(self, sha256: str) -> dict[str, str] | None:
        try:
            raw = json.loads(self._path(sha256, ".review").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else None

    def state(self, sha256: str) -> str:
        """One of "missing", "ready", "ocr_waiting" (scanned, not read yet), "no_text" (OCR
        found none), "awaiting_review" or "approved"."""
        layer = self.layer(sha256)
        if layer is None:
            return "missing"
        if not layer.needs_ocr:
            return "ready"
        ocr = self.ocr(sha256)
        if ocr is None:
            return "ocr_waiting"
        if not ocr.blocks:
            return "no_text"  # pictures without words: the original pages say it all
        return "approved" if self.review(sha256) is not None else "awaiting_review"

    def shown(self, sha256: str) -> GuideText | None:
        """The text the public site shows for this version, if any."""
        state = self.state(sha256)
        if state == "ready":
            return self.layer(sha256)
        if state == "approved":
            return self.ocr(sha256)
        return None

    def make(self, sha256: str, data: bytes) -> GuideText:
        """Read the text layer of `data` (once; a second call returns the stored one)."""
        if (known := self.layer(sha256)) is not None:
            return known
        result = read_in_child(data)
        text = from_json(result)
        self._write(self._path(sha256), result)
        log.info(
            "text: %s read in %.2f s (%d blocks%s)",
            sha256[:16],
            text.seconds,
            len(text.blocks),
            f", {len(text.ocr_pages)} scanned pages" if text.ocr_pages else "",
        )
        return text

    def make_ocr(self, sha256: str, data: bytes) -> GuideText:
        if (known := self.ocr(sha256)) is not None:
            return known
        result = read_in_child(data, ocr=True)
        text = from_json(result)
        self._write(self._path(sha256, ".ocr"), result)
        log.info(
            "text: %s OCR'd, %s s a page; waiting for review",
            sha256[:16],
            text.ocr_seconds_per_page,
        )
        return text

    def approve(self, sha256: str, actor: str) -> None:
        if self.state(sha256) != "awaiting_review":
            raise TextError(
                "there is no OCR text waiting for review in this version",
                "text_not_waiting",
                status=409,
            )
        self._write(self._path(sha256, ".review"), {"actor": actor, "at": utc_now()})

    def _write(self, path: Path, body: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(body, handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        self._cache.pop(path, None)
