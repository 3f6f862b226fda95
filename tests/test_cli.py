"""The `bilang-karyo` command line: qr, check and serve's start-up errors."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from server.cli import main
from server.settings import PROJECT_ROOT
from testkit.pdfs import make_pdf
from tests.test_qr import svg_to_image


def run(*args: str) -> int:
    return main(list(args))


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_qr_writes_a_code_for_the_public_url(
    tmp_path: Path, office_file: Path, suffix: str
) -> None:
    out = tmp_path / f"poster{suffix}"
    assert run("qr", "--out", str(out), "--office", str(office_file)) == 0
    data = out.read_bytes()
    image = Image.open(io.BytesIO(data)) if suffix == ".png" else svg_to_image(data)
    texts = [r.text for r in zxingcpp.read_barcodes(image)]
    assert texts == ["https://imigo.dev/infokanimjogja/?src=qr"]


def test_qr_refuses_other_formats(
    tmp_path: Path, office_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("qr", "--out", str(tmp_path / "qr.jpg"), "--office", str(office_file)) == 2
    assert ".svg or .png" in capsys.readouterr().err


def check(guides_dir: Path, office_file: Path, *extra: str) -> int:
    return run("check", "--guides", str(guides_dir), "--office", str(office_file), *extra)


def test_check_passes_the_sample_guides(
    guides_dir: Path, office_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(guides_dir, office_file) == 0
    out = capsys.readouterr().out
    assert "OK   izin-tinggal [en]: izin-tinggal.en.pdf, 2 page(s)" in out
    assert "WARN" in out and "whatsapp.number" in out
    assert "Result: all good" in out


def test_check_strict_fails_on_unconfirmed_values(guides_dir: Path, office_file: Path) -> None:
    assert check(guides_dir, office_file, "--strict") == 1


def test_check_reports_a_missing_file(
    guides_dir: Path, office_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (guides_dir / "izin-tinggal.en.pdf").unlink()
    assert check(guides_dir, office_file) == 1
    assert "FAIL izin-tinggal [en]: izin-tinggal.en.pdf is missing" in capsys.readouterr().out


def test_check_reports_a_corrupt_pdf(
    guides_dir: Path, office_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (guides_dir / "pembuatan-paspor.id.pdf").write_bytes(make_pdf()[:300])
    assert check(guides_dir, office_file) == 1
    assert "FAIL pembuatan-paspor [id]" in capsys.readouterr().out


def test_check_reports_a_broken_catalog(
    guides_dir: Path, office_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (guides_dir / "catalog.toml").write_text("[[guide]]\nslug = 'x'\n")
    assert check(guides_dir, office_file) == 1
    assert "FAIL" in capsys.readouterr().out


def test_check_reports_a_bad_office_file(
    guides_dir: Path, office_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office_file.write_text(office_file.read_text().replace('number = "628112578223"', ""))
    assert check(guides_dir, office_file) == 1
    assert "field 'whatsapp.number': missing" in capsys.readouterr().out


def test_serve_stops_at_start_up_on_a_bad_office_file(tmp_path: Path, office_file: Path) -> None:
    office_file.write_text(
        office_file.read_text().replace('theme_color = "#B71C1C"', 'theme_color = "merah"')
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--office",
            str(office_file),
            "--data",
            str(tmp_path / "data"),
            "--port",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 2
    assert f"{office_file}: field 'theme_color': must look like #B71C1C" in result.stderr


def test_check_against_a_running_site(
    live_server: object, guides_dir: Path, office_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    assert check(guides_dir, office_file, "--url", url, "--root-path", "/") == 0
    out = capsys.readouterr().out
    assert f"OK   {url}/?src=qr (the QR code's address) reaches the landing page" in out
    assert "running site serves catalog" in out


def test_an_explained_error_ends_a_command_with_its_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A damaged database under `notice list`: what is wrong and what to do, exit 1."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "bilang-karyo.sqlite3").write_bytes(b"not a database, just bytes " * 200)
    assert run("notice", "list", "--data", str(data_dir)) == 1
    err = capsys.readouterr().err
    assert err.startswith("bilang-karyo: ") and "is damaged" in err
    assert "bilang-karyo db check" in err  # what to do
    assert "Traceback" not in err
