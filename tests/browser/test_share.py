"""Sharing a guide in chromium: the phone's share sheet, or the link copied with a confirmation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from testkit.browser import Browser
from testkit.server import LiveServer

pytestmark = pytest.mark.browser

SHARED = "https://imigo.dev/infokanimjogja/guides/izin-tinggal?src=share"

# Records what the page hands to the phone's share sheet, as Android's would receive it.
_SHARE_SHEET = """
window.__shared = [];
navigator.share = async (data) => { window.__shared.push(data); };
"""


def test_without_a_share_sheet_the_link_is_copied_and_the_page_says_so(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    assert browser.context is not None
    browser.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(live_server.url + "/guides/izin-tinggal")
    assert page.evaluate("() => 'share' in navigator") is False  # desktop Linux chromium
    button = page.get_by_role("button", name="Bagikan")
    button.click()
    expect(page.locator(".share-status")).to_have_text(
        "Tautan disalin. Tempel di WhatsApp atau pesan lain."
    )
    assert page.evaluate("() => navigator.clipboard.readText()") == SHARED
    browser.problems.check()


def test_the_english_page_shares_the_english_guide(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    assert browser.context is not None
    browser.context.add_init_script(_SHARE_SHEET)
    page.goto(live_server.url + "/en/guides/izin-tinggal")
    page.get_by_role("button", name="Share").click()
    page.wait_for_function("() => window.__shared.length === 1")
    shared = page.evaluate("() => window.__shared[0]")
    assert shared["url"] == SHARED.replace("/guides/", "/en/guides/")
    assert shared["title"] == page.locator("h1").inner_text()
    # The sheet did the telling: no second message on the page.
    expect(page.locator(".share-status")).to_be_empty()


def test_with_no_clipboard_the_link_is_shown_to_copy_by_hand(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    assert browser.context is not None
    # A browser that refuses both ways of copying.
    browser.context.add_init_script(
        "navigator.clipboard.writeText = () => Promise.reject(new Error('denied'));"
        "document.execCommand = () => false;"
    )
    page.goto(live_server.url + "/guides/izin-tinggal")
    page.get_by_role("button", name="Bagikan").click()
    status = page.locator(".share-status")
    expect(status).to_contain_text("Salin tautan ini:")
    expect(status.locator("input")).to_have_value(SHARED)
