"""The journal's recovery: what a killed publish left half-done is finished or cleared."""

from __future__ import annotations

from pathlib import Path

from server.blobs import BlobStore, sha256_hex
from server.db import Database
from server.journal import Journal
from testkit.pdfs import make_pdf


def test_recovery_removes_half_written_files_and_keeps_whole_ones(
    guides_dir: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    store = BlobStore(data_dir / "blobs")
    whole = store.put(make_pdf("whole"))
    # What write_atomically leaves when its process is killed mid-write.
    half_blob = store.path_for("ab" * 32).parent / f".{'ab' * 32}.pdf.x1y2z3.tmp"
    half_blob.parent.mkdir(parents=True, exist_ok=True)
    half_blob.write_bytes(b"%PDF-1.7 half")
    half_guide = guides_dir / ".antrian-paspor.id.pdf.q9w8e7.tmp"
    half_guide.write_bytes(b"%PDF-1.7 half")

    Journal(Database(data_dir), guides_dir, store).recover()

    assert not half_blob.exists() and not half_guide.exists()
    assert sha256_hex(store.path_for(whole).read_bytes()) == whole
    assert (guides_dir / "antrian-paspor.id.pdf").is_file()
