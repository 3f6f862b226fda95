"""Offline use in a real chromium: the service worker, saved guides, Range, the offline page."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from playwright.sync_api import Playwright, Request, expect

from server.i18n import format_size
from testkit.browser import (
    SAVED,
    Browser,
    answer_whatsapp_here,
    browser_on,
    cached_urls,
    counting_proxy,
    fetch_in_page,
    guide_files,
    noise_pdf,
    open_guide,
    saved_size,
    sha256_of,
    wait_for_control,
    wait_for_guide,
)
from testkit.server import LiveServer

pytestmark = pytest.mark.browser


def test_the_first_visit_downloads_each_hashed_file_once(
    browser: Browser, live_server: LiveServer
) -> None:
    """On the service room's Wi-Fi every byte counts: the worker's precache takes the CSS,
    JS and icons the page just loaded from the browser's cache, not from the network again."""
    with counting_proxy(live_server.port) as (proxy, port):
        page = browser.launch()
        page.goto(f"http://127.0.0.1:{port}/")
        wait_for_control(page)  # installed: the whole precache is in
        shell = next(urls for name, urls in cached_urls(page).items() if "-shell-" in name)
        hashed = [url for url in shell if url.startswith("/static/")]
        assert len(hashed) >= 5
        assert {url: proxy.requests[url] for url in hashed} == dict.fromkeys(hashed, 1)
        # A page's URL has no hash: the worker asks the server for it again.
        assert proxy.requests["/"] == 2
    browser.problems.check()


# Every layout shift on the page from its start, as the browser measures them (CLS).
_LAYOUT_SHIFTS = """() => new Promise((resolve) => {
  const shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const moved = entry.sources.map((source) => source.node && source.node.nodeName);
      shifts.push({ value: entry.value, moved });
    }
  }).observe({ type: 'layout-shift', buffered: true });
  setTimeout(() => resolve(shifts), 1500);
})"""


def test_opening_a_guide_does_not_move_the_page_under_the_finger(
    browser: Browser, live_server: LiveServer
) -> None:
    """The offline status fills in after the page shows; its place is kept from the start,
    so a button is never pushed away as the applicant taps it."""
    page = browser.launch()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/")
    wait_for_control(page)
    page.goto(live_server.url + "/guides/antrian-paspor")
    expect(page.locator("#offline-status")).to_have_class(SAVED)
    assert page.evaluate(_LAYOUT_SHIFTS) == []
    browser.problems.check()


def test_without_javascript_no_empty_offline_status_is_left(
    playwright: Playwright, live_server: LiveServer, tmp_path: Path
) -> None:
    with browser_on(playwright, tmp_path / "no-js", java_script_enabled=False) as no_js:
        page = no_js.launch()
        page.goto(live_server.url + "/guides/antrian-paspor")
        # Not even an empty space kept for it: nothing will fill it.
        assert page.locator("#offline-status").bounding_box() is None
        expect(page.locator(".guide-text h2").first).to_be_visible()
        # The original pages open without JavaScript too (a <details>).
        page.locator("details.reader summary").click()
        expect(page.locator(".reader .page img").first).to_be_visible()
        expect(page.locator("a[data-guide-file]")).to_be_visible()
        no_js.problems.check()


