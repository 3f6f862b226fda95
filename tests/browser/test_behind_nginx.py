"""The whole applicant flow in chromium, at the office's real kind of address: HTTPS through
deploy/nginx.conf (the real nginx), under /infokanimjogja, with a second office's site beside
it on the same host."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from server.office import load_office
from testkit.browser import (
    SAVED,
    Browser,
    cached_urls,
    fetch_in_page,
    wait_for_control,
)
from testkit.server import (
    SAMPLE_GUIDES,
    LiveServer,
    start_again,
    start_server,
    with_sample_reader,
)
from tests.browser.test_usage import reported, wait_for_report
from tests.nginx_proxy import EXAMPLE_ROOT, nginx_in_front

pytestmark = pytest.mark.browser

JOGJA = EXAMPLE_ROOT
SOLO = "/infokanimsolo"
# The test's certificate is self-signed; a service worker needs the page's TLS to be trusted.
TRUST_TEST_CERTIFICATE = {"chromium_args": ["--ignore-certificate-errors"]}


def _site(tmp_path: Path, name: str, root: str | None, reader: Path, office: Path) -> LiveServer:
    guides = tmp_path / name / "guides"
    guides.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SAMPLE_GUIDES, guides, ignore=shutil.ignore_patterns("README.md"))
    data = tmp_path / name / "data"
    with_sample_reader(data, reader)
    return start_server(guides, office, data, tmp_path / f"{name}.log", root_path=root)


@pytest.fixture
def jogja(tmp_path: Path, office_file: Path, sample_reader: Path) -> Iterator[LiveServer]:
    """The site as shipped: its path is the one in office.toml's public_url."""
    server = _site(tmp_path, "jogja", None, sample_reader, office_file)
    assert server.root_path == JOGJA
    yield server
    server.stop()


@pytest.fixture
def solo(tmp_path: Path, office_file: Path, sample_reader: Path) -> Iterator[LiveServer]:
    server = _site(tmp_path, "solo", SOLO, sample_reader, office_file)
    yield server
    server.stop()


def test_the_offline_flow_under_the_path_behind_nginx(
    browser: Browser, jogja: LiveServer, tmp_path: Path, office_file: Path
) -> None:
    browser.extra.update(TRUST_TEST_CERTIFICATE)
    with nginx_in_front(tmp_path / "nginx", {JOGJA: jogja.port}) as proxy:
        base = proxy.url + JOGJA
        # 1. The scan: the QR code's address exactly, on this host.
        qr_url = load_office(office_file).qr_url.replace("https://imigo.dev", proxy.url)
        page = browser.launch()
        page.goto(qr_url)
        expect(page.locator("h1")).to_have_text("Informasi Layanan Keimigrasian")
        wait_for_control(page)
        scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
        assert scope == base + "/"
        # 2. Installable, from the manifest under the path.
        assert browser.context is not None
        cdp = browser.context.new_cdp_session(page)
        app_manifest = cdp.send("Page.getAppManifest")
        assert app_manifest["url"] == base + "/manifest.webmanifest"
        assert app_manifest["errors"] == []
        assert cdp.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
        # 3. A red button opens its guide, which is saved on the phone.
        page.locator("nav.buttons a.btn").first.click()
        assert page.url.startswith(base + "/guides/")
        expect(page.locator("#offline-status")).to_have_class(SAVED)
        guide_url = page.url
        # 4. The language switch keeps the path.
        page.click('nav.langs a[hreflang="en"]')
        assert page.url.startswith(base + "/en/guides/")
        # 5. Search, answered under the path.
        page.goto(base + "/en/search")
        page.fill("#search-q", "passport")
        page.press("#search-q", "Enter")
        first_hit = page.locator(".hits a").first
        expect(first_hit).to_have_attribute("href", re.compile(f"^{JOGJA}/en/guides/"))
        # 6. Save every guide for offline.
        page.goto(base + "/")
        save_all = page.locator("#save-all")
        save_all.locator("button").click()
        expect(save_all.locator(".save-status")).to_have_text(
            "Semua panduan tersimpan dan bisa dibaca tanpa internet."
        )
        caches = cached_urls(page)
        assert caches and all(name.startswith(f"bilang-karyo@{JOGJA}:") for name in caches)
        assert all(url.startswith(JOGJA + "/") for urls in caches.values() for url in urls)
        pdf_url = page.evaluate(
            "async () => (await (await fetch('api/guides')).json()).guides[0].files.id.url"
        )
        browser.problems.check()
        browser.close()

        # 7. The site's server goes down (nginx answers 502): the phone still has it all.
        jogja.kill()
        page = browser.launch()
        page.goto(qr_url)
        expect(page.locator("h1")).to_have_text("Informasi Layanan Keimigrasian")
        page.goto(guide_url)
        expect(page.locator("#offline-status")).to_have_class(SAVED)
        with page.expect_navigation() as opened:
            page.click("a[data-guide-file]")
        response = opened.value
        assert response is not None and response.status == 200
        assert response.from_service_worker
        assert response.headers["content-type"] == "application/pdf"
        page.go_back()
        # 8. Back online, the phone reports what it showed while the server was down: the
        # scan and the guide's page, each by the site's own path, each counted.
        before = reported(jogja.data_dir)
        browser.close()
        restarted = start_again(jogja, office_file)
        try:
            page = browser.launch()
            page.goto(base + "/")
            slug = guide_url.rsplit("/", 1)[1]
            for key in (("qr_scan", "", "id"), ("guide_open", slug, "id")):
                wait_for_report(jogja.data_dir, key, before.get(key, 0) + 1)
        finally:
            restarted.kill()
    # 9. And with no network at all (nginx gone too).
    assert proxy.process.process.poll() is not None
    page.goto(base + "/en/")
    expect(page.locator("h1")).to_have_text("Immigration service information")
    fetched = fetch_in_page(page, pdf_url)
    assert fetched["status"] == 200


