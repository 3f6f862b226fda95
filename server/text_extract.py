"""Reads a PDF's words, tables, boxes and links (pdfplumber), or OCRs scanned pages (Tesseract).

`python -m server.text_extract [--ocr] < guide.pdf` prints the text version
as JSON. The server runs it as a child process (guide_text.py), so that a
hostile PDF that makes the parser loop, eat memory or crash stays out of the
process that serves applicants. Without `--ocr`, pages without a text layer
are only listed (`ocr_pages`); with it, they are read by Tesseract (ind+eng).
"""

from __future__ import annotations

import io
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict
from typing import Any

import pdfplumber

from server.errors import BilangKaryoError
from server.text_layout import Block, Box, PageWords, Word, build_blocks

# A page with fewer letters than this in its text layer...
SCANNED_BELOW_LETTERS = 20
# ... and a picture covers this much of it.
SCANNED_PICTURE_SHARE = 0.25
# Tesseract reads best at about 300 dpi.
OCR_DPI = 300
OCR_LANGS = "ind+eng"
OCR_PAGE_TIMEOUT_SECONDS = 120
# The child's address space: far above what a guide needs, low enough to spare the server.
MEMORY_LIMIT_BYTES = 2 * 1024**3
_LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
_BOLD_NAMES = ("bold", "black", "heavy", "semibold", "demi", ",b")


class OcrUnavailable(BilangKaryoError):
    """Tesseract or its Indonesian and English data are not installed."""


def extract(data: bytes, ocr: bool = False) -> dict[str, Any]:
    started = time.monotonic()
    pages: list[PageWords] = []
    scanned: list[int] = []
    ocr_seconds = 0.0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            words = page_words(page)
            boxes: tuple[Box, ...] = ()
            if _looks_scanned(page, words):
                scanned.append(number)
                if ocr:
                    begun = time.monotonic()
                    words = ocr_words(data, number - 1)
                    ocr_seconds += time.monotonic() - begun
            else:
                boxes = page_boxes(page, words, number)
            pages.append(PageWords(number, float(page.width), float(page.height), words, boxes))
    blocks = build_blocks(pages)
    return {
        "pages": len(pages),
        "ocr_pages": scanned,
        "ocr": bool(ocr and scanned),
        "blocks": [block_json(b) for b in blocks],
        "seconds": round(time.monotonic() - started, 3),
        "ocr_seconds_per_page": round(ocr_seconds / len(scanned), 2) if ocr and scanned else None,
    }


def _looks_scanned(page: Any, words: tuple[Word, ...]) -> bool:
    """Next to no text, but a picture over much of the page: a scan, for OCR."""
    if sum(ch.isalpha() for w in words for ch in w.text) >= SCANNED_BELOW_LETTERS:
        return False
    area = float(page.width) * float(page.height)
    pictured = sum(
        max(float(i["x1"]) - float(i["x0"]), 0) * max(float(i["bottom"]) - float(i["top"]), 0)
        for i in page.images
    )
    return pictured >= SCANNED_PICTURE_SHARE * area


def block_json(block: Block) -> dict[str, Any]:
    """The block as JSON holds it (lists, not tuples), without its empty fields."""
    fields = {key: value for key, value in asdict(block).items() if value not in ("", 0, ())}
    result: dict[str, Any] = json.loads(json.dumps(fields))
    return result


def _is_bold(fontname: str) -> bool:
    name = fontname.lower().split("+")[-1]
    return any(mark in name for mark in _BOLD_NAMES)


def page_words(page: Any) -> tuple[Word, ...]:
    links = [
        link
        for link in page.hyperlinks
        if str(link.get("uri") or "").lower().startswith(_LINK_SCHEMES)
    ]
    words = []
    for raw in page.extract_words(extra_attrs=["fontname", "size"], x_tolerance_ratio=0.15):
        x0, x1, top, bottom = raw["x0"], raw["x1"], raw["top"], raw["bottom"]
        x, y = (x0 + x1) / 2, (top + bottom) / 2
        uri = next(
            (
                str(link["uri"])
                for link in links
                if link["x0"] <= x <= link["x1"] and link["top"] <= y <= link["bottom"]
            ),
            None,
        )
        words.append(
            Word(
                raw["text"],
                float(x0),
                float(x1),
                float(top),
                float(bottom),
                float(raw["size"]),
                _is_bold(str(raw["fontname"])),
                uri,
            )
        )
    return tuple(words)


