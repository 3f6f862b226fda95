from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from server.reader import READER_WIDTH, ReaderQueue, ReaderStore
from tests.pdfs import make_pdf

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
    assert seen == [(1, 2), (2, 2)]
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
