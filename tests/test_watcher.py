"""Tikkim drops, replaces and removes files in guides/ while the real server runs."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server.cli import main as cli_main
from server.db import DB_NAME
from server.settings import PROJECT_ROOT
from testkit import bad_pdfs
from testkit.bad_pdfs import javascript_open_action
from testkit.pdfs import make_encrypted_pdf, make_pdf
from testkit.server import LiveServer, start_server, with_sample_reader

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


# Issue 11: nothing a file or the database does stops the watcher or the usage flusher.

HOSTILE = PROJECT_ROOT.parent / "shared" / "pdf-corpus" / "hostile"
HOSTILE_CLASSES: dict[str, Callable[[], bytes]] = {
    "aes-encrypted (corpus)": lambda: (HOSTILE / "aes-encrypted.pdf").read_bytes(),
    "parser assertion (corpus)": lambda: (HOSTILE / "assertion-bad35.pdf").read_bytes(),
    "duplicate /A (corpus)": lambda: (HOSTILE / "duplicate-action-key.pdf").read_bytes(),
    "AES-256, no user password": lambda: bad_pdfs.encrypted("AES-256", ""),
    "RC4-40 with a password": lambda: bad_pdfs.encrypted("RC4-40", "sandi"),
    "duplicate link /A": bad_pdfs.duplicate_link_action,
    "duplicate page /AA": bad_pdfs.duplicate_additional_actions,
    "duplicate /OpenAction": bad_pdfs.duplicate_open_action,
    "duplicate /Names JavaScript": bad_pdfs.duplicate_names_javascript,
    "script behind a broken xref": bad_pdfs.hidden_script_behind_broken_xref,
    "deep nesting": bad_pdfs.deep_nesting,
    "huge object count": bad_pdfs.huge_object_count,
}


def health(server: LiveServer) -> Any:
    return get_json(server.url + "/healthz")


def test_every_hostile_class_dropped_in_is_refused_and_the_watcher_keeps_going(
    live_server: LiveServer,
) -> None:
    before = guides(live_server)
    files = {g["files"][lang]["url"]: g["files"][lang]["sha256"] for g in before.values()
             for lang in g["files"]}  # fmt: skip
    target = live_server.guides_dir / "visa-kunjungan.id.pdf"
    for name, make in HOSTILE_CLASSES.items():
        target.write_bytes(make())
        wait_for(lambda: health(live_server)["last_error"] is not None, f"{name}: the refusal")
        report = health(live_server)
        assert report["status"] == "degraded" and target.name in report["last_error"], name
        assert guides(live_server) == before, name
        for url, digest in files.items():
            assert hashlib.sha256(fetch(live_server.url + url)).hexdigest() == digest, name
        target.unlink()
        wait_for(lambda: health(live_server)["last_error"] is None, f"{name}: recovery")
    assert live_server.process.poll() is None
    with sqlite3.connect(live_server.data_dir / DB_NAME) as conn:
        recorded = conn.execute("SELECT COUNT(*) FROM versions WHERE slug = 'visa-kunjungan'")
        assert recorded.fetchone()[0] == 0, "a hostile file was kept as a version"
    # Still watching: a good file dropped in afterwards is served.
    good = make_pdf("Visa kunjungan, versi baik")
    target.write_bytes(good)
    wait_for(lambda: "visa-kunjungan" in guides(live_server), "the good file")
    assert (
        fetch(live_server.url + guides(live_server)["visa-kunjungan"]["files"]["id"]["url"]) == good
    )
    assert health(live_server)["status"] in ("ok", "warn")


def test_a_locked_database_degrades_then_the_watcher_and_flusher_catch_up(
    tmp_path: Path, guides_dir: Path, office_file: Path, sample_reader: Path
) -> None:
    """Another program holds the write lock for a while (40 s in the attack run; here past
    the busy timeout and a usage flush): the site serves, /healthz says why, and once the
    lock goes the dropped file is recorded, the counts are written, and watching goes on."""
    data_dir = tmp_path / "data"
    with_sample_reader(data_dir, sample_reader)
    server = start_server(
        guides_dir, office_file, data_dir, tmp_path / "server.log",
        extra_env={"BILANG_KARYO_DB_BUSY_SECONDS": "1"},
    )  # fmt: skip
    try:
        page = urllib.request.Request(server.url + "/", headers={"Sec-Fetch-Dest": "document"})
        lock = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        lock.execute("INSERT INTO login_failures (key, at) VALUES ('other-program', 0)")
        for _ in range(3):
            urllib.request.urlopen(page, timeout=5).close()
        dropped = make_pdf("Visa saat terkunci")
        (guides_dir / "visa-kunjungan.id.pdf").write_bytes(dropped)
        wait_for(lambda: "guides_sync" in health(server)["problems"], "the sync problem")
        report = health(server)
        assert report["status"] == "degraded"
        assert "locked" in report["problems"]["guides_sync"], report
        # Usage counts are flushed every 10 s; the flush fails and the counts are kept.
        deadline = time.monotonic() + 30
        while "usage" not in health(server)["problems"]:
            assert time.monotonic() < deadline, health(server)
            time.sleep(0.2)
        assert fetch(server.url + "/").startswith(b"<!doctype html>")
        lock.execute("ROLLBACK")
        lock.close()
        wait_for(lambda: not health(server)["problems"], "recovery")
        deadline = time.monotonic() + 30
        while True:  # the next flush writes the counts kept in memory
            with sqlite3.connect(data_dir / DB_NAME) as conn:
                views = conn.execute(
                    "SELECT COALESCE(SUM(count), 0) FROM usage_daily WHERE metric = 'page_view'"
                ).fetchone()[0]
            if views >= 3:
                break
            assert time.monotonic() < deadline, "the counts were lost"
            time.sleep(0.2)
        with sqlite3.connect(data_dir / DB_NAME) as conn:
            recorded = conn.execute(
                "SELECT sha256 FROM versions WHERE slug = 'visa-kunjungan'"
            ).fetchall()
        assert [r[0] for r in recorded] == [hashlib.sha256(dropped).hexdigest()]
        # A publish from the CLI afterwards is served: the watcher is alive.
        newer = tmp_path / "newer.pdf"
        newer.write_bytes(make_pdf("Visa, versi sesudah"))
        assert cli_main(["publish", str(newer), "--guide", "pembuatan-paspor", "--lang", "id",
                         "--guides", str(guides_dir), "--data", str(data_dir)]) == 0  # fmt: skip
        digest = hashlib.sha256(newer.read_bytes()).hexdigest()
        wait_for(
            lambda: guides(server)["pembuatan-paspor"]["files"]["id"]["sha256"] == digest,
            "the CLI's publish",
        )
    finally:
        server.stop()
