"""Turns one PDF into reader page images and text; runs as the render child process.

`python -m server.page_render OUT_DIR` reads the PDF on stdin, writes N.webp and
pages.json into OUT_DIR, and prints "done total" after each page. The server
runs it as a child (see `render_in_child` in reader.py), so that pdfium's and
the WebP encoder's memory, and any crash on a hostile PDF, stay out of the
process that serves applicants.
"""

from __future__ import annotations

import io
import json
import resource
import sys
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from server.reader import MANIFEST, PEAK_PREFIX, ReaderEdition, ReaderPage

# Sharp small text on a 360-412 px wide phone at 2-3x pixel density.
READER_WIDTH = 1080
# Guides are mostly text on flat colour; a small palette keeps anti-aliased
# glyph edges and makes lossless WebP far smaller than lossy at equal clarity
# (measured on the sample guides: 46 KB a page, lossy quality 75 gave 113 KB).
PALETTE_COLOURS = 16


def render_pdf(data: bytes, out_dir: Path, progress: Callable[[int, int], None]) -> ReaderEdition:
    """Render every page of `data` into `out_dir` as N.webp; write the manifest last."""
    document = pdfium.PdfDocument(data)
    try:
        total = len(document)
        progress(0, total)
        pages = []
        for index in range(total):
            page = document[index]
            try:
                width_pt, _ = page.get_size()
                image = page.render(scale=READER_WIDTH / width_pt).to_pil()
                text = _page_text(page)
            finally:
                page.close()
            encoded = _encode(image)
            (out_dir / f"{index + 1}.webp").write_bytes(encoded)
            pages.append(ReaderPage(index + 1, image.width, image.height, len(encoded), text))
            progress(index + 1, total)
    finally:
        document.close()
    edition = ReaderEdition("", tuple(pages))
    (out_dir / MANIFEST).write_text(
        json.dumps([page.__dict__ for page in edition.pages], ensure_ascii=False)
    )
    return edition


def _page_text(page: pdfium.PdfPage) -> str:
    textpage = page.get_textpage()
    try:
        raw: str = textpage.get_text_range()
    finally:
        textpage.close()
    # A scanned page has no text layer; that is fine, it reads as an image.
    lines = (line.strip() for line in raw.replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def _encode(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # Fast octree picks as good a palette as median cut here in a sixth of the time;
    # effort 3/80 is where more effort stops paying (method 5 costs 5x for nothing).
    palette = image.convert("RGB").quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)
    palette.save(buffer, "WEBP", lossless=True, quality=80, method=3)
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m server.page_render OUT_DIR < guide.pdf", file=sys.stderr)
        return 2
    data = sys.stdin.buffer.read()
    try:
        render_pdf(data, Path(argv[1]), lambda done, total: print(done, total, flush=True))
    except Exception as exc:  # pdfium's own errors: the parent reports the message
        print(str(exc) or type(exc).__name__, file=sys.stderr)
        return 1
    print(PEAK_PREFIX, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