def test_two_sites_on_one_host_keep_their_own_workers_caches_and_cookies(
    browser: Browser, jogja: LiveServer, solo: LiveServer, tmp_path: Path
) -> None:
    browser.extra.update(TRUST_TEST_CERTIFICATE)
    with nginx_in_front(tmp_path / "nginx", {JOGJA: jogja.port, SOLO: solo.port}) as proxy:
        page = browser.launch()
        # Jogja first: its worker installs, and a guide is saved.
        page.goto(proxy.url + JOGJA + "/guides/izin-tinggal")
        wait_for_control(page)
        expect(page.locator("#offline-status")).to_have_class(SAVED)
        # English chosen on Jogja's site only.
        page.goto(proxy.url + JOGJA + "/en/?lang=en")
        jogja_caches = set(cached_urls(page))
        # Then Solo, whose worker activates (and clears what it thinks is outdated).
        page.goto(proxy.url + SOLO + "/")
        wait_for_control(page)
        expect(page.locator("html")).to_have_attribute("lang", "id")  # Jogja's cookie unseen
        page.goto(proxy.url + SOLO + "/guides/antrian-paspor")
        expect(page.locator("#offline-status")).to_have_class(SAVED)
        caches = cached_urls(page)
        assert jogja_caches <= set(caches), "Solo's worker deleted Jogja's caches"
        for name, urls in caches.items():
            root = JOGJA if name.startswith(f"bilang-karyo@{JOGJA}:") else SOLO
            assert name.startswith(f"bilang-karyo@{root}:"), name
            assert all(url.startswith(root + "/") for url in urls), (name, urls)
        scopes = page.evaluate(
            "async () => (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope)"
        )
        assert sorted(scopes) == [proxy.url + JOGJA + "/", proxy.url + SOLO + "/"]
        saved = page.evaluate(
            "() => Object.fromEntries(Object.keys(localStorage).map((k) => [k, localStorage[k]]))"
        )
        assert saved[f"bilang-karyo@{JOGJA}:saved"] == '["izin-tinggal.id"]'
        assert saved[f"bilang-karyo@{SOLO}:saved"] == '["antrian-paspor.id"]'
        assert browser.context is not None
        cookies = {(c["name"], c["path"]) for c in browser.context.cookies()}
        assert ("bk_lang", JOGJA) in cookies
        assert all(path != "/" for _, path in cookies)
        # Back on Jogja: its saved guide is still on the phone.
        page.goto(proxy.url + JOGJA + "/guides/izin-tinggal")
        expect(page.locator("#offline-status")).to_have_class(SAVED)
        browser.problems.check()
