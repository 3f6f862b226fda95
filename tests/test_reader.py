from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from server.page_render import READER_WIDTH
from server.reader import ReaderEdition, ReaderQueue, ReaderStatus, ReaderStore, RenderError
from testkit.pdfs import make_pdf

SAMPLE = Path(__file__).resolve().parent.parent / "guides" / "izin-tinggal.en.pdf"


def scanned_pdf(tmp_path: Path) -> bytes:
    """A PDF whose only page is a picture, as a scanner makes it."""
    picture = tmp_path / "scan.png"
    Image.new("RGB", (400, 560), (235, 235, 225)).save(picture)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(picture), x=10, y=10, w=190)
    return bytes(pdf.output())


def test_renders_every_page_with_its_text(tmp_path: Path) -> None:
    store = ReaderStore(tmp_path / "reader")
    seen: list[tuple[int, int]] = []
    edition = store.render("a" * 64, SAMPLE.read_bytes(), lambda d, t: seen.append((d, t)))
    assert [p.number for p in edition.pages] == [1, 2]
    assert seen == [(0, 2), (1, 2), (2, 2)]
    assert "Stay Permit" in edition.pages[0].text
    for page in edition.pages:
        image = Image.open(io.BytesIO(store.image_path("a" * 64, page.number).read_bytes()))
        assert image.format == "WEBP"
        assert image.width == READER_WIDTH == page.width
        assert page.size == store.image_path("a" * 64, page.number).stat().st_size
    assert edition.image_url(2) == f"/reader/{'a' * 16}/2.webp"


def test_scanned_pdf_reads_as_images_without_text(tmp_path: Path) -> None:
    store = ReaderStore(tmp_path / "reader")
    edition = store.render("b" * 64, scanned_pdf(tmp_path), lambda d, t: None)
    assert len(edition.pages) == 1
    assert edition.pages[0].text == ""


def test_rendered_edition_survives_a_new_store(tmp_path: Path) -> None:
    ReaderStore(tmp_path / "reader").render("c" * 64, make_pdf(pages=3), lambda d, t: None)
    again = ReaderStore(tmp_path / "reader").load("c" * 64)
    assert again is not None and len(again.pages) == 3


def test_unfinished_render_leaves_nothing_behind(tmp_path: Path) -> None:
    store = ReaderStore(tmp_path / "reader")
    with pytest.raises(Exception):  # noqa: B017 - pdfium's own error type
        store.render("d" * 64, b"%PDF-1.4 broken", lambda d, t: None)
    assert store.load("d" * 64) is None
    assert not any(store.folder("d" * 64).parent.glob(".*"))


def test_queue_renders_in_the_background_and_reports(tmp_path: Path) -> None:
    store = ReaderStore(tmp_path / "reader")
    done = threading.Event()
    queue = ReaderQueue(store, lambda sha: make_pdf(pages=2), done.set)
    queue.request("e" * 64)
    assert done.wait(30)
    assert store.load("e" * 64) is not None
    assert queue.progress["e" * 64].done == 2
    assert queue.pending() == {}
    queue.close()


def test_a_pdf_that_cannot_be_rendered_is_reported_and_the_queue_goes_on(tmp_path: Path) -> None:
    store = ReaderStore(tmp_path / "reader")
    done = threading.Semaphore(0)
    pdfs = {"f" * 64: b"%PDF-1.4 not really", "0" * 64: make_pdf(pages=1)}
    queue = ReaderQueue(store, pdfs.__getitem__, done.release)
    queue.request("f" * 64)
    queue.request("0" * 64)
    # The site hears of both: the failed one stops promising pages, the other shows them.
    assert done.acquire(timeout=30) and done.acquire(timeout=30)
    assert queue.status("0" * 64).state == "ready"
    failed = queue.status("f" * 64)
    assert failed.state == "failed" and failed.error
    assert queue.failed() == {"f" * 64}
    assert queue.pending() == {}
    assert queue.status("9" * 64).state == "unknown"  # never asked for
    queue.close()


