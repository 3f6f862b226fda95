"""The in-app reader: each guide version's pages as images plus their text.

Phones cannot show a PDF inside the app (Android hands it to another app,
iOS leaves standalone mode), so every published version is rendered once to
page images with pypdfium2 and stored content-addressed beside the blobs.
The rendering itself runs in a child process (page_render.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from server.errors import BilangKaryoError

log = logging.getLogger("bilang_karyo")

MANIFEST = "pages.json"
# A PDF that keeps pdfium busy longer than this is treated as one that cannot be rendered.
RENDER_TIMEOUT_SECONDS = 600.0
# The last line the render child prints: its own peak memory, which the server logs.
PEAK_PREFIX = "peak_rss_kb"


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


@dataclass(frozen=True)
class ReaderImage:
    """One page image as the fast path serves it."""

    path: Path
    size: int
    etag: str


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
        manifest = self.folder(sha256) / MANIFEST
        try:
            raw = json.loads(manifest.read_text())
        except (OSError, ValueError):
            return None
        edition = ReaderEdition(sha256, tuple(ReaderPage(**page) for page in raw))
        self._loaded[sha256] = edition
        return edition

    def image_path(self, sha256: str, number: int) -> Path:
        return self.folder(sha256) / f"{number}.webp"

    def images(self, edition: ReaderEdition) -> dict[str, ReaderImage]:
        """Each page's URL and file; the URL names the PDF's hash, so it never changes."""
        return {
            edition.image_url(page.number): ReaderImage(
                self.image_path(edition.sha256, page.number),
                page.size,
                f'"{edition.sha256[:16]}-{page.number}"',
            )
            for page in edition.pages
        }

    def render(
        self, sha256: str, data: bytes, progress: Callable[[int, int], None]
    ) -> ReaderEdition:
        if (edition := self.load(sha256)) is not None:
            return edition
        final = self.folder(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        # A second server process, or `bilang-karyo render`, may be on the same version:
        # wait for it rather than render twice.
        with _exclusive(self.root / ".locks" / f"{sha256}.lock"):
            if (edition := self.load(sha256)) is None:
                self._render_into(final, data, progress)
        edition = self.load(sha256)
        assert edition is not None, f"rendered edition {sha256} did not load"
        return edition

    def _render_into(self, final: Path, data: bytes, progress: Callable[[int, int], None]) -> None:
        # With this version's lock held, a working folder of its name is one that a killed
        # process left behind.
        for stale in final.parent.glob(f".{final.name}.*"):
            shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
        try:
            render_in_child(data, work, progress)
            for path in work.iterdir():
                with path.open("rb") as handle:
                    os.fsync(handle.fileno())
            # The folder appears whole or not at all.
            os.rename(work, final)
        finally:
            shutil.rmtree(work, ignore_errors=True)


class RenderError(BilangKaryoError):
    """The PDF's pages could not be made; the message says why."""


def render_in_child(data: bytes, out_dir: Path, progress: Callable[[int, int], None]) -> None:
    """Render `data` into `out_dir` in a child process, passing on its progress.

    An exception from `progress` (the server shutting down) kills the child.
    """
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(
            [sys.executable, "-m", "server.page_render", str(out_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        ) as child,
    ):
        assert child.stdin is not None and child.stdout is not None
        watchdog = threading.Timer(RENDER_TIMEOUT_SECONDS, child.kill)
        watchdog.start()
        try:
            with contextlib.suppress(BrokenPipeError):  # it failed early: its stderr says why
                child.stdin.write(data)
                child.stdin.close()
            for line in child.stdout:
                name, _, value = line.decode().partition(" ")
                if name == PEAK_PREFIX:
                    log.info("reader: the render child's peak memory: %d MB", int(value) // 1024)
                else:
                    progress(int(name), int(value))
            child.wait()
        except BaseException:
            child.kill()
            raise
        finally:
            watchdog.cancel()
        errors.seek(0)
        message = errors.read().decode(errors="replace").strip().splitlines()
    if child.returncode != 0:
        if child.returncode < 0:
            raise RenderError(f"the renderer stopped (signal {-child.returncode})")
        raise RenderError(message[-1] if message else f"the renderer failed ({child.returncode})")


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class _Stopped(Exception):
    pass


@dataclass
class RenderProgress:
    done: int = 0
    total: int = 0
    error: str | None = None


@dataclass(frozen=True)
class ReaderStatus:
    """What the admin and the CLI show about one version's reader pages."""

    state: str  # "ready", "rendering", "waiting", "failed", or "unknown" (never asked for)
    done: int = 0
    total: int = 0
    error: str | None = None


class ReaderQueue:
    """Renders editions one at a time in a background thread; serving never waits.

    `on_done` runs after each edition, rendered or failed, so the site can show
    its pages (or stop saying they are being prepared).
    """

    def __init__(
        self,
        store: ReaderStore,
        read_pdf: Callable[[str], bytes],
        on_done: Callable[[], None],
    ) -> None:
        self.store = store
        self.read_pdf = read_pdf
        self.on_done = on_done
        self.progress: dict[str, RenderProgress] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
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
            if self._closed.is_set():
                raise _Stopped  # the server is shutting down; the next start renders it again
            state.done, state.total = done, total

        try:
            self.store.render(sha256, self.read_pdf(sha256), report)
            log.info("reader: rendered %s (%d pages)", sha256[:16], state.total)
        except _Stopped:
            return
        except Exception as exc:  # a bad page must not stop the queue
            state.error = str(exc)
            log.error("reader: could not render %s: %s", sha256[:16], exc)
        try:
            self.on_done()
        except Exception:  # the next load or render tries the rebuild again
            log.exception("reader: rebuilding the site after %s failed", sha256[:16])

    def failed(self) -> frozenset[str]:
        """The versions whose pages could not be made (their PDF is served as it is)."""
        return frozenset(sha for sha, p in self.progress.items() if p.error is not None)

    def state(self, sha256: str) -> RenderProgress | None:
        """How far the render of `sha256` is, if this process was asked for it."""
        return self.progress.get(sha256)

    def status(self, sha256: str) -> ReaderStatus:
        if (edition := self.store.load(sha256)) is not None:
            return ReaderStatus("ready", len(edition.pages), len(edition.pages))
        progress = self.progress.get(sha256)
        if progress is None:
            return ReaderStatus("unknown")
        if progress.error is not None:
            return ReaderStatus("failed", progress.done, progress.total, progress.error)
        state = "rendering" if progress.total else "waiting"
        return ReaderStatus(state, progress.done, progress.total)

    def pending(self) -> dict[str, RenderProgress]:
        return {
            sha: p
            for sha, p in self.progress.items()
            if self.store.load(sha) is None and p.error is None
        }

    def close(self) -> None:
        self._closed.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
