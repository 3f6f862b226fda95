"""The in-app reader: each guide version's pages as images plus their text.

Phones cannot show a PDF inside the app (Android hands it to another app,
iOS leaves standalone mode), so every published version is rendered once to
page images with pypdfium2 and stored content-addressed beside the blobs.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

log = logging.getLogger("bilang_karyo")

# Sharp small text on a 360-412 px wide phone at 2-3x pixel density.
READER_WIDTH = 1080
# Guides are mostly text on flat colour; a small palette keeps anti-aliased
# glyph edges and makes lossless WebP far smaller than lossy at equal clarity.
PALETTE_COLOURS = 16
_MANIFEST = "pages.json"


@dataclass(frozen=True)
class ReaderPage:
    number: int
    width: int
    height: int
    size: int
    text: str


@dataclass(frozen=True)
class ReaderEdition:
    """The rendered pages of one PDF version, named by the PDF's sha256."""

    sha256: str
    pages: tuple[ReaderPage, ...]

    @property
    def size(self) -> int:
        return sum(page.size for page in self.pages)

    def image_url(self, number: int) -> str:
        return f"/reader/{self.sha256[:16]}/{number}.webp"

    def image_urls(self) -> list[str]:
        return [self.image_url(page.number) for page in self.pages]


def render_pdf(data: bytes, out_dir: Path, progress: Callable[[int, int], None]) -> ReaderEdition:
    """Render every page of `data` into `out_dir` as N.webp; write the manifest last."""
    document = pdfium.PdfDocument(data)
    try:
        total = len(document)
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
    (out_dir / _MANIFEST).write_text(
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
    image.convert("RGB").quantize(PALETTE_COLOURS).save(
        buffer, "WEBP", lossless=True, quality=50, method=2
    )
    return buffer.getvalue()


class ReaderStore:
    """Rendered editions under `root/<sha[:2]>/<sha>/`; a finished folder never changes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._loaded: dict[str, ReaderEdition] = {}

    def folder(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def load(self, sha256: str) -> ReaderEdition | None:
        if sha256 in self._loaded:
            return self._loaded[sha256]
        manifest = self.folder(sha256) / _MANIFEST
        try:
            raw = json.loads(manifest.read_text())
        except (OSError, ValueError):
            return None
        edition = ReaderEdition(sha256, tuple(ReaderPage(**page) for page in raw))
        self._loaded[sha256] = edition
        return edition

    def image_path(self, sha256: str, number: int) -> Path:
        return self.folder(sha256) / f"{number}.webp"

    def render(
        self, sha256: str, data: bytes, progress: Callable[[int, int], None]
    ) -> ReaderEdition:
        final = self.folder(sha256)
        if (edition := self.load(sha256)) is not None:
            return edition
        final.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{sha256[:8]}."))
        try:
            render_pdf(data, work, progress)
            for path in work.iterdir():
                with path.open("rb") as handle:
                    os.fsync(handle.fileno())
            # The folder appears whole or not at all.
            os.rename(work, final)
        except OSError:
            shutil.rmtree(work, ignore_errors=True)
            if self.load(sha256) is None:
                raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        edition = self.load(sha256)
        assert edition is not None, f"rendered edition {sha256} did not load"
        return edition


@dataclass
class RenderProgress:
    done: int = 0
    total: int = 0
    error: str | None = None


class ReaderQueue:
    """Renders editions one at a time in a background thread; serving never waits."""

    def __init__(
        self,
        store: ReaderStore,
        read_pdf: Callable[[str], bytes],
        on_rendered: Callable[[], None],
    ) -> None:
        self.store = store
        self.read_pdf = read_pdf
        self.on_rendered = on_rendered
        self.progress: dict[str, RenderProgress] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader")

    def request(self, sha256: str) -> None:
        with self._lock:
            if sha256 in self.progress or self.store.load(sha256) is not None:
                return
            self.progress[sha256] = RenderProgress()
        self._pool.submit(self._render, sha256)

    def _render(self, sha256: str) -> None:
        state = self.progress[sha256]

        def report(done: int, total: int) -> None:
            state.done, state.total = done, total

        try:
            self.store.render(sha256, self.read_pdf(sha256), report)
        except Exception as exc:  # a bad page must not stop the queue
            state.error = str(exc)
            log.error("reader: could not render %s: %s", sha256[:16], exc)
            return
        log.info("reader: rendered %s (%d pages)", sha256[:16], state.total)
        self.on_rendered()

    def pending(self) -> dict[str, RenderProgress]:
        return {
            sha: p
            for sha, p in self.progress.items()
            if self.store.load(sha) is None and p.error is None
        }

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
