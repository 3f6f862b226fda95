"""`bilang-karyo publish`, `history`, `rollback` and `retire`, and their refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.cli import main
from server.publish import Publisher
from tests.bad_pdfs import launch_action
from tests.disk_state import disk_state
from tests.pdfs import make_pdf


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