class PausingStore(ReaderStore):
    """A store that calls `at_page(n)` after page n is made, before the next one."""

    def __init__(self, root: Path, at_page: Callable[[int], None]) -> None:
        super().__init__(root)
        self.at_page = at_page

    def render(
        self, sha256: str, data: bytes, progress: Callable[[int, int], None]
    ) -> ReaderEdition:
        def report(done: int, total: int) -> None:
            progress(done, total)
            self.at_page(done)

        return super().render(sha256, data, report)


def test_status_counts_pages_while_rendering(tmp_path: Path) -> None:
    halfway = threading.Event()
    go_on = threading.Event()

    def pause_after_first(page: int) -> None:
        if page == 1:
            halfway.set()
            go_on.wait(30)

    store = PausingStore(tmp_path / "reader", pause_after_first)
    queue = ReaderQueue(store, lambda sha: make_pdf(pages=3), lambda: None)
    assert queue.status("1" * 64).state == "unknown"
    queue.request("1" * 64)
    assert halfway.wait(30)
    assert queue.status("1" * 64) == ReaderStatus("rendering", 1, 3)
    go_on.set()
    deadline = time.monotonic() + 30
    while queue.status("1" * 64).state != "ready":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert queue.status("1" * 64) == ReaderStatus("ready", 3, 3)
    queue.close()


def test_closing_the_queue_stops_a_render_between_pages_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    started = threading.Event()
    rendered = threading.Event()

    def shut_down_after_first(page: int) -> None:
        if page == 1:
            queue.close()  # the server shuts down while pages 2 to 4 are to come
            started.set()

    store = PausingStore(tmp_path / "reader", shut_down_after_first)
    queue = ReaderQueue(store, lambda sha: make_pdf(pages=4), rendered.set)
    queue.request("2" * 64)
    assert started.wait(30)
    # Page 1 is in a working folder now; the stop removes it.
    deadline = time.monotonic() + 30
    while any(store.root.glob("*/.*")):
        assert time.monotonic() < deadline, "the half-made folder stayed"
        time.sleep(0.02)
    assert queue.progress["2" * 64].done == 1
    assert store.load("2" * 64) is None and not rendered.is_set()


def test_two_processes_rendering_one_version_make_it_once(tmp_path: Path) -> None:
    # A second server worker or the CLI: two stores on one folder, at the same time.
    data = make_pdf(pages=2)
    calls: list[int] = []
    results: list[int] = []

    def render(store: ReaderStore) -> None:
        edition = store.render("3" * 64, data, lambda done, total: calls.append(done))
        results.append(len(edition.pages))

    threads = [
        threading.Thread(target=render, args=(ReaderStore(tmp_path / "reader"),)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [2, 2]
    assert calls == [0, 1, 2], "rendered by one, loaded by the other"


def test_a_render_past_its_time_limit_is_stopped_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pdfium runs in a child process; one that hangs on a hostile PDF is killed."""
    monkeypatch.setattr("server.reader.RENDER_TIMEOUT_SECONDS", 0.05)
    store = ReaderStore(tmp_path / "reader")
    with pytest.raises(RenderError, match="stopped"):
        store.render("5" * 64, make_pdf(pages=40), lambda d, t: None)
    assert store.load("5" * 64) is None
    assert not any(store.folder("5" * 64).parent.glob(".*"))


def test_the_serving_process_never_loads_pdfium() -> None:
    """Rendering's memory and any pdfium crash stay in the render child."""
    probe = "import sys, server.app, server.cli; print('pypdfium2' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_working_folder_left_by_a_killed_render_is_cleared_by_the_next(tmp_path: Path) -> None:
    store = ReaderStore(tmp_path / "reader")
    left = store.folder("6" * 64).parent / f".{'6' * 64}.killed"
    left.mkdir(parents=True)
    (left / "1.webp").write_bytes(b"half a page")
    store.render("6" * 64, make_pdf(pages=1), lambda d, t: None)
    assert not left.exists()
    assert store.load("6" * 64) is not None
