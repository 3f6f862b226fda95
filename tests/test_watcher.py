"""Tikkim drops, replaces and removes files in guides/ while the real server runs."""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import LiveServer
from tests.pdfs import make_pdf

# Generous: the suite runs on a shared machine. The 2-second figure is measured
# by the benchmark, not asserted here.
PATIENCE = 15.0


def get_json(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        return json.load(exc)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {what}")


def guides(server: LiveServer) -> dict[str, Any]:
    return {g["slug"]: g for g in get_json(server.url + "/api/guides")["guides"]}


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        body: bytes = response.read()
        return body


def test_dropped_pdf_is_served_without_restart(live_server: LiveServer) -> None:
    data = make_pdf("Visa kunjungan")
    (live_server.guides_dir / "visa-kunjungan.id.pdf").write_bytes(data)
    wait_for(lambda: "visa-kunjungan" in guides(live_server), "the new guide")
    gfile = guides(live_server)["visa-kunjungan"]["files"]["id"]
    assert fetch(live_server.url + gfile["url"]) == data
    assert b"Visa kunjungan" in fetch(live_server.url + "/")


def test_replaced_pdf_is_served_at_a_new_url(live_server: LiveServer) -> None:
    old = guides(live_server)["pembuatan-paspor"]["files"]["id"]
    data = make_pdf("Biaya baru")
    (live_server.guides_dir / "pembuatan-paspor.id.pdf").write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    wait_for(
        lambda: guides(live_server)["pembuatan-paspor"]["files"]["id"]["sha256"] == digest,
        "the new version",
    )
    new = guides(live_server)["pembuatan-paspor"]["files"]["id"]
    assert new["url"] != old["url"]
    assert fetch(live_server.url + new["url"]) == data


def test_removed_pdf_leaves_the_site(live_server: LiveServer) -> None:
    (live_server.guides_dir / "antrian-paspor.id.pdf").unlink()
    wait_for(lambda: "antrian-paspor" not in guides(live_server), "the guide to go")


def test_catalog_edit_is_picked_up(live_server: LiveServer) -> None:
    catalog = live_server.guides_dir / "catalog.toml"
    catalog.write_text(catalog.read_text().replace('"Pembuatan Paspor"', '"Paspor Baru"'))
    wait_for(lambda: b"Paspor Baru" in fetch(live_server.url + "/"), "the new title")


def test_half_copied_pdf_never_replaces_the_last_good_catalog(live_server: LiveServer) -> None:
    before = guides(live_server)
    target = live_server.guides_dir / "izin-tinggal.en.pdf"
    data = make_pdf("Stay permit, new", pages=3)
    target.write_bytes(data[: len(data) // 2])
    wait_for(
        lambda: get_json(live_server.url + "/healthz")["last_error"] is not None,
        "the health report to show the error",
    )
    health = get_json(live_server.url + "/healthz")
    assert health["status"] == "degraded"
    assert "izin-tinggal.en.pdf" in health["last_error"]
    assert guides(live_server) == before
    old_url = before["izin-tinggal"]["files"]["en"]["url"]
    assert (
        hashlib.sha256(fetch(live_server.url + old_url)).hexdigest()
        == before["izin-tinggal"]["files"]["en"]["sha256"]
    )

    target.write_bytes(data)  # the copy completes
    digest = hashlib.sha256(data).hexdigest()
    wait_for(
        lambda: guides(live_server)["izin-tinggal"]["files"]["en"]["sha256"] == digest,
        "the completed file",
    )
    assert get_json(live_server.url + "/healthz")["last_error"] is None


def test_broken_catalog_keeps_the_last_good_one(live_server: LiveServer) -> None:
    before = guides(live_server)
    catalog = live_server.guides_dir / "catalog.toml"
    good = catalog.read_text()
    catalog.write_text(good.replace("order = 10", "order = "))
    wait_for(
        lambda: get_json(live_server.url + "/healthz")["last_error"] is not None,
        "the error to show",
    )
    assert "not valid TOML" in get_json(live_server.url + "/healthz")["last_error"]
    assert guides(live_server) == before
    assert "error" in live_server.log().lower()
    catalog.write_text(good)
    wait_for(lambda: get_json(live_server.url + "/healthz")["last_error"] is None, "recovery")


def test_hidden_temporary_files_are_ignored(live_server: LiveServer, tmp_path: Path) -> None:
    (live_server.guides_dir / ".upload.pdf.tmp").write_bytes(b"partial")
    (live_server.guides_dir / ".catalog.toml.swp").write_bytes(b"junk")
    time.sleep(0.5)
    assert get_json(live_server.url + "/healthz")["last_error"] is None