def _is_white(colour: Any) -> bool:
    if colour is None:
        return True
    values = colour if isinstance(colour, (tuple, list)) else (colour,)
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        return True
    if len(numbers) == 4:  # CMYK: no ink is white
        return all(v <= 0.02 for v in numbers)
    return all(v >= 0.98 for v in numbers)


def page_boxes(page: Any, words: tuple[Word, ...], number: int) -> tuple[Box, ...]:
    """The page's tables (only those whose cells hold all their words) and callout boxes."""
    width = float(page.width)
    boxes: list[Box] = []
    for table in page.find_tables():
        rows = [[_cell(c) for c in row] for row in table.extract()]
        rows = [row for row in rows if any(row)]
        x0, top, x1, bottom = (float(v) for v in table.bbox)
        box = Box("table", x0, top, x1, bottom, tuple(tuple(r) for r in rows), number)
        if len(rows) < 2 or max(len(r) for r in rows) < 2:
            continue  # a frame around text, not a table
        inside = Counter(w.text for w in words if box.holds(w))
        in_cells = Counter(token for row in rows for cell in row for token in cell.split())
        if inside - in_cells:
            continue  # some of its words are not in a cell: keep them as text
        boxes.append(box)
    for rect in page.rects:
        x0, top, x1, bottom = (float(rect[k]) for k in ("x0", "top", "x1", "bottom"))
        if not rect.get("fill") or _is_white(rect.get("non_stroking_color")):
            continue
        if x0 <= 2 or x1 >= width - 2 or top <= 2 or x1 - x0 < width * 0.2 or bottom - top < 8:
            continue  # a banner across the page, or a rule
        note = Box("note", x0 - 1, top - 1, x1 + 1, bottom + 1, (), number)
        if any(_overlaps(note, b) for b in boxes) or not any(note.holds(w) for w in words):
            continue
        boxes.append(note)
    return tuple(boxes)


def _overlaps(a: Box, b: Box) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.top < b.bottom and b.top < a.bottom


def _cell(value: str | None) -> str:
    return " ".join((value or "").split())


def ocr_words(data: bytes, index: int) -> tuple[Word, ...]:
    """The words Tesseract reads on page `index`, in PDF points like the text layer's."""
    import pypdfium2 as pdfium  # here: only a scanned page needs the renderer

    if shutil.which("tesseract") is None:
        raise OcrUnavailable("tesseract is not installed (scripts/install-system-deps.sh)")
    document = pdfium.PdfDocument(data)
    try:
        page = document[index]
        scale = OCR_DPI / 72
        image = page.render(scale=scale, grayscale=True).to_pil()
        page.close()
    finally:
        document.close()
    png = io.BytesIO()
    image.save(png, "PNG")
    result = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", OCR_LANGS, "--psm", "3", "tsv"],
        input=png.getvalue(),
        capture_output=True,
        timeout=OCR_PAGE_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise OcrUnavailable(message[-1] if message else "tesseract failed")
    return tsv_words(result.stdout.decode(errors="replace"), scale)


def tsv_words(tsv: str, scale: float) -> tuple[Word, ...]:
    """Tesseract's TSV: each word's box; a word's size is its line's height."""
    line_heights: dict[tuple[str, ...], float] = {}
    rows = [row.split("\t") for row in tsv.splitlines()[1:]]
    for row in rows:
        if len(row) >= 12 and row[0] == "4":
            line_heights[tuple(row[1:5])] = float(row[9]) / scale
    words = []
    for row in rows:
        if len(row) < 12 or row[0] != "5" or not row[11].strip():
            continue
        left, top, width, height = (float(v) / scale for v in row[6:10])
        size = line_heights.get(tuple(row[1:5]), height) * 0.8
        words.append(Word(row[11].strip(), left, left + width, top, top + height, round(size)))
    return tuple(words)


def main(argv: list[str]) -> int:
    ocr = "--ocr" in argv[1:]
    if any(arg != "--ocr" for arg in argv[1:]):
        print("usage: python -m server.text_extract [--ocr] < guide.pdf", file=sys.stderr)
        return 2
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    if ocr:
        # OCR takes seconds a page: it runs last in line for the CPU, behind serving pages.
        os.nice(19)
    data = sys.stdin.buffer.read()
    try:
        result = extract(data, ocr)
    except Exception as exc:  # the parser's own errors: the parent reports the message
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
