"""The guide search in a real chromium: offline from the saved index, as the server finds."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from testkit.browser import Browser, wait_for_control
from testkit.server import LiveServer

pytestmark = pytest.mark.browser

# The results on screen: each link's address and text, and its snippet.
_RESULTS = """() => [...document.querySelectorAll('#search-results .hits li')].map((item) => [
  item.querySelector('a').getAttribute('href'),
  item.querySelector('a').textContent,
  item.querySelector('p').innerHTML,
])"""


def results(page: Page) -> list[list[str]]:
    found: list[list[str]] = page.evaluate(_RESULTS)
    return found


def test_a_search_finds_a_word_from_a_guide_while_offline(
    browser: Browser, live_server: LiveServer
) -> None:
    base = live_server.url
    page = browser.launch()
    page.goto(base + "/guides/antrian-paspor")
    wait_for_control(page)  # the shell, search indexes included, is on the phone
    browser.close()
    live_server.kill()

    page = browser.launch()
    page.goto(base + "/guides/antrian-paspor")
    page.locator("a.back").first.click()
    expect(page.locator("h1")).to_have_text("Informasi Layanan Keimigrasian")
    # "Lansia" appears only in the antrian-paspor guide's section on the priority quota.
    page.fill("#search-q", "lansia")
    page.locator("form.search button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/search\?q=lansia$"))
    expect(page.locator("#search-count")).to_have_text("1 hasil untuk “lansia”")
    found = results(page)
    assert [href for href, _, _ in found] == ["/guides/antrian-paspor#kuota-prioritas"]
    assert found[0][1] == "Antrian Paspor (M-Paspor) · Kuota prioritas"
    assert "<mark>Lansia</mark> (60 tahun ke atas)" in found[0][2]

    # Searching again on the same page works without the network too.
    page.fill("#search-q", "zzzqqq")
    page.keyboard.press("Enter")
    expect(page.locator("#search-count")).to_have_text(
        "Tidak ada hasil untuk “zzzqqq”. Coba kata lain, atau tanyakan petugas."
    )
    assert results(page) == []


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        (
            "/search",
            [
                *("paspor", "izin tinggal", "ITAS", "akta kelahiran", "biaya", "M-PASPOR"),
                *("paspor hilang", "biaya paspor", "perpanjangan online", "anak"),
            ],
        ),
        (
            "/en/search",
            [
                *("passport", "stay permit", "marriage", "fee", "ITAP online"),
                *("lost passport", "passport fee", "child", "extension"),
            ],
        ),
    ],
)
def test_the_browser_finds_what_the_server_finds(
    browser: Browser, live_server: LiveServer, path: str, queries: list[str]
) -> None:
    page = browser.launch()
    for query in queries:
        # Without JavaScript's help: the server's own answer.
        page.goto(f"{live_server.url}{path}?q={query}")
        expect(page.locator("#search-count")).not_to_be_empty()
        from_server = results(page)
        assert from_server, query
        # The same query in the page: search.js answers from the index.
        page.evaluate("() => document.querySelector('#search-results .hits').replaceChildren()")
        page.fill("#search-q", query)
        page.keyboard.press("Enter")
        expect(page.locator("#search-results .hits li")).to_have_count(len(from_server))
        assert results(page) == from_server, query
    browser.problems.check()
