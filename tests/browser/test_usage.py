"""Usage the server cannot see, counted from a real chromium: WhatsApp taps and offline opens."""

from __future__ import annotations

import contextlib
import csv
import io
import sqlite3
import time
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Playwright, expect

from server.clock import office_today
from server.db import DB_NAME
from testkit.admin_client import add_account, log_in
from testkit.browser import (
    SAVED,
    WAIT_MS,
    Browser,
    answer_whatsapp_here,
    browser_on,
    cached_urls,
    wait_for_control,
)
from testkit.server import LiveServer, start_again

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


def exported_totals(server: LiveServer) -> tuple[dict[tuple[str, str, str], int], set[str]]:
    """The usage CSV as Tikkim downloads it from the admin: totals by (metric, guide, lang),
    and the days its rows are on."""
    with httpx2.Client(base_url=server.url) as client:
        assert log_in(client).status_code in (200, 303)
        response = client.get("/admin/usage.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    totals: dict[tuple[str, str, str], int] = {}
    for row in rows:
        key = (row["metric"], row["guide"], row["lang"])
        totals[key] = totals.get(key, 0) + int(row["count"])
    return totals, {row["day"] for row in rows}


def test_each_view_is_counted_once_whoever_shows_it(
    playwright: Playwright, live_server: LiveServer, office_file: Path, tmp_path: Path
) -> None:
    base = live_server.url
    # The phone keeps the office's time (WIB), as phones in Yogyakarta do.
    with browser_on(playwright, tmp_path / "phone", timezone_id="Asia/Jakarta") as browser:
        page = browser.launch()
        # 1. The first visit, from the QR code in the service room: the server shows the page.
        page.goto(base + "/?src=qr")
        wait_for_control(page)
        # 2. Three guides, shown by the service worker from the network.
        for path in ("/guides/izin-tinggal", "/guides/antrian-paspor"):
            page.goto(base + path)
        page.goto(base + "/en/guides/pelaporan-status-sipil")
        # 3. Home.
        page.goto(base + "/")
        expect(page.locator("a.btn-wa")).to_be_visible()
        live_server.stop()  # the Wi-Fi drops (what the server counted is written out)

        # 4. The same guide twice, offline: shown from the phone, the views kept.
        for _ in range(2):
            page.goto(base + "/guides/izin-tinggal")
            page.locator(".guide-text h2").first.wait_for()
        assert len(cached_urls(page)["bilang-karyo-usage"]) == 2
        server = start_again(live_server, office_file)
        try:
            # 5. Back online: home, from the installed app's icon; a tap on WhatsApp there.
            answer_whatsapp_here(browser)
            page.goto(base + "/?src=pwa")
            page.locator("a.btn-wa").click()
            page.wait_for_url(WHATSAPP)
            deadline = time.monotonic() + WAIT_MS / 1000
            while cached_urls(page).get("bilang-karyo-usage"):
                assert time.monotonic() < deadline, "the kept views were never sent"
                time.sleep(0.1)
        finally:
            server.stop()  # writes out what it counted in memory
    server = start_again(live_server, office_file)
    try:
        add_account(live_server.data_dir)
        counted, days = exported_totals(server)
    finally:
        server.stop()
    expected = {
        # first visit + 2 guides + home + 2 offline + home again; 1 English guide
        ("page_view", "", "id"): 7,
        ("page_view", "", "en"): 1,
        ("guide_open", "izin-tinggal", "id"): 3,  # once online, twice offline
        ("guide_open", "antrian-paspor", "id"): 1,
        ("guide_open", "pelaporan-status-sipil", "en"): 1,
        ("qr_scan", "", "id"): 1,
        ("pwa_start", "", "id"): 1,
        ("whatsapp", "", "id"): 1,
    }
    print("\nexpected vs counted:")  # the closing note quotes these
    for key in sorted(set(expected) | set(counted)):
        print(
            f"  {'/'.join(k for k in key if k):40} {expected.get(key, 0):3} {counted.get(key, 0):3}"
        )
    assert counted == expected
    assert days == {office_today().isoformat()}


def test_pages_shown_without_javascript_are_counted_by_the_server(
    playwright: Playwright, live_server: LiveServer, office_file: Path, tmp_path: Path
) -> None:
    with browser_on(playwright, tmp_path / "no-js", java_script_enabled=False) as browser:
        page = browser.launch()
        for path in ("/?src=qr", "/guides/izin-tinggal", "/en/"):
            page.goto(live_server.url + path)
    live_server.stop()
    server = start_again(live_server, office_file)
    try:
        add_account(live_server.data_dir)
        counted, _ = exported_totals(server)
    finally:
        server.stop()
    assert counted == {
        ("page_view", "", "id"): 2,
        ("page_view", "", "en"): 1,
        ("qr_scan", "", "id"): 1,
        ("guide_open", "izin-tinggal", "id"): 1,
    }


def test_a_pdf_opened_under_the_worker_counts_once_online_and_offline(
    browser: Browser, live_server: LiveServer, office_file: Path
) -> None:
    base = live_server.url
    key = ("guide_open", "antrian-paspor", "id")
    page = browser.launch()
    page.goto(base + "/guides/antrian-paspor")  # its page: an open
    wait_for_control(page)
    expect(page.locator("#offline-status")).to_have_class(SAVED)  # saved on the phone
    pdf = page.locator("a[data-guide-file]").get_attribute("href")
    assert pdf is not None
    page.click("a[data-guide-file]")  # from its own page: the same open
    page.wait_for_url(base + pdf)
    page.goto(base + "/")
    with contextlib.suppress(PlaywrightError):  # from a link elsewhere: a new open
        page.goto(base + pdf)
    live_server.stop()  # the Wi-Fi drops; what the server counted is written out
    assert reported(live_server.data_dir)[key] == 2

    # Offline, the PDF from a link (a chat, a bookmark): a new open, kept on the phone.
    with contextlib.suppress(PlaywrightError):  # a PDF may open as a download
        page.goto(base + pdf)
    time.sleep(1)
    server = start_again(live_server, office_file)
    try:
        page.goto(base + "/")  # back online: what was kept is sent
        wait_for_report(live_server.data_dir, key, 3)
        browser.close()
    finally:
        server.stop()
    counted = reported(live_server.data_dir)
    assert (counted[key], counted[("page_view", "", "id")]) == (3, 3)
