"""What a killed publish or render leaves behind is removed at the next start, and nothing else."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

from starlette.testclient import TestClient

from server.app import create_app
from server.blobs import BlobStore, sha256_hex
from server.publish import Publisher
from server.settings import Settings
from testkit.pdfs import make_pdf

HOUR_AGO = time.time() - 3600


def aged(path: Path) -> Path:
    os.utime(path, (HOUR_AGO, HOUR_AGO))
    return path


def test_orphans_of_a_killed_publish_and_render_are_removed_at_start(settings: Settings) -> None:
    publisher = Publisher(settings.guides_dir, settings.data_dir)
    kept = make_pdf("Versi yang diterbitkan")
    publisher.publish("antrian-paspor", "id", io.BytesIO(kept), "budi")
    store = BlobStore(settings.data_dir / "blobs")
    aged(store.path_for(sha256_hex(kept)))
    # A publish killed after storing its PDF, before the change was journaled.
    orphan = make_pdf("Versi yang tidak pernah terbit")
    aged(store.path_for(store.put(orphan)))
    young = make_pdf("Baru saja disimpan oleh proses lain")
    young_path = store.path_for(store.put(young))
    # A render killed half-way: its working folder.
    sha = sha256_hex(kept)
    work = settings.data_dir / "reader" / sha[:2] / f".{sha}.x1y2"
    work.mkdir(parents=True)
    (work / "1.webp").write_bytes(b"half")
    aged(work)

    with TestClient(create_app(settings)) as client:
        assert client.get("/").status_code == 200
    assert not store.path_for(sha256_hex(orphan)).exists()
    assert not work.exists()
    assert store.path_for(sha256_hex(kept)).exists(), "a published version was removed"
    assert young_path.exists(), "a file another process may be using was removed"
    for history in publisher.versions.history("antrian-paspor"):
        assert store.has(history.sha256)
