"""deploy/nginx.conf with the real nginx: TLS, X-Forwarded-*, and two sites under their paths."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.office import load_office
from testkit.server import LiveServer, start_server, with_sample_reader
from tests.nginx_proxy import EXAMPLE_ROOT, Proxy, fetch, nginx_in_front

SOLO = "/infokanimsolo"


@pytest.fixture
def two_sites(
    tmp_path: Path, guides_dir: Path, office_file: Path, sample_reader: Path
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Kanim Jogja at its office file's path, and a second office's site on the same host."""
    servers = []
    # Jogja's path comes from public_url, as the shipped office file sets it; Solo's is set.
    for name, root in (("jogja", None), ("solo", SOLO)):
        data = tmp_path / name / "data"
        with_sample_reader(data, sample_reader)
        log = tmp_path / f"{name}.log"
        servers.append(start_server(guides_dir, office_file, data, log, root_path=root))
    yield servers[0], servers[1]
    for server in servers:
        server.stop()


@pytest.fixture
def proxy(tmp_path: Path, two_sites: tuple[LiveServer, LiveServer]) -> Iterator[Proxy]:
    jogja, solo = two_sites
    with nginx_in_front(tmp_path / "nginx", {EXAMPLE_ROOT: jogja.port, SOLO: solo.port}) as running:
        yield running


def test_the_qr_codes_address_reaches_the_landing_page_through_nginx(
    proxy: Proxy, office_file: Path
) -> None:
    qr_url = load_office(office_file).qr_url
    assert qr_url == f"https://imigo.dev{EXAMPLE_ROOT}/?src=qr"
    status, headers, body = fetch(qr_url.replace("https://imigo.dev", proxy.url))
    assert status == 200
    html = body.decode()
    assert "<h1>Informasi Layanan Keimigrasian</h1>" in html
    assert f'data-root="{EXAMPLE_ROOT}"' in html
    # The app saw HTTPS through X-Forwarded-Proto: it asks browsers to keep to it.
    assert headers["strict-transport-security"].startswith("max-age=")


def test_the_address_without_its_slash_and_plain_http_are_sent_on(proxy: Proxy) -> None:
    status, headers, _ = fetch(f"{proxy.url}{EXAMPLE_ROOT}?src=qr")
    assert (status, headers["location"]) == (301, f"{proxy.url}{EXAMPLE_ROOT}/?src=qr")
    status, headers, _ = fetch(f"{proxy.http_url}{EXAMPLE_ROOT}/")
    assert status == 301 and headers["location"].startswith("https://")


def test_manifest_and_worker_through_nginx(proxy: Proxy) -> None:
    for root in (EXAMPLE_ROOT, SOLO):
        status, _, body = fetch(f"{proxy.url}{root}/manifest.webmanifest")
        manifest = json.loads(body)
        assert status == 200
        assert (manifest["id"], manifest["scope"]) == (root + "/", root + "/")
        assert manifest["start_url"] == root + "/?src=pwa"
        status, headers, body = fetch(f"{proxy.url}{root}/sw.js")
        assert status == 200 and headers["content-type"].startswith("application/javascript")
        build = json.loads(re.match(rb"const BUILD = (.*);\n", body).group(1))  # type: ignore[union-attr]
        assert build["root"] == root
        for entry in build["precache"][:5]:
            assert fetch(proxy.url + entry["url"])[0] == 200


def test_cookies_are_secure_and_scoped_to_their_site(proxy: Proxy) -> None:
    for root in (EXAMPLE_ROOT, SOLO):
        _, headers, _ = fetch(f"{proxy.url}{root}/en/?lang=en")
        cookie = headers["set-cookie"]
        assert f"Path={root};" in cookie and "Secure" in cookie
        _, headers, _ = fetch(f"{proxy.url}{root}/admin/login")
        assert f"Path={root}/admin" in headers["set-cookie"]


def test_outside_both_sites_nginx_answers_nothing_of_theirs(proxy: Proxy) -> None:
    """Whatever else the office serves on its host stays its own: no worker at the host's root."""
    status, _, body = fetch(f"{proxy.url}/sw.js")
    assert status != 200 and b"BUILD" not in body
