"""In real chromium: Tikkim publishes from /admin, and an installed applicant gets it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import Playwright, expect

from testkit.admin_client import add_account
from testkit.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    Browser,
    accept_update,
    cached_urls,
    fetch_in_page,
    guide_files,
    open_guide,
    wait_for_control,
)
from testkit.pdfs import make_pdf
from testkit.server import LiveServer, wait_for_reader_pages

pytestmark = pytest.mark.browser

PASSWORD = "kata-sandi-tikkim-1"


def test_staff_upload_reaches_an_installed_applicant(
    browser: Browser, playwright: Playwright, live_server: LiveServer, tmp_path: Path
) -> None:
    base = live_server.url
    add_account(live_server.data_dir, "siti", PASSWORD)
    before = guide_files(base)["antrian-paspor.id"]

    # An applicant has the app and has opened the guide once: it is on the phone.
    applicant = browser.launch()
    applicant.goto(base + "/")
    wait_for_control(applicant)
    open_guide(applicant, base, "/guides/antrian-paspor")

    # Tikkim, in another browser, logs in and uploads a new PDF for the guide.
    new_pdf = tmp_path / "antrian-paspor-baru.pdf"
    new_pdf.write_bytes(make_pdf("Antrian Paspor, terbitan admin", 2))
    new_sha = hashlib.sha256(new_pdf.read_bytes()).hexdigest()
    staff_browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    try:
        staff = staff_browser.new_page()
        staff.set_default_timeout(WAIT_MS)
        staff_errors: list[str] = []
        staff.on("pageerror", lambda error: staff_errors.append(str(error)))
        staff.on("console", lambda m: staff_errors.append(m.text) if m.type == "error" else None)
        staff.goto(base + "/admin/")
        expect(staff).to_have_url(f"{base}/admin/login?next=/admin/")
        staff.fill("input[name=name]", "siti")
        staff.fill("input[name=password]", PASSWORD)
        staff.click("form[action='/admin/login'] button[type=submit]")
        expect(staff.locator("[data-account]")).to_have_text("siti")
        staff.click("tr[data-guide='antrian-paspor'] a")
        staff.select_option("#upload select[name=lang]", "id")
        staff.set_input_files("#upload input[type=file]", str(new_pdf))
        staff.click("#upload button[type=submit]")
        expect(staff.locator("[data-done]")).to_have_attribute("data-done", "published")
        expect(staff.locator("tr[data-version='2']")).to_contain_text("siti")
        assert not staff_errors, staff_errors
    finally:
        staff_browser.close()

    after = guide_files(base)["antrian-paspor.id"]
    assert after["sha256"] == new_sha and after["url"] != before["url"]
    # Its reader pages render in the background, and the site changes once more when they
    # are ready; the applicant comes back after that.
    wait_for_reader_pages(base)
    after = guide_files(base)["antrian-paspor.id"]
    assert len(after["reader"]) == 2

    # The applicant comes back: the new service worker is offered, then the new bytes.
    accept_update(applicant, base + "/guides/antrian-paspor", after["url"])
    fetched = fetch_in_page(applicant, after["url"])
    assert (fetched["status"], fetched["sha256"]) == (200, new_sha)

    # The applicant's service worker keeps nothing from /admin, even after a visit.
    applicant.goto(base + "/admin/login")
    applicant.goto(base + "/")
    cached = [path for paths in cached_urls(applicant).values() for path in paths]
    assert not [path for path in cached if path.startswith("/admin")]
    browser.problems.check()
