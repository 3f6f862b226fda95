"""The text version kept with each version: made at publish (admin, CLI, folder); OCR review."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.admin.context import Admin
from server.app import create_app
from server.blobs import sha256_hex
from server.folder_sync import FolderSync
from server.guide_text import (
    GuideText,
    TextError,
    TextStore,
    anchor_for,
    from_json,
    linked,
    sections,
)
from server.publish import Publisher
from server.settings import PROJECT_ROOT, Settings
from server.text_layout import Block
from testkit.admin_client import PASSWORD, csrf_of, log_in
from testkit.text_pdfs import scanned_pdf, two_column_pdf

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract")
SCANNED_LINES = (
    "Antrian Paspor",
    "Datang sesuai jadwal kedatangan.",
    "Bawa kode QR dari aplikasi M-Paspor.",
)


def test_anchors_come_from_headings_and_stay_unique() -> None:
    assert anchor_for("Paspor hilang atau rusak") == "paspor-hilang-atau-rusak"
    assert anchor_for("Biaya (PP 45/2024)") == "biaya-pp-45-2024"
    assert anchor_for("Perpanjangan ÉVISA") == "perpanjangan-evisa"
    text = GuideText(
        (
            Block("heading", 1, "Panduan", level=1),
            Block("paragraph", 1, "Pembuka."),
            Block("heading", 1, "Biaya", level=2),
            Block("paragraph", 1, "Rp 1."),
            Block("heading", 2, "Biaya", level=2),
            Block("heading", 2, "Rincian", level=3),
        ),
        2,
    )
    found = sections(text, "Panduan")
    assert [(s.anchor, s.level) for s in found] == [
        ("mulai", 0),
        ("biaya", 2),
        ("biaya-2", 2),
        ("rincian", 3),
    ]


def test_links_become_links_and_everything_else_stays_escaped_text() -> None:
    html = str(linked("Ajukan di evisa.imigrasi.go.id atau tanya info@kanim.go.id.", ()))
    assert '<a href="https://evisa.imigrasi.go.id" rel="noopener">evisa.imigrasi.go.id</a>' in html
    assert '<a href="mailto:info@kanim.go.id" rel="noopener">info@kanim.go.id</a>.' in html
    pdf_link = str(linked("Lihat situs resmi.", (("situs resmi", "https://www.imigrasi.go.id/"),)))
    assert pdf_link == (
        'Lihat <a href="https://www.imigrasi.go.id/" rel="noopener">situs resmi</a>.'
    )
    # A PDF link to anything but the web, mail or phone is not followed; markup stays text.
    hostile = str(linked("<b>Klik</b> di sini", (("di sini", "javascript:alert(1)"),)))
    assert hostile == "&lt;b&gt;Klik&lt;/b&gt; di sini"


def test_a_malformed_stored_text_is_an_error_not_a_crash() -> None:
    with pytest.raises(TextError):
        from_json({"blocks": [{"kind": "script"}], "pages": 1})
    with pytest.raises(TextError):
        from_json({"pages": 1})


def test_the_store_makes_a_text_once_in_a_child_and_keeps_it(tmp_path: Path) -> None:
    store = TextStore(tmp_path / "text")
    data = two_column_pdf()
    sha = sha256_hex(data)
    assert store.state(sha) == "missing"
    text = store.make(sha, data)
    assert store.state(sha) == "ready"
    assert TextStore(tmp_path / "text").shown(sha) == text
    with pytest.raises(TextError):
        store.make("0" * 64, b"%PDF-1.4 not a pdf")
    assert not list((tmp_path / "text").glob("*/.*"))  # no temporary file left


def test_publishing_makes_the_text_before_the_version_is_recorded(
    guides_dir: Path, tmp_path: Path
) -> None:
    publisher = Publisher(guides_dir, tmp_path / "data")
    data = two_column_pdf()
    publisher.publish("antrian-paspor", "id", io.BytesIO(data), "budi")
    text = TextStore(tmp_path / "data" / "text").shown(sha256_hex(data))
    assert text is not None and text.blocks[0].text == "Paspor hilang"


def test_a_dropped_file_gets_its_text_when_recorded(guides_dir: Path, tmp_path: Path) -> None:
    publisher = Publisher(guides_dir, tmp_path / "data")
    data = two_column_pdf()
    (guides_dir / "antrian-paspor.id.pdf").write_bytes(data)
    FolderSync(publisher).sync()
    assert TextStore(tmp_path / "data" / "text").state(sha256_hex(data)) == "ready"


def test_the_cli_publish_makes_the_text(guides_dir: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "baru.pdf"
    pdf.write_bytes(two_column_pdf())
    data_dir = tmp_path / "data"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "server.cli", "publish", str(pdf)),
            *("--guide", "antrian-paspor", "--lang", "id"),
            *("--guides", str(guides_dir), "--data", str(data_dir)),
        ],
        check=True,
        capture_output=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert TextStore(data_dir / "text").state(sha256_hex(pdf.read_bytes())) == "ready"
    assert "antrian-paspor.id: Teks / text: siap / ready" in done.stdout.decode()


def test_a_pdf_whose_text_cannot_be_read_is_still_published(
    guides_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = Publisher(guides_dir, tmp_path / "data")

    def broken(sha256: str, data: bytes) -> GuideText:
        raise TextError("the text reader stopped (signal 9)")

    monkeypatch.setattr(publisher.texts, "make", broken)
    data = two_column_pdf()
    outcome = publisher.publish("antrian-paspor", "id", io.BytesIO(data), "budi")
    assert outcome.new_sha256 == sha256_hex(data)
    assert (guides_dir / "antrian-paspor.id.pdf").read_bytes() == data


@pytest.fixture
def admin_client(settings: Settings) -> Iterator[tuple[TestClient, Admin]]:
    app = create_app(settings)
    admin: Admin = app.fallback.state.admin  # type: ignore[attr-defined]
    admin.accounts.add("budi", PASSWORD, "test")
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert log_in(client).status_code == 200
        yield client, admin


def _wait_for_state(store: TextStore, sha: str, state: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while store.state(sha) != state:
        assert time.monotonic() < deadline, f"text of {sha[:12]} is {store.state(sha)}"
        time.sleep(0.2)


@needs_tesseract
def test_an_ocr_text_waits_for_review_then_goes_live(
    admin_client: tuple[TestClient, Admin],
) -> None:
    client, admin = admin_client
    data = scanned_pdf(SCANNED_LINES)
    sha = hashlib.sha256(data).hexdigest()
    client.post(
        "/admin/guides/antrian-paspor/upload",
        data={"csrf": csrf_of(client), "lang": "id"},
        files={"file": ("scan.pdf", data, "application/pdf")},
    )
    store = admin.live.texts
    assert store is not None
    _wait_for_state(store, sha, "awaiting_review")
    # Tikkim sees that the text came from OCR, and the text itself, before anyone else.
    guide = client.get("/admin/guides/antrian-paspor").text
    assert 'data-text="awaiting_review"' in guide
    review = client.get("/admin/guides/antrian-paspor/text/id").text
    assert "dibaca mesin (OCR)" in review and "jadwal kedatangan" in review
    public = client.get("/guides/antrian-paspor").text
    assert "jadwal kedatangan" not in public and "guide-text" not in public
    # Published: the page shows the text, saying it came from OCR; the audit log says who.
    done = client.post(
        "/admin/guides/antrian-paspor/text/id/approve", data={"csrf": csrf_of(client)}
    )
    assert done.status_code == 200 and "Teks diterbitkan." in done.text
    public = client.get("/guides/antrian-paspor").text
    assert "jadwal kedatangan" in public and "dibaca mesin (OCR)" in public
    assert "approve_text" in client.get("/admin/audit").text
    # Approving again is refused: nothing is waiting.
    again = client.post(
        "/admin/guides/antrian-paspor/text/id/approve", data={"csrf": csrf_of(client)}
    )
    assert again.status_code == 409


def test_approving_needs_the_csrf_token(admin_client: tuple[TestClient, Admin]) -> None:
    client, _ = admin_client
    response = client.post("/admin/guides/antrian-paspor/text/id/approve", data={})
    assert response.status_code == 403