def test_the_worker_controls_the_pages_without_console_errors(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    page.goto(live_server.url + "/")
    wait_for_control(page)
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == live_server.url + "/"
    for path in ("/en/", "/guides/izin-tinggal", "/en/guides/izin-tinggal", "/offline"):
        page.goto(live_server.url + path)
        assert page.evaluate("() => navigator.serviceWorker.controller !== null"), path
    browser.problems.check()


def test_an_opened_guide_reopens_offline_after_a_browser_relaunch(
    browser: Browser, live_server: LiveServer
) -> None:
    served = guide_files(live_server.url)["antrian-paspor.id"]
    page = browser.launch()
    page.goto(live_server.url + "/")
    wait_for_control(page)
    open_guide(page, live_server.url, "/guides/antrian-paspor")
    # Cache first: with the server up, the saved copy answers and the worker asks nobody.
    asked: list[str] = []

    def from_worker(request: Request) -> None:
        if request.service_worker is not None:
            asked.append(request.url)

    assert browser.context is not None
    browser.context.on("request", from_worker)
    again = fetch_in_page(page, served["url"])
    assert (again["status"], again["sha256"], asked) == (200, served["sha256"], [])
    browser.problems.check()
    browser.close()
    live_server.kill()

    page = browser.launch()
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("Informasi Layanan Keimigrasian")
    page.click('a[href="/guides/antrian-paspor"]')
    expect(page.locator("#offline-status")).to_have_class(SAVED)
    with page.expect_navigation() as opened:
        page.click("a[data-guide-file]")
    response = opened.value
    assert response is not None
    assert response.status == 200
    assert response.from_service_worker
    assert response.headers["content-type"] == "application/pdf"
    page.go_back()
    fetched = fetch_in_page(page, served["url"])
    assert (fetched["status"], fetched["sha256"]) == (200, served["sha256"])


def test_after_save_all_every_guide_opens_offline(
    browser: Browser, live_server: LiveServer
) -> None:
    files = guide_files(live_server.url)
    total = sum(saved_size(file) for file in files.values())
    pages = sum(len(file["reader"]) for file in files.values())
    page = browser.launch()
    page.goto(live_server.url + "/")
    wait_for_control(page)
    save_all = page.locator("#save-all")
    button = save_all.locator("button")
    # The applicant sees how much it costs before tapping: the PDFs and their reader pages.
    expect(button).to_have_text(
        f"Simpan semua panduan untuk offline{len(files)} file PDF dan {pages} halaman, "
        f"total {format_size(total)}"
    )
    button.click()
    expect(save_all.locator(".save-status")).to_have_text(
        "Semua panduan tersimpan dan bisa dibaca tanpa internet."
    )
    progress = save_all.locator("progress")
    expect(progress).to_be_visible()
    assert progress.evaluate("bar => [bar.value, bar.max]") == [total, total]
    browser.close()
    live_server.kill()

    page = browser.launch()
    page.goto(live_server.url + "/")
    for key, served in files.items():
        fetched = fetch_in_page(page, served["url"])
        assert (fetched["status"], fetched["sha256"]) == (200, served["sha256"]), key
    for guide in ("antrian-paspor", "pembuatan-paspor", "izin-tinggal", "pelaporan-status-sipil"):
        for prefix in ("", "/en"):
            page.goto(f"{live_server.url}{prefix}/guides/{guide}")
            expect(page.locator("#offline-status")).to_have_class(SAVED)
            with page.expect_navigation() as opened:
                page.click("a[data-guide-file]")
            response = opened.value
            assert response is not None and response.status == 200, (prefix, guide)
            assert response.headers["content-type"] == "application/pdf"


def test_a_range_request_for_a_saved_guide_is_answered_offline(
    browser: Browser, live_server: LiveServer
) -> None:
    served = guide_files(live_server.url)["izin-tinggal.en"]
    data = (live_server.guides_dir / "izin-tinggal.en.pdf").read_bytes()
    page = browser.launch()
    page.goto(live_server.url + "/en/")
    wait_for_control(page)
    open_guide(page, live_server.url, "/en/guides/izin-tinggal")
    live_server.kill()

    middle = fetch_in_page(page, served["url"], "bytes=100-1123")
    assert middle["status"] == 206
    assert middle["contentRange"] == f"bytes 100-1123/{len(data)}"
    assert bytes(middle["bytes"]) == data[100:1124]
    tail = fetch_in_page(page, served["url"], "bytes=-50")
    assert tail["status"] == 206
    assert bytes(tail["bytes"]) == data[-50:]
    beyond = fetch_in_page(page, served["url"], f"bytes={len(data)}-")
    assert beyond["status"] == 416
    assert beyond["contentRange"] == f"bytes */{len(data)}"


def test_the_offline_page_shows_when_nothing_is_saved(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    page.goto(live_server.url + "/")
    wait_for_control(page)
    live_server.kill()

    # The guide pages are part of the shell; their PDFs were never opened.
    page.goto(live_server.url + "/guides/pembuatan-paspor")
    expect(page.locator("#offline-status")).not_to_have_class(SAVED)
    page.click("a[data-guide-file]")
    expect(page.locator("h1")).to_have_text("Anda sedang offline")
    page.goto(live_server.url + "/en/guides/izin-tinggal")
    page.click("a[data-guide-file]")
    expect(page.locator("h1")).to_have_text("You are offline")
    page.goto(live_server.url + "/guides/no-such-guide")
    expect(page.locator("h1")).to_have_text("Anda sedang offline")
    assert not any(name.endswith("guides") and urls for name, urls in cached_urls(page).items())


def test_the_whatsapp_button_opens_the_gateway_chat_online_and_offline(
    browser: Browser, live_server: LiveServer
) -> None:
    expected = "https://wa.me/628112578223?text=MENU"
    page = browser.launch()
    opened = answer_whatsapp_here(browser)
    page.goto(live_server.url + "/")
    wait_for_control(page)
    button = page.locator("a.btn-wa")
    expect(button).to_have_attribute("href", expected)
    button.click()
    page.wait_for_url(expected)

    live_server.kill()
    page.goto(live_server.url + "/")
    expect(page.locator("a.btn-wa")).to_have_attribute("href", expected)
    page.locator("a.btn-wa").click()
    page.wait_for_url(expected)
    assert opened == [expected, expected]


def test_a_stalled_network_falls_back_to_the_saved_page_after_the_timeout(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    page.goto(live_server.url + "/")
    wait_for_control(page)
    # The office Wi-Fi drops packets rather than refusing: the server takes the connection
    # and never answers.
    os.kill(live_server.process.pid, signal.SIGSTOP)
    try:
        response = page.goto(live_server.url + "/en/")
        assert response is not None and response.from_service_worker
        expect(page.locator("h1")).to_have_text("Immigration service information")
    finally:
        os.kill(live_server.process.pid, signal.SIGCONT)


def test_a_large_guide_is_saved_too_with_visible_progress(
    browser: Browser, live_server: LiveServer
) -> None:
    big = live_server.guides_dir / "panduan-besar.id.pdf"
    big.write_bytes(noise_pdf(side=1600))
    files = wait_for_guide(live_server.url, "panduan-besar.id")
    total = sum(saved_size(file) for file in files.values())
    page = browser.launch()
    page.goto(live_server.url + "/")
    wait_for_control(page)
    button = page.locator("#save-all button")
    expect(button).to_contain_text(f"{len(files)} file PDF dan ")
    expect(button).to_contain_text(f" halaman, total {format_size(total)}")
    status = page.locator("#save-all .save-status")
    status.evaluate(
        """(element) => {
          window.statusTexts = [];
          new MutationObserver(() => window.statusTexts.push(element.textContent))
            .observe(element, { childList: true, characterData: true, subtree: true });
        }"""
    )
    button.click()
    expect(status).to_have_text("Semua panduan tersimpan dan bisa dibaca tanpa internet.")
    texts: list[str] = page.evaluate("() => window.statusTexts")
    partway = [text for text in texts if text.startswith("Menyimpan… ") and "MB dari" in text]
    assert partway and partway[0] != f"Menyimpan… {format_size(total)} dari {format_size(total)}"
    live_server.kill()
    fetched = fetch_in_page(page, files["panduan-besar.id"]["url"])
    assert fetched["sha256"] == sha256_of(big)
    assert fetched["size"] == big.stat().st_size > 5 * 1024 * 1024
