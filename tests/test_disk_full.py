"""Publishing onto a full disk: a clear refusal, nothing changed, the old version still served.

Each test mounts its own small tmpfs (root or CAP_SYS_ADMIN needed; otherwise skipped with
the reason) and fills it, so the disk really is full; nothing is simulated.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from server.catalog_file import CATALOG_NAME
from server.publish import Publisher
from server.publish_checks import PublishError
from server.settings import PROJECT_ROOT
from testkit.admin_client import add_account, csrf_of, log_in, refusal_key
from testkit.bad_pdfs import padded_pdf
from testkit.server import SAMPLE_GUIDES, LiveServer, start_server
from tests.disk_state import disk_state

Mount = Callable[[str, int], Path]
BIG = padded_pdf(600 * 1024, "Versi baru yang besar")
SLUG = "antrian-paspor"
PATIENCE = 15.0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Mount]:
    """Mounts a tmpfs of the given size in KB under tmp_path, and unmounts it after."""
    mounted: list[Path] = []

    def mount(name: str, size_kb: int) -> Path:
        target = tmp_path / name
        target.mkdir()
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "bk-disk-full", target],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.skip(
                "a small filesystem cannot be mounted here (needs root or CAP_SYS_ADMIN): "
                + (result.stderr.strip() or f"mount exited with {result.returncode}")
            )
        mounted.append(target)
        return target

    yield mount
    for target in reversed(mounted):
        subprocess.run(["umount", "--lazy", target], check=True)


def fill(folder: Path, leave: int) -> Path:
    """Write one file that leaves only `leave` bytes free on the folder's filesystem."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    filler = folder / "filler.bin"
    with filler.open("wb") as out:
        out.write(b"\0" * max(free - leave, 0))
    return filler


def free_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def copy_guides(target: Path) -> Path:
    shutil.copytree(SAMPLE_GUIDES, target, ignore=shutil.ignore_patterns("README.md"))
    return target


def get(server: LiveServer, path: str) -> httpx2.Response:
    return httpx2.get(server.url + path, timeout=10)


def served_sha(server: LiveServer) -> str:
    """The sha256 of the guide file the listing names, checked against the bytes served."""
    for _ in range(10):
        guides = get(server, "/api/guides").json()["guides"]
        gfile = next(g for g in guides if g["slug"] == SLUG)["files"]["id"]
        response = get(server, gfile["url"])
        # A reload between the two requests: the listed URL now redirects to the
        # version that replaced it. Read the listing again.
        if response.status_code != 307:
            break
    assert response.status_code == 200, (gfile["url"], response.status_code)
    assert hashlib.sha256(response.content).hexdigest() == gfile["sha256"], "a file served torn"
    return str(gfile["sha256"])


def wait_for(condition: Callable[[], Any], what: str, server: LiveServer) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{server.log()}"
        time.sleep(0.1)


def cli_publish(pdf: Path, guides_dir: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "publish", str(pdf), "--guide", SLUG, "--lang", "id",
         "--guides", str(guides_dir), "--data", str(data_dir), "--as", "tikkim"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60,
    )  # fmt: skip


def test_a_publish_onto_a_full_disk_is_refused_and_the_old_version_stays_served(
    small_disk: Mount, tmp_path: Path, office_file: Path
) -> None:
    disk = small_disk("disk", 8 * 1024)
    guides_dir, data_dir = copy_guides(disk / "guides"), disk / "data"
    add_account(data_dir)
    server = start_server(guides_dir, office_file, data_dir, tmp_path / "server.log")
    try:
        with httpx2.Client(base_url=server.url, timeout=30) as web:
            check_refused_while_full(server, web, disk, tmp_path)
    finally:
        server.stop()


def check_refused_while_full(server: LiveServer, web: httpx2.Client, disk: Path, tmp: Path) -> None:
    guides_dir, data_dir = server.guides_dir, server.data_dir
    old = served_sha(server)
    log_in(web)
    filler = fill(disk, leave=300 * 1024)
    before = disk_state(guides_dir, data_dir)
    pdf = tmp / "besar.pdf"  # outside the full disk, as an upload would be
    pdf.write_bytes(BIG)

    by_cli = cli_publish(pdf, guides_dir, data_dir)
    by_admin = web.post(
        f"/admin/guides/{SLUG}/upload",
        data={"csrf": csrf_of(web), "lang": "id"},
        files={"file": ("besar.pdf", BIG, "application/pdf")},
    )

    assert by_cli.returncode == 1, by_cli.stderr
    assert "disk is full" in by_cli.stderr and "nothing changed" in by_cli.stderr
    assert by_admin.status_code == 507 and refusal_key(by_admin.text) == "disk_full"
    assert "disk is full; the old version stays online" in by_admin.text
    assert disk_state(guides_dir, data_dir) == before
    assert not list(guides_dir.glob(".*.tmp")) and not list(data_dir.rglob(".*.tmp"))
    assert served_sha(server) == old
    assert get(server, "/healthz").json()["last_error"] is None

    # Once there is room again, the same publish goes through.
    filler.unlink()
    assert cli_publish(pdf, guides_dir, data_dir).returncode == 0
    new = hashlib.sha256(BIG).hexdigest()
    wait_for(lambda: served_sha(server) == new, "the new version", server)


