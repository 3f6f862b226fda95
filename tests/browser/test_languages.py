"""A third, right-to-left language in a real chromium: Arabic, added by the office's own files
(tests/arabic_site.py), with the site it builds served, searched and read offline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser as Chromium
from playwright.sync_api import Page, expect

from server.office import load_office
from testkit.browser import Browser, catalog, wait_for_control
from testkit.server import LiveServer, start_server, with_sample_reader
from tests.arabic_site import NOT_TRANSLATED, OFFLINE_TITLE, TAGLINE, write_arabic_office
from tests.browser import a11y
from tests.browser.site_pages import known_pages
from tests.browser.visitor import Visitors

pytestmark = pytest.mark.browser

# Where a box's accent border is drawn: `border-inline-start` puts it where lines start.
_ACCENT_SIDES = """(selector) => {
  const style = getComputedStyle(document.querySelector(selector));
  return [style.borderLeftWidth, style.borderRightWidth];
}"""
_RESULT_LINKS = """() => [...document.querySelectorAll('#search-results .hits li a')]
  .map((link) => link.getAttribute('href'))"""


@pytest.fixture
def arabic_server(
    tmp_path: Path, guides_dir: Path, sample_reader: Path
) -> Iterator[tuple[LiveServer, Path]]:
    office = write_arabic_office(tmp_path / "config")
    with_sample_reader(tmp_path / "data", sample_reader)
    server = start_server(guides_dir, office, tmp_path / "data", tmp_path / "server.log")
    yield server, office
    server.stop()


def search(page: Page, words: str) -> list[str]:
    page.fill("#search-q", words)
    page.locator("form.search button[type=submit]").click()
    expect(page.locator("#search-count")).not_to_be_empty()
    found: list[str] = page.evaluate(_RESULT_LINKS)
    return found


def test_the_arabic_site_reads_right_to_left_searches_and_works_offline(
    browser: Browser, arabic_server: tuple[LiveServer, Path]
) -> None:
    server, _ = arabic_server
    base = server.url
    slugs = [guide["slug"] for guide in catalog(base)["guides"]]
    page = browser.launch()
    page.goto(base + "/ar/")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(page.locator("h1")).to_have_text(TAGLINE)
    # A message with no Arabic text is shown, in English, where it belongs.
    expect(page.locator("main").get_by_text(NOT_TRANSLATED[1]).first).to_be_visible()
    manifest = page.evaluate(
        "() => fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())"
    )
    assert (manifest["lang"], manifest["dir"]) == ("ar", "rtl")
    wait_for_control(page)  # the shell, Arabic pages and search index included, is saved

    # The layout mirrors: the accent border of a note is on the right of an Arabic page.
    page.goto(base + "/ar/guides/" + slugs[0])
    expect(page.locator("h1")).to_be_visible()
    assert page.evaluate(_ACCENT_SIDES, "#offline-status") == ["0px", "4px"]
    page.goto(base + "/guides/" + slugs[0])
    assert page.evaluate(_ACCENT_SIDES, "#offline-status") == ["4px", "0px"]

    page.goto(base + "/ar/search")
    online = search(page, "passport")
    assert online and all(href.startswith("/ar/guides/") for href in online), online
    browser.problems.check()
    browser.close()
    server.kill()

    # Offline: the Arabic pages, their search and the offline page come from the phone.
    page = browser.launch()
    page.goto(base + "/ar/")
    expect(page.locator("h1")).to_have_text(TAGLINE)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.goto(base + "/ar/search")
    assert search(page, "passport") == online
    expect(page).to_have_url(re.compile(r"/ar/search\?q=passport$"))
    page.goto(base + "/ar/guides/" + slugs[-1])
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    page.click("a[data-guide-file]")  # its PDF was never saved
    expect(page.locator("h1")).to_have_text(OFFLINE_TITLE)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_axe_finds_no_violation_on_the_arabic_pages(
    chromium: Chromium, arabic_server: tuple[LiveServer, Path]
) -> None:
    server, office = arabic_server
    languages = load_office(office).languages
    pages = [path for path in known_pages(server.url, languages) if path.startswith("/ar")]
    assert "/ar/" in pages and "/ar/search" in pages
    visitors = Visitors(chromium, server.url)
    try:
        visitor = visitors.open()
        reports = []
        for path in pages:
            for scheme in ("light", "dark"):
                visitor.page.emulate_media(color_scheme=scheme)
                visitor.visit(path)
                if report := a11y.axe_violations(visitor.page):
                    reports.append(f"{path} in {scheme} mode:\n{report}")
        assert not reports, "\n".join(reports)
    finally:
        visitors.close_all()
