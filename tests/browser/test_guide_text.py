"""The text version of a guide in a real chromium: the first screen, the original pages, offline."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from testkit.browser import SAVED, Browser, cached_urls, wait_for_control
from testkit.server import LiveServer

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 640}

# Each visible element's box, to tell what is on the first screen.
_BOX = """(element) => {
  const r = element.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom};
}"""


def box(page: Page, selector: str) -> dict[str, Any]:
    result: dict[str, Any] = page.locator(selector).first.evaluate(_BOX)
    return result


def test_a_guide_opens_on_its_text_at_360_by_640(browser: Browser, live_server: LiveServer) -> None:
    page = browser.launch()
    page.set_viewport_size(PHONE)
    images: list[str] = []
    page.on("request", lambda r: images.append(r.url) if "/reader/" in r.url else None)
    page.goto(live_server.url + "/guides/pembuatan-paspor")
    expect(page.locator("h1")).to_have_text("Pembuatan Paspor")
    # The title and the first lines of the first section fit on the first screen.
    first = page.locator(".guide-text section h2").first
    expect(first).to_have_text("Dokumen yang perlu dibawa")
    first_item = page.locator("#dokumen-yang-perlu-dibawa li").first
    expect(first_item).to_have_text("e-KTP yang masih berlaku.")
    assert box(page, "h1")["top"] >= 0
    assert box(page, "#dokumen-yang-perlu-dibawa li")["bottom"] <= PHONE["height"]
    # The facts about the file are one line; the page is never wider than the screen.
    meta = page.locator(".meta")
    assert meta.evaluate("(e) => e.getClientRects().length") == 1
    assert meta.evaluate("(e) => e.getBoundingClientRect().height") <= 48
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The original pages wait behind "Lihat halaman asli": none loads on the way in.
    original = page.locator("details.reader")
    expect(original.locator("summary")).to_contain_text("Lihat halaman asli")
    expect(original).not_to_have_attribute("open", "")
    assert images == []
    original.locator("summary").click()
    expect(original.locator("img").first).to_be_visible()
    # The PDF download stays.
    expect(page.locator("a[data-guide-file]").first).to_contain_text("Unduh PDF")
    browser.problems.check()


def test_the_fee_table_stays_inside_a_320_px_screen(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(
        live_server.url + "/guides/pembuatan-paspor#biaya-pp-45-2024-berlaku-sejak-17-desember-2024"
    )
    cell = page.get_by_role("cell", name="Rp 950.000")
    expect(cell).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    # Each cell says which column it is in, as the table's head is out of sight.
    label = cell.evaluate("(e) => getComputedStyle(e, '::before').content")
    assert "Biaya" in label
    browser.problems.check()


def test_a_search_hit_opens_its_section(browser: Browser, live_server: LiveServer) -> None:
    page = browser.launch()
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/en/search?q=lost+passport")
    hit = page.locator(".hits a").first
    expect(hit).to_have_attribute("href", "/en/guides/pembuatan-paspor#paspor-hilang-atau-rusak")
    expect(page.locator(".hits mark").first).to_have_text("Paspor")
    expect(page.locator(".hits .hit-lang").first).to_have_text("Bahasa Indonesia")
    hit.click()
    heading = page.locator("#h-paspor-hilang-atau-rusak")
    expect(heading).to_be_in_viewport()
    browser.problems.check()


def test_offline_a_guide_never_opened_shows_its_text_and_one_line_about_the_rest(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    wait_for_control(page)
    # Opened once: this guide is saved whole, and the home page marks it.
    page.goto(live_server.url + "/guides/antrian-paspor")
    expect(page.locator("#offline-status")).to_have_class(SAVED)
    page.goto(live_server.url + "/")
    saved_mark = page.locator('[data-saved-key="antrian-paspor.id"] .saved-badge')
    expect(saved_mark).to_be_visible()
    expect(page.locator('[data-saved-key="izin-tinggal.id"] .saved-badge')).to_be_hidden()
    shell = next(urls for name, urls in cached_urls(page).items() if "-shell-" in name)
    assert "/guides/izin-tinggal" in shell

    assert browser.context is not None
    browser.context.set_offline(True)
    page.goto(live_server.url + "/guides/izin-tinggal")
    expect(page.locator("h1")).to_have_text("Izin Tinggal / Stay Permit")
    expect(page.locator(".guide-text h2").first).to_be_visible()
    line = page.locator("#needs-connection")
    expect(line).to_be_visible()
    expect(line).to_have_text(
        "Halaman asli dan PDF panduan ini perlu koneksi internet; teksnya bisa dibaca di atas."
    )
    # No frame waits for an image that cannot come, and no advice to go back online first.
    expect(page.locator("details.reader")).to_be_hidden()
    expect(page.locator("#offline-status")).to_be_hidden()
    broken = page.evaluate(
        "[...document.images].filter((i) => i.checkVisibility() && !i.naturalWidth).length"
    )
    assert broken == 0