def test_no_room_in_guides_stores_nothing_in_the_blob_store(
    small_disk: Mount, tmp_path: Path
) -> None:
    """Room for the stored version but not for the copy in guides/: refused before either."""
    guides_dir = copy_guides(small_disk("guides", 2 * 1024) / "guides")
    data_dir = tmp_path / "data"
    publisher = Publisher(guides_dir, data_dir)
    publisher.publish(SLUG, "id", io.BytesIO(padded_pdf(10 * 1024, "v2")), "budi")
    fill(guides_dir, leave=300 * 1024)
    before = disk_state(guides_dir, data_dir)
    with pytest.raises(PublishError) as refused:
        publisher.publish(SLUG, "id", io.BytesIO(BIG), "budi")
    assert (refused.value.key, refused.value.status) == ("disk_full", 507)
    assert str(guides_dir) in refused.value.detail
    assert disk_state(guides_dir, data_dir) == before
    with pytest.raises(PublishError) as refused_rollback:
        publisher.rollback(SLUG, "budi", to=1)  # v1 fits; the margin for the catalog does not
    assert refused_rollback.value.key == "disk_full"
    assert disk_state(guides_dir, data_dir) == before


def test_a_disk_that_fills_after_the_space_check_still_changes_nothing(
    small_disk: Mount, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program fills the disk between the check and the writes: the refusal's
    "nothing changed" stays true, and nothing is finished behind Tikkim's back later."""
    guides_dir = copy_guides(small_disk("guides", 2 * 1024) / "guides")
    data_dir = tmp_path / "data"
    publisher = Publisher(guides_dir, data_dir)
    publisher.publish(SLUG, "id", io.BytesIO(padded_pdf(10 * 1024, "v2")), "budi")
    fill(guides_dir, leave=300 * 1024)
    monkeypatch.setattr("server.publish.check_space", lambda needs: None)  # it had room then
    guides_before = disk_state(guides_dir, tmp_path / "none")
    history_before = publisher.versions.history(SLUG)
    with pytest.raises(PublishError) as refused:
        publisher.publish(SLUG, "id", io.BytesIO(BIG), "budi")
    assert refused.value.key == "disk_full"
    assert disk_state(guides_dir, tmp_path / "none") == guides_before
    assert publisher.journal.recover() == 0, "a refused change was left to be finished"
    assert disk_state(guides_dir, tmp_path / "none") == guides_before
    assert publisher.versions.history(SLUG) == history_before
    assert not list(guides_dir.glob(".*.tmp"))


def test_a_pdf_dropped_in_while_the_data_disk_is_full_leaves_the_site_serving(
    small_disk: Mount, tmp_path: Path, guides_dir: Path, office_file: Path
) -> None:
    """The site copies each PDF into its blob store before serving it. With no room there,
    the last good catalog keeps serving, /healthz says why, and the watcher keeps going."""
    data_dir = small_disk("data", 4 * 1024) / "data"
    server = start_server(guides_dir, office_file, data_dir, tmp_path / "server.log")
    try:
        before, old = get(server, "/api/guides").json(), served_sha(server)
        filler = fill(data_dir, leave=64 * 1024)
        (guides_dir / "visa-kunjungan.id.pdf").write_bytes(BIG)

        def health() -> Any:
            return get(server, "/healthz").json()

        wait_for(lambda: health()["last_error"], "the error to be reported", server)
        assert "No space left on device" in health()["last_error"]
        assert health()["status"] == "degraded"
        assert get(server, "/api/guides").json() == before
        assert served_sha(server) == old

        filler.unlink()
        wait_for(
            lambda: "visa-kunjungan" in get(server, "/api/guides").text, "the new guide", server
        )
        assert health()["last_error"] is None
        assert server.process.poll() is None
        assert (guides_dir / CATALOG_NAME).is_file()
    finally:
        server.stop()


def test_at_zero_bytes_free_the_site_starts_and_the_admin_and_cli_say_the_disk_is_full(
    small_disk: Mount, tmp_path: Path, office_file: Path
) -> None:
    disk = small_disk("disk", 8 * 1024)
    guides_dir, data_dir = copy_guides(disk / "guides"), disk / "data"
    add_account(data_dir)
    server = start_server(guides_dir, office_file, data_dir, tmp_path / "server.log")
    server.stop()
    fill(disk, leave=0)
    (disk / "filler-2.bin").write_bytes(b"")  # the last blocks, if fill left any
    assert free_bytes(disk) < 64 * 1024
    server = start_server(guides_dir, office_file, data_dir, tmp_path / "server.log")
    try:
        with httpx2.Client(base_url=server.url, timeout=30) as web:
            assert web.get("/").status_code == 200
            served_sha(server)
            answer = log_in(web)
            assert answer.status_code == 503, answer.text
            assert refusal_key(answer.text) == "db_full"
            assert "disk" in answer.text and "full" in answer.text
        for command in (["history", SLUG], ["user", "add", "sari"], ["rollback", SLUG]):
            result = subprocess.run(
                [sys.executable, "-m", "server.cli", *command, "--data", str(data_dir),
                 "--guides", str(guides_dir)],
                capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60,
                input="kata-sandi-baru-123\n",
            )  # fmt: skip
            assert "Traceback" not in result.stderr, (command, result.stderr)
            if result.returncode != 0:
                assert "full" in result.stderr or "no recorded versions" in result.stderr, (
                    command,
                    result.stderr,
                )
        added = subprocess.run(
            [sys.executable, "-m", "server.cli", "user", "add", "sari", "--data", str(data_dir)],
            capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60,
            input="kata-sandi-baru-123\n",
        )  # fmt: skip
        assert added.returncode == 1 and "is full" in added.stderr, added.stderr
        assert server.process.poll() is None
    finally:
        server.stop()
