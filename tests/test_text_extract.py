"""The text version read from PDFs: sample guides, made PDFs, a scan, real PDFs from elsewhere."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from server.text_extract import extract
from testkit.pdfs import make_pdf
from testkit.text_pdfs import LINK_URL, scanned_pdf, two_column_pdf

ROOT = Path(__file__).resolve().parent.parent
GUIDES = ROOT / "guides"
CORPUS = ROOT.parent / "shared" / "pdf-corpus"


def block_texts(result: dict[str, Any]) -> list[str]:
    """What the guide page shows, block by block; a numbered list shows its numbers."""
    texts = []
    for block in result["blocks"]:
        texts.append(block.get("text", ""))
        items = block.get("items", [])
        if block["kind"] == "steps":
            items = [f"{n} {item}" for n, item in enumerate(items, start=1)]
        texts += items
        texts += [" ".join(row) for row in block.get("rows", [])]
    return texts


def headings(result: dict[str, Any]) -> list[str]:
    return [b["text"] for b in result["blocks"] if b["kind"] == "heading"]


def letters(text: str) -> Counter[str]:
    return Counter(ch for ch in text.casefold() if ch.isalnum())


def pdfium_text(path: Path) -> str:
    document = pdfium.PdfDocument(path)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_a_sample_guide_keeps_its_sections_lists_table_and_notes() -> None:
    result = extract((GUIDES / "pembuatan-paspor.id.pdf").read_bytes())
    found = headings(result)
    assert "Dokumen yang perlu dibawa" in found
    assert "Paspor hilang atau rusak" in found
    assert found.index("Masa berlaku") < found.index("Paspor hilang atau rusak")
    # "Last checked" is bold but heads nothing: it stays a line of text.
    assert not any(h.startswith("Terakhir diperiksa") for h in found)
    tables = [b for b in result["blocks"] if b["kind"] == "table"]
    assert tables and tables[0]["rows"][0] == ["Paspor elektronik", "Biaya"]
    assert ["Masa berlaku 10 tahun", "Rp 950.000"] in tables[0]["rows"]
    bullets = [i for b in result["blocks"] if b["kind"] == "bullets" for i in b["items"]]
    assert "e-KTP yang masih berlaku." in bullets
    assert "Paspor hilang: tambahan Rp 1.000.000." in bullets
    notes = [b["text"] for b in result["blocks"] if b["kind"] == "note"]
    assert any(n.startswith("Tingkat keyakinan sedang") for n in notes)
    # The running footer ("Bilang Karyo - panduan contoh  Halaman 1/2") is not text of the guide.
    assert not any("panduan contoh" in t and "Halaman" in t for t in block_texts(result))


def test_numbered_steps_are_one_list_with_each_step_whole() -> None:
    result = extract((GUIDES / "antrian-paspor.id.pdf").read_bytes())
    steps = [b for b in result["blocks"] if b["kind"] == "steps"]
    assert len(steps) == 1 and len(steps[0]["items"]) == 5
    # A step that wraps onto a second line is one item, its lines joined.
    assert steps[0]["items"][0].startswith("Pasang aplikasi M-Paspor, buat akun")
    assert steps[0]["items"][0].endswith("yang dikirim ke e-mail Anda.")


@pytest.mark.parametrize("name", sorted(p.name for p in GUIDES.glob("*.pdf")))
def test_no_sample_guide_loses_text_but_its_running_footer(name: str) -> None:
    result = extract((GUIDES / name).read_bytes())
    assert len(headings(result)) >= 3
    lost = letters(pdfium_text(GUIDES / name)) - letters(" ".join(block_texts(result)))
    # Only the running header and footer ("Bilang Karyo - panduan contoh  Halaman 1/2",
    # "<title> - Kantor Imigrasi Kelas I TPI Yogyakarta") may go.
    assert sum(lost.values()) <= result["pages"] * 100


def test_two_columns_read_left_then_right_with_words_mended_and_links_kept() -> None:
    result = extract(two_column_pdf())
    text = " ".join(block_texts(result))
    assert headings(result) == ["Paspor hilang"]
    assert "membawa surat keterangan hilang" in text  # "mem-" + "bawa"
    left = text.rindex("Petugas memeriksa data lama")
    right = text.index("Biaya penggantian paspor hilang")
    assert left < right
    # No line mixes the two columns.
    assert "mem- Biaya" not in text and "terdekat dan Biaya" not in text
    links = [tuple(link) for b in result["blocks"] for link in b.get("links", [])]
    assert any(url == LINK_URL and "situs resmi" in words for words, url in links)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract (install-deps)")
def test_a_scanned_page_is_listed_then_read_by_ocr() -> None:
    lines = ("Paspor hilang", "Bawa surat keterangan hilang dari polisi.", "Biaya Rp 1.000.000.")
    pdf = scanned_pdf(lines)
    plain = extract(pdf)
    assert plain["ocr_pages"] == [1] and not plain["ocr"] and plain["blocks"] == []
    read = extract(pdf, ocr=True)
    text = " ".join(block_texts(read))
    assert read["ocr"] and read["ocr_seconds_per_page"] > 0
    for word in ("Paspor", "keterangan", "polisi", "1.000.000"):
        assert word in text


def test_a_pdf_the_reader_cannot_parse_is_an_error_from_the_child() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "server.text_extract"],
        input=b"%PDF-1.4 not really",
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.decode().strip()


def test_a_page_whose_only_text_repeats_on_every_page_keeps_it() -> None:
    result = extract(make_pdf("Edisi baru", 3))
    assert block_texts(result) == ["Edisi baru - 1", "Edisi baru - 2", "Edisi baru - 3"]


# Real PDFs (see ../shared/pdf-corpus/README.md for what a good result is) ---------------------

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/pdf-corpus")


@needs_corpus
def test_tracemonkey_reads_in_column_order_with_its_section_headings() -> None:
    result = extract((CORPUS / "tracemonkey.pdf").read_bytes())
    found = headings(result)
    numbered = [h for h in found if re.match(r"\d+\. ", h)]
    assert [int(h.split(".")[0]) for h in numbered] == list(range(1, 11))
    assert "1. Introduction" in found and "Abstract" in found and "References" in found
    texts = block_texts(result)
    whole = "\n".join(texts)
    assert whole.index("Dynamic languages such as JavaScript are more difficult") < whole.index(
        "1. Introduction"
    )
    # The first paragraph of the introduction, in the left column, reads on without any
    # text of the right column, and "pop-" + "ular" is one word again.
    intro = next(t for t in texts if t.startswith("Dynamic languages such as JavaScript, Python"))
    assert "are popular since they are expressive" in intro
    assert "laboration Suite" not in intro
    assert not (letters(pdfium_text(CORPUS / "tracemonkey.pdf")) - letters(whole))


@needs_corpus
def test_the_160f_form_loses_no_text_and_keeps_its_numbered_lines_in_order() -> None:
    result = extract((CORPUS / "160F-2019.pdf").read_bytes())
    texts = block_texts(result)
    lost = letters(pdfium_text(CORPUS / "160F-2019.pdf")) - letters(" ".join(texts))
    assert not lost, lost
    # The form's numbered lines 7 to 28 (1 to 6 also number its footnotes) come in order.
    whole = "\n".join(texts)
    firsts = [re.search(rf"(?<!\S){n}(?!\S)", whole) for n in range(7, 29)]
    assert all(firsts)
    positions = [m.start() for m in firsts if m]
    assert positions == sorted(positions)
