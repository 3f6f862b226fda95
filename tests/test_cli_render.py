"""The CLI makes a published version's reader pages at once, and shows how far it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.blobs import sha256_hex
from server.cli import main
from server.reader import ReaderStore
from testkit.pdfs import make_pdf


def test_publish_prints_the_reader_pages_as_they_are_made(
    guides_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "baru.pdf"
    pdf.write_bytes(make_pdf("Tiga halaman", 3))
    data_dir = tmp_path / "data"
    command = ["publish", str(pdf), "--guide", "izin-tinggal", "--lang", "id", "--as", "siti"]
    assert main([*command, "--guides", str(guides_dir), "--data", str(data_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    progress = [line for line in lines if "Halaman pembaca / reader pages" in line]
    assert progress == [
        "izin-tinggal.id: Halaman pembaca / reader pages: 0/3",
        "izin-tinggal.id: Halaman pembaca / reader pages: 1/3",
        "izin-tinggal.id: Halaman pembaca / reader pages: 2/3",
        "izin-tinggal.id: Halaman pembaca / reader pages: 3/3",
        "izin-tinggal.id: Halaman pembaca / reader pages: 3, siap / ready",
    ]
    # The server finds them made: its guide page shows the reader at once.
    edition = ReaderStore(data_dir / "reader").load(sha256_hex(pdf.read_bytes()))
    assert edition is not None and "Tiga halaman - 3" in edition.pages[2].text

    # Rolling back to a version already rendered says so without rendering again.
    assert main(["rollback", "izin-tinggal", "--lang", "id", "--guides", str(guides_dir),
                 "--data", str(data_dir)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "reader pages: 0/" in out  # the original had never been rendered here
    assert main(["rollback", "izin-tinggal", "--to", "2", "--guides", str(guides_dir),
                 "--data", str(data_dir)]) == 0  # fmt: skip
    last_two = capsys.readouterr().out.splitlines()[-2:]
    assert last_two[0] == "izin-tinggal.id: Halaman pembaca / reader pages: 3, siap / ready"
    # Then what became of the version's text: made when it was first published.
    assert last_two[1].startswith("izin-tinggal.id: Teks / text: siap / ready")
