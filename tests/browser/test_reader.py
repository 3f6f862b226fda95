"""The in-app reader in a real chromium: pages on screen, their text, and reading them offline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Response, expect

from server.i18n import format_size
from testkit.browser import (
    SAVED,
    WAIT_MS,
    Browser,
    cached_urls,
    guide_files,
    parts_of,
    saved_size,
    wait_for_control,
)
from testkit.server import LiveServer

pytestmark = pytest.mark.browser

# Resolves once the image has loaded, with its natural and on-screen widths.
_LOADED = """(image) => new Promise((resolve, reject) => {
  const report = () => resolve({
    natural: image.naturalWidth,
    shown: image.getBoundingClientRect().width,
    screen: document.documentElement.clientWidth,
  });
  if (image.complete && image.naturalWidth) return report();
  image.addEventListener('load', report, { once: true });
  image.addEventListener('error', () => reject(new Error(`${image.src} did not load`)));
})"""

# Selects the text of an element as a finger or mouse would, and returns what was selected.
_SELECT = """(element) => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return selection.toString();
}"""


def read_every_page(page: Page, count: int) -> None:
    """Scrolls through the reader: each page image loads and fits the screen."""
    images = page.locator(".reader .page img")
    expect(images).to_have_count(count)
    for number in range(count):
        image = images.nth(number)
        expect(image).to_have_attribute("alt", f"Halaman {number + 1} dari {count}")
        image.scroll_into_view_if_needed()
        size = image.evaluate(_LOADED)
        assert size["natural"] == 1080, size
        assert size["shown"] <= size["screen"], "a page is never wider than the screen"


def test_a_guide_read_in_the_app_reopens_offline_after_a_browser_relaunch(
    browser: Browser, live_server: LiveServer
) -> None:
    base = live_server.url
    izin = guide_files(base)["izin-tinggal.id"]
    page = browser.launch()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(base + "/guides/izin-tinggal")
    wait_for_control(page)
    # Before anything is saved, the page says what saving this guide costs.
    expect(page.locator("details.reader summary small")).to_have_text(
        f"2 halaman dan PDF, total {format_size(saved_size(izin))}"
    )
    # The browser's own zoom is left alone: no maximum-scale, no user-scalable=no.
    viewport = page.locator('meta[name="viewport"]').get_attribute("content") or ""
    assert "user-scalable" not in viewport and "maximum-scale" not in viewport
    # Opening the page, once the app is in control, saves the guide: pages and PDF.
    page.reload()
    expect(page.locator("#offline-status")).to_have_class(SAVED)
    assert sorted(cached_urls(page)["bilang-karyo-guides"]) == sorted(parts_of(izin))
    page.locator("details.reader summary").click()
    read_every_page(page, 2)
    browser.problems.check()
    browser.close()
    live_server.kill()

    page = browser.launch()
    page.set_viewport_size({"width": 360, "height": 740})
    images: list[Response] = []
    page.on("response", lambda r: images.append(r) if "/reader/" in r.url else None)
    page.goto(base + "/guides/izin-tinggal")
    expect(page.locator("h1")).to_have_text("Izin Tinggal / Stay Permit")
    expect(page.locator("#offline-status")).to_have_class(SAVED)
    page.locator("details.reader summary").click()
    read_every_page(page, 2)
    assert sorted(r.url.removeprefix(base) for r in images) == sorted(parts_of(izin)[:2])
    assert all(r.status == 200 and r.from_service_worker for r in images)

    # The text version, offline too: read by screen readers, selectable, in its language.
    text = page.locator(".guide-text")
    expect(text).to_have_attribute("lang", "id")
    fine = page.locator("#denda-overstay")
    expect(fine.locator("h2")).to_have_text("Denda overstay")
    selected = fine.evaluate(_SELECT)
    assert "Denda overstay" in selected and "Rp 1.000.000" in selected, selected
    assert text.evaluate("(element) => getComputedStyle(element).userSelect") != "none"
    # The original pages fold away again with the keyboard.
    summary = page.locator("details.reader summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("details.reader img").first).to_be_hidden()

    # The clear ways on: back home, and the PDF to download.
    expect(page.locator("a.back").first).to_have_attribute("href", "/")
    download = page.locator("a[data-guide-file]").first
    expect(download).to_contain_text("Unduh PDF")
    with page.expect_navigation() as opened:
        download.click()
    response = opened.value
    assert response is not None and response.status == 200 and response.from_service_worker
    assert response.headers["content-type"] == "application/pdf"
    # Offline, chromium itself still asks the network for the manifest and the favicon (no
    # service worker sees those); nothing of the reader failed.
    unexpected = [
        item
        for item in browser.problems.items
        if not re.search(r"ERR_CONNECTION_REFUSED .*/(manifest\.webmanifest|favicon\.ico)'", item)
    ]
    assert unexpected == []


def test_a_search_result_opens_the_guide_at_its_section(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    page.goto(live_server.url + "/en/search?q=marriage")
    link = page.locator('.hits a[href="/en/guides/pelaporan-status-sipil#events-to-report"]')
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/en/guides/pelaporan-status-sipil#events-to-report$"))
    target = page.locator("#events-to-report")
    expect(target).to_be_in_viewport()
    expect(target.locator("h2")).to_have_text("Events to report")
    page.wait_for_timeout(200)  # let late layout settle: width and height keep it in place
    expect(target).to_be_in_viewport(timeout=WAIT_MS)
