"""A publish killed at each step: readers see the old or the new version, never a mix,
and the next start finishes or forgets the change so the catalog is consistent."""

from __future__ import annotations

import hashlib
import json
import os
import select
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.blobs import BlobStore
from server.catalog import load_catalog
from server.db import DB_NAME
from server.journal import PAUSE_ENV
from server.settings import PROJECT_ROOT, Settings
from testkit.pdfs import make_pdf
from testkit.server import start_server

# In the order the publish passes them; from "journaled" on, the change is decided.
POINTS = ["validated", "blob-stored", "journaled", "files-written", "catalog-written", "recorded"]
DECIDED = POINTS[POINTS.index("journaled") :]
ACTOR = "tikkim-crash"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def start_paused_publish(args: list[str], point: str) -> subprocess.Popen[bytes]:
    """Run `bilang-karyo publish` until it stops at `point`; the caller kills it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "publish", *args, "--as", ACTOR],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, PAUSE_ENV: point},
        cwd=PROJECT_ROOT,
    )
    assert process.stderr is not None
    output = b""
    deadline = time.monotonic() + 30
    while f"paused at {point}".encode() not in output:
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([process.stderr], [], [], max(remaining, 0))
        if not ready:
            process.kill()
            pytest.fail(f"publish did not reach {point}: {output.decode(errors='replace')}")
        chunk = os.read(process.stderr.fileno(), 4096)
        if not chunk:
            process.wait(timeout=10)
            pytest.fail(f"publish exited ({process.returncode}) before {point}: {output!r}")
        output += chunk
    return process


def kill(process: subprocess.Popen[bytes]) -> None:
    process.kill()  # SIGKILL: no clean-up code runs
    process.wait(timeout=10)
    if process.stderr is not None:
        process.stderr.close()


def served_now(guides_dir: Path, tmp_path: Path, slug: str, lang: str) -> str | None:
    """What a reader loading guides/ right now would serve, before any recovery."""
    catalog = load_catalog(guides_dir, BlobStore(tmp_path / "reader-blobs"))
    guide = catalog.guide(slug)
    return guide.files[lang].sha256 if guide and lang in guide.files else None


def restart_and_read(settings: Settings, slug: str, lang: str) -> str | None:
    with TestClient(create_app(settings)) as client:
        guides = client.get("/api/guides").json()["guides"]
    guide = next((g for g in guides if g["slug"] == slug), None)
    return guide["files"][lang]["sha256"] if guide and lang in guide["files"] else None


def records(data_dir: Path, slug: str) -> tuple[list[str], list[str], int]:
    conn = sqlite3.connect(data_dir / DB_NAME)
    try:
        versions = [
            r[0]
            for r in conn.execute(
                "SELECT sha256 FROM versions WHERE slug = ? ORDER BY number", (slug,)
            )
        ]
        audit = [
            r[0]
            for r in conn.execute(
                "SELECT new_sha256 FROM audit WHERE actor = ? AND action = 'publish'", (ACTOR,)
            )
        ]
        pending = conn.execute("SELECT COUNT(*) FROM pending").fetchone()[0]
    finally:
        conn.close()
    return versions, audit, int(pending)


@pytest.mark.parametrize("point", POINTS)
def test_new_version_of_a_guide_killed_mid_publish(
    point: str, settings: Settings, guides_dir: Path, tmp_path: Path
) -> None:
    # The site has run once, so the sample files are recorded versions already.
    old = restart_and_read(settings, "antrian-paspor", "id")
    assert old == sha((guides_dir / "antrian-paspor.id.pdf").read_bytes())
    new_pdf = tmp_path / "baru.pdf"
    new_pdf.write_bytes(make_pdf(f"Versi baru {point}"))
    new = sha(new_pdf.read_bytes())
    args = [
        str(new_pdf),
        "--guide",
        "antrian-paspor",
        "--lang",
        "id",
        "--guides",
        str(guides_dir),
        "--data",
        str(settings.data_dir),
    ]

    kill(start_paused_publish(args, point))

    # A reader that looks now sees one version or the other, complete.
    assert served_now(guides_dir, tmp_path, "antrian-paspor", "id") in {old, new}
    # On restart the change is finished if it was decided, and forgotten if not.
    expected = new if point in DECIDED else old
    assert restart_and_read(settings, "antrian-paspor", "id") == expected
    assert sha((guides_dir / "antrian-paspor.id.pdf").read_bytes()) == expected
    versions, audit, pending = records(settings.data_dir, "antrian-paspor")
    assert versions[-1] == expected
    assert audit == ([new] if point in DECIDED else [])
    assert pending == 0
    assert not list(guides_dir.glob(".*.tmp"))


@pytest.mark.parametrize("point", POINTS)
def test_new_guide_killed_mid_publish(
    point: str, settings: Settings, guides_dir: Path, tmp_path: Path
) -> None:
    new_pdf = tmp_path / "visa.pdf"
    new_pdf.write_bytes(make_pdf(f"Visa {point}"))
    new = sha(new_pdf.read_bytes())
    args = [
        str(new_pdf),
        "--guide",
        "visa-kunjungan",
        "--lang",
        "en",
        "--title-id",
        "Visa Kunjungan",
        "--title-en",
        "Visit visa",
        "--summary-id",
        "Syarat visa.",
        "--summary-en",
        "Visa needs.",
        "--guides",
        str(guides_dir),
        "--data",
        str(settings.data_dir),
    ]

    kill(start_paused_publish(args, point))

    # The catalog names the new file only once... or the file waits for the catalog:
    # either way a reader sees no guide, or the whole new one.
    assert served_now(guides_dir, tmp_path, "visa-kunjungan", "en") in {None, new}
    expected = new if point in DECIDED else None
    assert restart_and_read(settings, "visa-kunjungan", "en") == expected
    catalog = json.dumps(load_catalog(guides_dir, BlobStore(tmp_path / "b")).warnings)
    assert "visa-kunjungan" not in catalog, "no half-added guide may be left behind"


def test_the_running_site_waits_for_a_publish_and_finishes_a_killed_one(
    guides_dir: Path, office_file: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    server = start_server(guides_dir, office_file, data_dir, tmp_path / "server.log")
    try:

        def served() -> str:
            with urllib.request.urlopen(server.url + "/api/guides", timeout=5) as response:
                guides = json.load(response)["guides"]
            return str(
                next(g for g in guides if g["slug"] == "antrian-paspor")["files"]["id"]["sha256"]
            )

        old = served()
        new_pdf = tmp_path / "baru.pdf"
        new_pdf.write_bytes(make_pdf("Terbit saat situs berjalan"))
        args = [
            str(new_pdf),
            "--guide",
            "antrian-paspor",
            "--lang",
            "id",
            "--guides",
            str(guides_dir),
            "--data",
            str(data_dir),
        ]
        publish = start_paused_publish(args, "files-written")
        # The new PDF is in guides/ but the catalog is not written yet: the site's
        # watcher has seen the change and waits for the publish to finish.
        time.sleep(1.0)
        assert served() == old
        kill(publish)
        deadline = time.monotonic() + 15
        while served() != sha(new_pdf.read_bytes()):
            assert time.monotonic() < deadline, (
                "the killed publish was not finished:\n" + server.log()
            )
            time.sleep(0.1)
        versions, _audit, pending = records(data_dir, "antrian-paspor")
        assert versions[-1] == sha(new_pdf.read_bytes()) and pending == 0
    finally:
        server.stop()
