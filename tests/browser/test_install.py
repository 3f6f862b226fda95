"""Installing the app in a real chromium: both languages, the Install button, the iOS hint."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from testkit.browser import Browser, wait_for_control
from testkit.server import LiveServer

pytestmark = pytest.mark.browser

IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
IPHONE_CHROME = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("path", "manifest"), [("/", "/manifest.webmanifest"), ("/en/", "/en/manifest.webmanifest")]
)
def test_both_languages_are_installable(
    browser: Browser, live_server: LiveServer, path: str, manifest: str
) -> None:
    page = browser.launch()
    page.goto(live_server.url + path)
    wait_for_control(page)
    assert browser.context is not None
    cdp = browser.context.new_cdp_session(page)
    app_manifest = cdp.send("Page.getAppManifest")
    assert app_manifest["url"] == live_server.url + manifest
    assert app_manifest["errors"] == []
    assert cdp.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
    browser.problems.check()


def test_the_install_button_appears_where_the_browser_offers_to_install(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    page.goto(live_server.url + "/en/")
    install = page.locator("#install")
    expect(install).to_be_visible()
    expect(install).to_have_text("Install the app on your phone")
    # Not on iOS: Safari there has no install prompt of its own, only the hint.
    expect(page.locator("#ios-hint")).to_be_hidden()


def test_ios_safari_gets_the_add_to_home_screen_hint(
    browser: Browser, live_server: LiveServer
) -> None:
    browser.extra["user_agent"] = IPHONE_SAFARI
    page = browser.launch()
    page.goto(live_server.url + "/")
    hint = page.locator("#ios-hint")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("Bagikan")
    expect(hint).to_contain_text("Tambahkan ke Layar Utama")
    page.goto(live_server.url + "/en/")
    expect(hint).to_contain_text('tap Share → "Add to Home Screen"')
    # Closed once, it stays closed.
    hint.locator("button").click()
    expect(hint).to_be_hidden()
    page.reload()
    expect(page.locator("h1")).to_be_visible()
    expect(hint).to_be_hidden()


def test_other_ios_browsers_get_no_safari_hint(browser: Browser, live_server: LiveServer) -> None:
    browser.extra["user_agent"] = IPHONE_CHROME
    page = browser.launch()
    page.goto(live_server.url + "/")
    wait_for_control(page)
    expect(page.locator("#ios-hint")).to_be_hidden()
