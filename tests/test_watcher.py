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

import pytest

from server.cli import main as cli_main
from tests.bad_pdfs import javascript_open_action
from tests.conftest import LiveServer
from tests.pdfs import make_encrypted_pdf, make_pdf

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


def _break_catalog_syntax(guides_dir: Path) -> str:
    catalog = guides_dir / "catalog.toml"
    catalog.write_text(catalog.read_text().replace("order = 10", "order = "))
    return "not valid TOML"


def _break_catalog_slug(guides_dir: Path) -> str:
    catalog = guides_dir / "catalog.toml"
    catalog.write_text(catalog.read_text().replace('"izin-tinggal"', '"../izin-tinggal"', 1))
    return "field 'slug'"


def _drop_garbage_pdf(guides_dir: Path) -> str:
    (guides_dir / "visa-kunjungan.id.pdf").write_bytes(b"<html>not a pdf</html>")
    return "visa-kunjungan.id.pdf"


def _replace_with_encrypted_pdf(guides_dir: Path) -> str:
    (guides_dir / "izin-tinggal.en.pdf").write_bytes(make_encrypted_pdf())
    return "izin-tinggal.en.pdf"


def _drop_pdf_with_javascript(guides_dir: Path) -> str:
    (guides_dir / "visa-kunjungan.en.pdf").write_bytes(javascript_open_action())
    return "visa-kunjungan.en.pdf"


@pytest.mark.parametrize(
    "damage",
    [
        _break_catalog_syntax,
        _break_catalog_slug,
        _drop_garbage_pdf,
        _replace_with_encrypted_pdf,
        _drop_pdf_with_javascript,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_a_broken_file_keeps_the_last_good_catalog_and_health_and_check_say_why(
    live_server: LiveServer,
    office_file: Path,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[Path], str],
) -> None:
    before = guides(live_server)
    files = {g["files"][lang]["url"]: g["files"][lang]["sha256"] for g in before.values()
             for lang in g["files"]}  # fmt: skip
    what = damage(live_server.guides_dir)
    wait_for(
        lambda: get_json(live_server.url + "/healthz")["last_error"] is not None,
        "the health report to show the error",
    )
    health = get_json(live_server.url + "/healthz")
    assert health["status"] == "degraded" and what in health["last_error"]
    # The last good catalog serves on, every file whole.
    assert guides(live_server) == before
    for url, digest in files.items():
        assert hashlib.sha256(fetch(live_server.url + url)).hexdigest() == digest
    # `bilang-karyo check` finds it in guides/ alone, and hears of it from the running site.
    offline = ["check", "--guides", str(live_server.guides_dir), "--office", str(office_file)]
    for args, source in ((offline, "guides/"), ([*offline, "--url", live_server.url], "site")):
        capsys.readouterr()
        assert cli_main(args) == 1
        out = capsys.readouterr().out
        fails = [line for line in out.splitlines() if line.startswith("FAIL")]
        assert any(what in line for line in fails), out
        if source == "site":
            assert any("running site could not load the catalog" in f for f in fails), out
