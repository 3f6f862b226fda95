"""The landing page's office facts in real chromium, by the phone's own clock (Playwright's
page.clock): "open now" in the office's time zone, notices that start and end offline, and
"Was this helpful?" kept on the phone until it is back online."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, Playwright, expect

from server.db import DB_NAME
from server.hours import status_line
from server.i18n import load_messages
from server.office import load_office
from server.office_page import place_hours
from server.settings import PROJECT_ROOT, PWA_DIR
from testkit.browser import Browser, browser_on, wait_for_control
from testkit.server import LiveServer, start_server, with_sample_reader
from tests.browser import a11y

pytestmark = pytest.mark.browser

MESSAGES = load_messages(PWA_DIR / "messages.toml")
NOTICE = {"id": "Kuota Desember dibuka 1 Desember", "en": "December quota opens on 1 December"}


def wib(text: str) -> datetime:
    """A wall-clock time in Yogyakarta, as the UTC moment it is."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC) - timedelta(hours=7)


def line_at(page: Page, base_url: str, path: str, moment: datetime, place: str = "office") -> str:
    page.clock.install(time=moment)
    page.goto(base_url + path)
    line = page.locator(f'.hours-now[data-place="{place}"]')
    expect(line).not_to_be_empty()
    return line.inner_text()


# (office time, page, place, what the phone shows)
CASES = [
    ("2026-12-02T10:00", "/", "office", "Buka sekarang, tutup pukul 12.00"),
    ("2026-12-02T12:30", "/", "office", "Tutup, buka pukul 13.00"),
    ("2026-12-02T15:00", "/", "office", "Tutup, buka besok 08.00"),
    ("2026-12-04T16:00", "/", "office", "Tutup, buka Senin 08.00"),
    # Christmas falls on a Friday: Thursday evening the next opening is Monday.
    ("2026-12-24T16:00", "/", "office", "Tutup, buka Senin 08.00"),
    # 00:30 on Christmas Day in Yogyakarta is still 24 December on a phone set to New York.
    ("2026-12-25T00:30", "/", "office", "Tutup, buka Senin 08.00 (Hari Raya Natal)"),
    ("2026-12-02T10:00", "/en/", "office", "Open now, closes at 12:00"),
    ("2026-12-25T09:00", "/en/", "office", "Closed, opens Monday at 08:00 (Christmas Day)"),
    ("2026-12-02T10:00", "/", "unit-1", "Buka sekarang, tutup pukul 15.00"),
    ("2026-12-02T09:00", "/", "unit-1", "Tutup, buka pukul 10.00"),
    ("2026-12-31T16:00", "/", "unit-2", "Tutup, buka Senin 08.00"),
]


def test_open_or_closed_is_computed_on_the_phone_in_the_office_time_zone(
    playwright: Playwright, live_server: LiveServer, tmp_path: Path
) -> None:
    office = load_office(PROJECT_ROOT / "office.toml")
    places = {place.key: place_hours(office, place.hours) for place in office.places}
    # A phone whose own zone is far from Yogyakarta: the office's clock must still decide.
    with browser_on(playwright, tmp_path / "phone", timezone_id="America/New_York") as phone:
        context = phone.launch().context
        for when, path, place, expected in CASES:
            page = context.new_page()
            moment = wib(when)
            shown = line_at(page, live_server.url, path, moment, place)
            lang = "en" if path.startswith("/en") else "id"
            local = datetime.fromisoformat(when)
            python = status_line(
                places[place].status(local), local, lang, lambda k, lang=lang: MESSAGES.get(lang, k)
            )
            assert (shown, python) == (expected, expected), when
            page.close()
        # While the page stays open, the line follows the clock.
        page = context.new_page()
        assert line_at(page, live_server.url, "/", wib("2026-12-02T11:58")).startswith("Buka")
        page.clock.fast_forward("00:03:00")
        expect(page.locator('.hours-now[data-place="office"]')).to_have_text(
            "Tutup, buka pukul 13.00"
        )
        # Christmas is listed under "special dates" until it is over.
        christmas = page.locator("li[data-until]", has_text="Hari Raya Natal")
        expect(christmas).to_have_count(1)  # listed once, for the office and its units
        expect(christmas).to_be_visible()
        later = context.new_page()
        later.clock.install(time=wib("2026-12-26T09:00"))
        later.goto(live_server.url + "/")
        expect(later.locator("li[data-until]", has_text="Hari Raya Natal")).to_be_hidden()
        expect(later.locator("li[data-until]", has_text="Tahun Baru")).to_be_visible()
    phone.problems.check()


