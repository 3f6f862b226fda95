"""Storage in a real chromium: evicted guides come back, and a full phone is reported plainly."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from testkit.browser import (
    SAVED,
    Browser,
    cached_urls,
    catalog,
    fetch_in_page,
    guide_files,
    open_guide,
    wait_for_control,
)
from testkit.server import LiveServer

pytestmark = pytest.mark.browser

GUIDES_CACHE = "bilang-karyo-guides"


def test_a_saved_guide_the_browser_evicted_is_fetched_again_on_the_next_start(
    browser: Browser, live_server: LiveServer
) -> None:
    served = guide_files(live_server.url)["pembuatan-paspor.id"]
    page = browser.launch()
    page.goto(live_server.url + "/")
    wait_for_control(page)
    open_guide(page, live_server.url, "/guides/pembuatan-paspor")
    assert browser.context is not None
    cdp = browser.context.new_cdp_session(page)
    # What the browser does under storage pressure: the origin's caches are emptied.
    cdp.send(
        "Storage.clearDataForOrigin",
        {"origin": live_server.url, "storageTypes": "cache_storage"},
    )
    assert all(not urls for urls in cached_urls(page).values())

    page.goto(live_server.url + "/guides/pembuatan-paspor")
    expect(page.locator("#offline-status")).to_have_class(SAVED)
    live_server.kill()
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("Informasi Layanan Keimigrasian")
    fetched = fetch_in_page(page, served["url"])
    assert (fetched["status"], fetched["sha256"]) == (200, served["sha256"])


def test_when_storage_runs_out_the_applicant_is_told_which_guides_were_not_saved(
    browser: Browser, live_server: LiveServer
) -> None:
    files = guide_files(live_server.url)
    page = browser.launch()
    page.goto(live_server.url + "/en/")
    wait_for_control(page)
    assert browser.context is not None
    cdp = browser.context.new_cdp_session(page)
    usage = page.evaluate("async () => (await navigator.storage.estimate()).usage")
    # Room for about one more guide: the phone is nearly full.
    cdp.send(
        "Storage.overrideQuotaForOrigin",
        {"origin": live_server.url, "quotaSize": usage + 6 * 1024},
    )
    page.locator("#save-all button").click()
    alert = page.locator("#save-errors")
    expect(alert).to_be_visible()
    message = alert.inner_text()
    match = re.fullmatch(
        r"Your phone's storage is full\. These guides could not be saved: (.+)\. "
        r"Free some space, then try again\.",
        message,
    )
    assert match, message
    expect(page.locator("#save-all .save-status")).to_have_text("")

    # The message names exactly the guides that are missing from the phone.
    titles = {
        f"{guide['slug']}.{lang}": guide["title"]["en"]
        for guide in catalog(live_server.url)["guides"]
        for lang in guide["files"]
    }
    saved = set(cached_urls(page)[GUIDES_CACHE])
    missing = {key for key, file in files.items() if file["url"] not in saved}
    assert missing, "the quota left room for every guide; the test proves nothing"
    named = match[1].split(", ")
    assert len(named) == len(set(named)), "each guide is named once"
    assert set(named) == {titles[key] for key in missing}
