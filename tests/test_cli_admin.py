"""`bilang-karyo publish`, `history`, `rollback` and `retire`, and their refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.cli import main
from server.publish import Publisher
from server.settings import PROJECT_ROOT
from testkit.bad_pdfs import launch_action
from testkit.pdfs import make_pdf
from tests.disk_state import disk_state


def run(args: list[str], guides_dir: Path, tmp_path: Path) -> int:
    return main([*args, "--guides", str(guides_dir), "--data", str(tmp_path / "data")])


def test_publish_history_rollback_from_the_command_line(
    guides_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (guides_dir / "izin-tinggal.id.pdf").read_bytes()
    new_pdf = tmp_path / "baru.pdf"
    new_pdf.write_bytes(make_pdf("Dari terminal"))
    command = ["publish", str(new_pdf), "--guide", "izin-tinggal", "--lang", "id", "--as", "siti"]
    assert run(command, guides_dir, tmp_path) == 0
    assert "published as v" in capsys.readouterr().out
    assert (guides_dir / "izin-tinggal.id.pdf").read_bytes() == new_pdf.read_bytes()

    assert run(["history", "izin-tinggal"], guides_dir, tmp_path) == 0
    listing = capsys.readouterr().out
    assert "siti" in listing and "<- live" in listing

    assert run(["rollback", "izin-tinggal", "--lang", "id"], guides_dir, tmp_path) == 0
    assert (guides_dir / "izin-tinggal.id.pdf").read_bytes() == original


def test_publish_adds_a_new_guide_with_its_texts(guides_dir: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "visa.pdf"
    pdf.write_bytes(make_pdf("Visa"))
    command = [
        "publish",
        str(pdf),
        "--guide",
        "visa-kunjungan",
        "--lang",
        "id",
        "--title-id",
        "Visa Kunjungan",
        "--title-en",
        "Visit visa",
        "--summary-id",
        "Syarat.",
        "--summary-en",
        "Needs.",
        "--source",
        "UU 6/2011",
        "--order",
        "25",
        "--featured",
    ]
    assert run(command, guides_dir, tmp_path) == 0
    entry = Publisher(guides_dir, tmp_path / "data").entry("visa-kunjungan")
    assert entry is not None and entry.featured and entry.order == 25
    assert entry.sources == ("UU 6/2011",)


def test_retire_and_undo(guides_dir: Path, tmp_path: Path) -> None:
    assert run(["retire", "izin-tinggal"], guides_dir, tmp_path) == 0
    publisher = Publisher(guides_dir, tmp_path / "data")
    assert publisher.entry("izin-tinggal").retired  # type: ignore[union-attr]
    assert run(["retire", "izin-tinggal", "--undo"], guides_dir, tmp_path) == 0
    assert not publisher.entry("izin-tinggal").retired  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--guide", "antrian-paspor", "--lang", "id"], "launch action"),
        (["--guide", "../../etc", "--lang", "id"], "guide name"),
        (["--guide", "visa-baru", "--lang", "id"], "titles and summaries"),
    ],
    ids=["launch action", "path in the slug", "new guide without texts"],
)
def test_a_refused_publish_exits_non_zero_and_changes_nothing(
    guides_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(launch_action() if "launch" in message else make_pdf())
    Publisher(guides_dir, tmp_path / "data")  # the database exists, as after any first run
    before = disk_state(guides_dir, tmp_path / "data")
    assert run(["publish", str(bad), *args], guides_dir, tmp_path) == 1
    err = capsys.readouterr().err
    assert "ditolak / refused" in err and message in err and "nothing changed" in err
    assert disk_state(guides_dir, tmp_path / "data") == before


def test_a_missing_file_is_a_clear_error(
    guides_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "tidak-ada.pdf"
    assert run(["publish", str(missing), "--guide", "x", "--lang", "id"], guides_dir, tmp_path) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name", ["aes-encrypted.pdf", "assertion-bad35.pdf", "duplicate-action-key.pdf"]
)
def test_the_attack_runs_pdfs_are_refused_by_the_cli_without_a_traceback(
    guides_dir: Path, tmp_path: Path, name: str
) -> None:
    hostile = PROJECT_ROOT.parent / "shared" / "pdf-corpus" / "hostile" / name
    Publisher(guides_dir, tmp_path / "data")
    before = disk_state(guides_dir, tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "publish", str(hostile), "--guide",
         "antrian-paspor", "--lang", "id", "--guides", str(guides_dir), "--data",
         str(tmp_path / "data")],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "ditolak / refused" in result.stderr and "nothing changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert disk_state(guides_dir, tmp_path / "data") == before


def test_publishing_a_folder_is_a_clear_error(
    guides_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    assert run(["publish", str(folder), "--guide", "x", "--lang", "id"], guides_dir, tmp_path) == 2
    err = capsys.readouterr().err
    assert "is a folder; give the PDF file itself" in err and "Traceback" not in err
