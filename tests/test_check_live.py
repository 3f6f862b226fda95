"""`bilang-karyo check --url`: the running site, fetched at the QR code's own address."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.cli import main
from testkit.server import LiveServer, start_server, with_sample_reader
from tests.nginx_proxy import EXAMPLE_ROOT, nginx_in_front


def office_at(office_file: Path, public_url: str) -> Path:
    """The office file with another public_url: where this test's site is reached."""
    text = office_file.read_text(encoding="utf-8")
    changed = office_file.with_name("office-here.toml")
    changed.write_text(
        text.replace(
            'public_url = "https://imigo.dev/infokanimjogja"', f'public_url = "{public_url}"'
        ),
        encoding="utf-8",
    )
    return changed


def check_url(guides_dir: Path, office: Path, *extra: str) -> int:
    return main(["check", "--guides", str(guides_dir), "--office", str(office), "--url", *extra])


@pytest.fixture
def jogja(
    tmp_path: Path, guides_dir: Path, office_file: Path, sample_reader: Path
) -> Iterator[LiveServer]:
    """The site as shipped: under public_url's path, /infokanimjogja."""
    with_sample_reader(tmp_path / "data", sample_reader)
    server = start_server(
        guides_dir, office_file, tmp_path / "data", tmp_path / "server.log", root_path=None
    )
    yield server
    server.stop()


def test_the_qr_codes_address_passes_through_nginx_with_tls(
    jogja: LiveServer,
    guides_dir: Path,
    office_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with nginx_in_front(tmp_path / "nginx", {EXAMPLE_ROOT: jogja.port}) as proxy:
        # The check trusts the test's certificate as a phone trusts the office's real one.
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "nginx" / "cert.pem"))
        office = office_at(office_file, proxy.url + EXAMPLE_ROOT)
        assert check_url(guides_dir, office) == 0
    out = capsys.readouterr().out
    qr = f"{proxy.url}{EXAMPLE_ROOT}/?src=qr"
    assert f"OK   {qr} (the QR code's address) reaches the landing page" in out
    assert f"OK   {proxy.url}{EXAMPLE_ROOT}/manifest.webmanifest (the manifest) answers" in out
    assert f"OK   {proxy.url}{EXAMPLE_ROOT}/sw.js (the service worker) answers" in out
    assert "running site serves catalog" in out


def test_the_shipped_404_fails(
    live_server: LiveServer,
    guides_dir: Path,
    office_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """As shipped before: the site at the root only, the QR code's address with a path."""
    office = office_at(office_file, live_server.url + "/infokanimjogja")
    assert check_url(guides_dir, office) == 1
    out = capsys.readouterr().out
    assert (
        f"FAIL {live_server.url}/infokanimjogja/?src=qr (the QR code's address) answers 404" in out
    )


def test_a_site_serving_links_for_another_path_fails(
    live_server: LiveServer,
    guides_dir: Path,
    office_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A proxy that strips the path to a site that does not know it: its links would 404."""
    office = office_at(office_file, live_server.url)
    assert check_url(guides_dir, office, "--root-path", "/infokanimjogja") == 1
    out = capsys.readouterr().out
    assert "the site serves its links under '/', but is reached under '/infokanimjogja'" in out


def test_an_address_where_nothing_answers_fails(
    guides_dir: Path, office_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from testkit.server import free_port

    office = office_at(office_file, f"http://127.0.0.1:{free_port()}/infokanimjogja")
    assert check_url(guides_dir, office) == 1
    assert "(the QR code's address) does not answer" in capsys.readouterr().out


def test_check_url_with_an_address_checks_there(
    jogja: LiveServer, guides_dir: Path, office_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before the proxy is set up, Tikkim checks the site on the server itself."""
    assert check_url(guides_dir, office_file, jogja.url + EXAMPLE_ROOT) == 0
    out = capsys.readouterr().out
    assert f"OK   {jogja.url}{EXAMPLE_ROOT}/?src=qr (the QR code's address)" in out
