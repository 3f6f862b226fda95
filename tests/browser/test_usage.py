"""Usage the server cannot see, counted from a real chromium: WhatsApp taps and offline opens."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from playwright.sync_api import Playwright

from server.db import DB_NAME
from tests.browser.harness import (
    WAIT_MS,
    Browser,
    answer_whatsapp_here,
    browser_on,
    cached_urls,
    wait_for_control,
)
from tests.conftest import LiveServer, start_again

pytestmark = pytest.mark.browser

WHATSAPP = "https://wa.me/628112578223?text=MENU"


def reported(data_dir: Path) -> dict[tuple[str, str, str], int]:
    """What browsers reported and the server recorded: each event id once (usage_seen), and
    the counts they added to (usage_daily), by metric, guide and language."""
    conn = sqlite3.connect(data_dir / DB_NAME)
    try:
        rows = conn.execute("SELECT metric, guide, lang, count FROM usage_daily").fetchall()
        seen = conn.execute("SELECT count(*) FROM usage_seen").fetchone()[0]
    finally:
        conn.close()
    counts = {(metric, guide, lang): count for metric, guide, lang, count in rows}
    counts[("events", "", "")] = seen
    return counts


def wait_for_report(data_dir: Path, key: tuple[str, str, str], count: int) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while reported(data_dir).get(key, 0) < count:
        assert time.monotonic() < deadline, f"{key} not counted: {reported(data_dir)}"
        time.sleep(0.1)


def test_a_tap_on_the_whatsapp_button_is_counted_once(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    opened = answer_whatsapp_here(browser)
    page.goto(live_server.url + "/en/")
    wait_for_control(page)
    page.locator("a.btn-wa").click()
    page.wait_for_url(WHATSAPP)  # WhatsApp opens at once; the count goes on in the background
    assert opened == [WHATSAPP]
    wait_for_report(live_server.data_dir, ("whatsapp", "", "en"), 1)
    time.sleep(0.5)
    counted = reported(live_server.data_dir)
    assert (counted[("whatsapp", "", "en")], counted[("events", "", "")]) == (1, 1)


def test_without_a_service_worker_the_tap_is_sent_as_a_beacon(
    playwright: Playwright, live_server: LiveServer, tmp_path: Path
) -> None:
    with browser_on(playwright, tmp_path / "no-worker", service_workers="block") as browser:
        page = browser.launch()
        answer_whatsapp_here(browser)
        page.goto(live_server.url + "/")
        page.locator("a.btn-wa").click()
        page.wait_for_url(WHATSAPP)
    wait_for_report(live_server.data_dir, ("whatsapp", "", "id"), 1)


def test_a_guide_opened_offline_is_counted_once_the_phone_is_back_online(
    browser: Browser, live_server: LiveServer, office_file: Path
) -> None:
    base = live_server.url
    page = browser.launch()
    page.goto(base + "/en/guides/izin-tinggal")
    wait_for_control(page)
    page.reload()  # saved now (pages and PDF)
    browser.close()
    live_server.kill()  # its own counts, held in memory, die with it
    before = reported(live_server.data_dir)

    # Offline in the service room: the guide opens from the phone, twice, after a relaunch.
    page = browser.launch()
    for _ in range(2):
        page.goto(base + "/en/guides/izin-tinggal")
        page.locator(".guide-text h2").first.wait_for()
    assert len(cached_urls(page)["bilang-karyo-usage"]) == 2, "kept until they can be sent"
    browser.close()
    assert reported(live_server.data_dir) == before

    restarted = start_again(live_server, office_file)
    try:
        page = browser.launch()
        page.goto(base + "/en/")  # the first page from the network sends what was kept
        key = ("guide_open", "izin-tinggal", "en")
        wait_for_report(live_server.data_dir, key, before.get(key, 0) + 2)
        deadline = time.monotonic() + WAIT_MS / 1000
        while cached_urls(page).get("bilang-karyo-usage"):
            assert time.monotonic() < deadline, "sent events stay queued"
            time.sleep(0.1)
        page.reload()  # nothing left to send: nothing counts twice
        time.sleep(0.5)
        after = reported(live_server.data_dir)
        assert after[key] == before.get(key, 0) + 2
        assert after[("events", "", "")] == before[("events", "", "")] + 2
    finally:
        restarted.kill()