def cli_notice(data_dir: Path, office_file: Path, text: dict[str, str], start: datetime,
               end: datetime) -> None:  # fmt: skip
    def local(moment: datetime) -> str:
        return (moment + timedelta(hours=7)).strftime("%Y-%m-%d %H:%M")

    subprocess.run(
        [sys.executable, "-m", "server.cli", "notice", "add", "--id", text["id"], "--en",
         text["en"], "--start", local(start), "--end", local(end), "--data", str(data_dir),
         "--office", str(office_file)],
        check=True, capture_output=True, cwd=PROJECT_ROOT,
    )  # fmt: skip


@pytest.fixture
def notice_server(
    tmp_path: Path, guides_dir: Path, office_file: Path, sample_reader: Path
) -> Iterator[LiveServer]:
    """A live server that looks for notices posted by the CLI every second."""
    with_sample_reader(tmp_path / "data", sample_reader)
    server = start_server(
        guides_dir, office_file, tmp_path / "data", tmp_path / "server.log",
        extra_env={"BILANG_KARYO_NOTICE_CHECK_SECONDS": "1"},
    )  # fmt: skip
    yield server
    server.stop()


def notices_on(page: Page) -> list[str]:
    return page.locator("#notices .notice:visible").all_inner_texts()


def test_a_notice_that_ends_while_the_phone_is_offline_disappears(
    browser: Browser, notice_server: LiveServer, office_file: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    ends = now + timedelta(hours=2)
    cli_notice(notice_server.data_dir, office_file, NOTICE, now - timedelta(hours=1), ends)
    deadline = time.monotonic() + 10
    while NOTICE["id"] not in _get(notice_server.url + "/api/notices"):
        assert time.monotonic() < deadline, "the server did not pick up the notice"
        time.sleep(0.2)
    page = browser.launch()
    page.clock.install(time=now)
    page.goto(notice_server.url + "/")
    wait_for_control(page)
    assert notices_on(page) == [NOTICE["id"]]
    if report := a11y.axe_violations(page):
        pytest.fail(f"axe on the landing page with a notice:\n{report}")

    assert browser.context is not None
    browser.context.set_offline(True)
    page.reload()
    assert notices_on(page) == [NOTICE["id"]]
    # Three hours pass with the page open, offline: the notice goes at its end.
    page.clock.fast_forward("03:00:00")
    expect(page.locator("#notices")).to_be_hidden()
    # Opened again later, still offline, from the saved page: it stays gone.
    later = browser.context.new_page()
    later.clock.install(time=ends + timedelta(minutes=1))
    later.goto(notice_server.url + "/")
    expect(later.locator("h1")).to_be_visible()
    assert notices_on(later) == []
    expect(later.locator("#notices")).to_be_hidden()
    # Just before its end, on the same saved page, it was there.
    earlier = browser.context.new_page()
    earlier.clock.install(time=ends - timedelta(minutes=1))
    earlier.goto(notice_server.url + "/")
    expect(earlier.locator("#notices .notice")).to_have_text([NOTICE["id"]])
    _forgive_offline(browser)


def test_a_notice_posted_later_reaches_an_installed_phone_and_stays_offline(
    browser: Browser, notice_server: LiveServer, office_file: Path
) -> None:
    page = browser.launch()
    page.goto(notice_server.url + "/en/")
    wait_for_control(page)
    assert notices_on(page) == []
    now = datetime.now(UTC)
    cli_notice(notice_server.data_dir, office_file, NOTICE, now - timedelta(minutes=1),
               now + timedelta(hours=1))  # fmt: skip
    # The server rebuilds its pages within a second or two; the phone, online, sees it.
    expect(page.locator("#notices .notice")).to_have_count(0)
    deadline = time.monotonic() + 10
    while NOTICE["en"] not in _get(notice_server.url + "/api/notices"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    page.goto(notice_server.url + "/en/")
    expect(page.locator("#notices .notice")).to_have_text([NOTICE["en"]])
    # Offline, the worker answers with the page it saved before the notice; the phone
    # still shows it, from the list office.js fetched.
    assert browser.context is not None
    browser.context.set_offline(True)
    page.reload()
    expect(page.locator("#notices .notice")).to_have_text([NOTICE["en"]])
    _forgive_offline(browser)


def feedback_rows(data_dir: Path) -> list[tuple[str, int, str]]:
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        return conn.execute("SELECT guide, helpful, comment FROM feedback").fetchall()


def test_feedback_given_offline_is_sent_once_back_online(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    page.goto(live_server.url + "/guides/izin-tinggal")
    wait_for_control(page)
    assert browser.context is not None
    browser.context.set_offline(True)
    page.reload()
    page.fill("#feedback-comment", "Biaya perpanjangan kurang jelas.")
    page.click("form.feedback-form button[value=no]")
    expect(page.locator(".feedback-status")).to_have_text(
        "Terima kasih. Anda sedang offline; masukan disimpan dan dikirim saat online."
    )
    expect(page.locator("form.feedback-form")).to_be_hidden()
    assert feedback_rows(live_server.data_dir) == []
    browser.context.set_offline(False)  # the browser fires `online`
    deadline = time.monotonic() + 10
    while not feedback_rows(live_server.data_dir):
        assert time.monotonic() < deadline, "the kept answer was not sent"
        time.sleep(0.1)
    # Another start sends nothing again: the answer left the phone's queue.
    page.goto(live_server.url + "/")
    page.goto(live_server.url + "/guides/izin-tinggal")
    expect(page.locator("form.feedback-form")).to_be_visible()
    time.sleep(0.5)
    assert feedback_rows(live_server.data_dir) == [
        ("izin-tinggal", 0, "Biaya perpanjangan kurang jelas.")
    ]
    _forgive_offline(browser)


def test_feedback_with_html_is_refused_and_can_be_corrected(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.launch()
    page.goto(live_server.url + "/en/guides/pembuatan-paspor")
    page.fill("#feedback-comment", "<b>great</b>")
    page.click("form.feedback-form button[value=yes]")
    status = page.locator(".feedback-status")
    expect(status).to_have_text(
        "Write the comment as plain text, without HTML code (< and > tags)."
    )
    assert feedback_rows(live_server.data_dir) == []
    if report := a11y.axe_violations(page):
        pytest.fail(f"axe on a guide page with a refused answer:\n{report}")
    page.fill("#feedback-comment", "great")
    page.click("form.feedback-form button[value=yes]")
    expect(status).to_have_text("Thank you, your feedback was sent.")
    assert feedback_rows(live_server.data_dir) == [("pembuatan-paspor", 1, "great")]
    # The refusal's 400 is on the console; that is the expected answer here.
    browser.problems.items = [i for i in browser.problems.items if "400" not in i]
    browser.problems.check()


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


def _forgive_offline(browser: Browser) -> None:
    """Requests that fail while offline are reported on the console; expected here."""
    browser.problems.items = [
        i for i in browser.problems.items if "ERR_INTERNET_DISCONNECTED" not in i
    ]
    browser.problems.check()
