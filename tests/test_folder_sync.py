"""PDFs copied into guides/ by hand take the publishing path: versions and audit entries."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sqlite3
import time
import urllib.request
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.audit import AuditLog
from server.catalog_file import CATALOG_NAME
from server.db import DB_NAME
from server.folder_sync import FolderSync
from server.publish import Publisher
from server.settings import PROJECT_ROOT, Settings
from testkit.bad_pdfs import padded_pdf
from testkit.pdfs import make_pdf
from testkit.server import start_server


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_dropped_file_becomes_a_version(guides_dir: Path, tmp_path: Path) -> None:
    publisher = Publisher(guides_dir, tmp_path / "data")
    sync = FolderSync(publisher)
    first = sync.sync()
    assert {(o.slug, o.lang) for o in first} == {
        ("antrian-paspor", "id"),
        ("pembuatan-paspor", "id"),
        ("izin-tinggal", "id"),
        ("izin-tinggal", "en"),
        ("pelaporan-status-sipil", "id"),
        ("pelaporan-status-sipil", "en"),
    }
    assert sync.sync() == []  # nothing new: nothing recorded twice

    dropped = make_pdf("Disalin lewat folder")
    (guides_dir / "pembuatan-paspor.id.pdf").write_bytes(dropped)
    (outcome,) = sync.sync()
    assert (outcome.slug, outcome.lang, outcome.new_sha256) == (
        "pembuatan-paspor",
        "id",
        sha(dropped),
    )
    latest = publisher.versions.history("pembuatan-paspor")[0]
    assert (latest.actor, latest.sha256) == ("folder", sha(dropped))
    entry = AuditLog(publisher.db).entries(limit=1)[0]
    assert (entry.actor, entry.action, entry.new_sha256) == ("folder", "publish", sha(dropped))
    assert entry.old_sha256 == first[3].new_sha256 or entry.old_sha256


def test_a_half_copied_file_is_not_recorded(guides_dir: Path, tmp_path: Path) -> None:
    publisher = Publisher(guides_dir, tmp_path / "data")
    sync = FolderSync(publisher)
    sync.sync()
    whole = make_pdf("Belum selesai")
    (guides_dir / "antrian-paspor.id.pdf").write_bytes(whole[: len(whole) // 2])
    assert sync.sync() == []
    (guides_dir / "antrian-paspor.id.pdf").write_bytes(whole)
    assert [o.new_sha256 for o in sync.sync()] == [sha(whole)]


def test_a_hand_edit_of_the_catalog_is_logged(guides_dir: Path, tmp_path: Path) -> None:
    publisher = Publisher(guides_dir, tmp_path / "data")
    sync = FolderSync(publisher)
    sync.sync()
    path = guides_dir / CATALOG_NAME
    before = path.read_bytes()
    path.write_text(path.read_text().replace("order = 10", "order = 11"), encoding="utf-8")
    sync.sync()
    entry = AuditLog(publisher.db).entries(limit=1)[0]
    assert (entry.actor, entry.action, entry.detail) == ("folder", "edit", CATALOG_NAME)
    assert entry.old_sha256 == sha(before) and entry.new_sha256 == sha(path.read_bytes())


def test_the_running_site_serves_and_records_a_dropped_file(
    guides_dir: Path, office_file: Path, tmp_path: Path
) -> None:
    server = start_server(guides_dir, office_file, tmp_path / "data", tmp_path / "server.log")
    try:
        dropped = make_pdf("Diletakkan di folder guides")
        staging = guides_dir / ".izin-tinggal.en.pdf.partial"  # copied, then renamed in place
        staging.write_bytes(dropped)
        staging.replace(guides_dir / "izin-tinggal.en.pdf")
        deadline = time.monotonic() + 15
        while True:
            with urllib.request.urlopen(server.url + "/api/guides", timeout=5) as response:
                guides = json.load(response)["guides"]
            served = next(g for g in guides if g["slug"] == "izin-tinggal")["files"]["en"]
            if served["sha256"] == sha(dropped):
                break
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.1)
    finally:
        server.stop()
    history = Publisher(guides_dir, tmp_path / "data").versions.history("izin-tinggal")
    assert (history[0].lang, history[0].sha256, history[0].actor) == ("en", sha(dropped), "folder")


def test_a_dropped_file_over_the_upload_limit_is_neither_served_nor_kept(
    settings: Settings,
) -> None:
    small = dataclasses.replace(settings, max_upload_mb=1)
    (small.guides_dir / "visa-kunjungan.id.pdf").write_bytes(padded_pdf(2 * 1024 * 1024))
    with TestClient(create_app(small)) as client:
        slugs = [g["slug"] for g in client.get("/api/guides").json()["guides"]]
        assert "visa-kunjungan" not in slugs and "pembuatan-paspor" in slugs
        health = client.get("/healthz").json()
        assert health["status"] == "degraded"
        assert (
            "visa-kunjungan.id.pdf: the file is larger than the limit of 1 MB"
            in (health["last_error"])
        )
    with sqlite3.connect(small.data_dir / DB_NAME) as conn:
        kept = conn.execute("SELECT COUNT(*) FROM versions WHERE slug = 'visa-kunjungan'")
        assert kept.fetchone()[0] == 0


@pytest.mark.parametrize("name", ["aes-encrypted.pdf", "assertion-bad35.pdf"])
def test_a_hostile_file_in_guides_does_not_stop_the_next_start(
    settings: Settings, name: str
) -> None:
    """It used to kill the watcher, and then the start; now the other guides are served and
    /healthz names the file."""
    hostile = PROJECT_ROOT.parent / "shared" / "pdf-corpus" / "hostile" / name
    shutil.copy(hostile, settings.guides_dir / "visa-kunjungan.id.pdf")
    with TestClient(create_app(settings)) as client:
        assert client.get("/").status_code == 200
        slugs = [g["slug"] for g in client.get("/api/guides").json()["guides"]]
        assert "pembuatan-paspor" in slugs and "visa-kunjungan" not in slugs
        health = client.get("/healthz").json()
        assert health["status"] == "degraded" and "visa-kunjungan.id.pdf" in health["last_error"]
