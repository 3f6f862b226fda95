"""WCAG 2.2 AA on the staff admin in real chromium: axe-core on every page and its notices,
the red buttons' contrast, and no sideways scrolling of the page at 320 px or 200% zoom
(a wide table scrolls within itself, which WCAG 1.4.10 allows for data tables)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from testkit.admin_client import add_account
from testkit.pdfs import make_pdf
from testkit.server import LiveServer
from tests.browser import a11y
from tests.browser.visitor import Visitor, Visitors

pytestmark = pytest.mark.browser

PASSWORD = "kata-sandi-aksesibel-1"
SLUG = "izin-tinggal"
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}
# 200% zoom of a 1280 x 720 window (see test_accessibility.py).
ZOOMED = {"width": 640, "height": 360}


def sign_in(visitor: Visitor, password: str = PASSWORD, status: int = 200) -> Page:
    page = visitor.visit("/admin/login")
    page.fill("input[name=name]", "ayu")
    page.fill("input[name=password]", password)
    return submitted(visitor, page, "form[action='/admin/login']", status)


def submitted(visitor: Visitor, page: Page, form: str, status: int) -> Page:
    """Submits a form; the page it leads to must answer with the given status."""
    with page.expect_navigation() as navigation:
        page.click(f"{form} button[type=submit]")
    response = navigation.value
    assert response is not None and response.status == status, (form, response)
    visitor.forgive_status(page.url.removeprefix(visitor.base_url), status)
    visitor.problems.check()
    return page


def axe_on(page: Page, what: str, reports: list[str]) -> None:
    if report := a11y.axe_violations(page):
        reports.append(f"{what} ({page.url}):\n{report}")


def walk_admin(visitor: Visitor, tmp_path: Path) -> list[str]:
    """Every admin page and notice, as staff see them; returns axe's reports."""
    reports: list[str] = []
    page = visitor.visit("/admin/login")
    axe_on(page, "login", reports)
    sign_in(visitor, "wrong-password", 401)
    expect(page.locator("[data-refused]")).to_be_visible()
    axe_on(page, "login refused", reports)

    sign_in(visitor)
    expect(page.locator("[data-account]")).to_have_text("ayu")
    axe_on(page, "guide list", reports)
    for path in (f"/admin/guides/{SLUG}", "/admin/guides/new", "/admin/audit", "/admin/usage",
                 f"/admin/guides/{SLUG}/text/id"):  # fmt: skip
        axe_on(visitor.visit(path), path, reports)
    page = visitor.visit("/admin/audit?action=publish&since=2020-01-01")
    axe_on(page, "audit log, filtered", reports)
    page = visitor.visit("/admin/guides/no-such-guide", statuses=(404,))
    axe_on(page, "refusal page", reports)

    # Publishing from the guide's page: its notice, then a refused upload's.
    good, bad = tmp_path / "baru.pdf", tmp_path / "bukan.pdf"
    good.write_bytes(make_pdf("Izin tinggal, versi aksesibel", 2))
    bad.write_bytes(b"not a PDF at all")
    page = visitor.visit(f"/admin/guides/{SLUG}")
    page.set_input_files("#upload input[type=file]", str(good))
    submitted(visitor, page, "#upload", 200)
    expect(page.locator("[data-done]")).to_have_attribute("data-done", "published")
    axe_on(page, "published notice and history", reports)
    page.set_input_files("#upload input[type=file]", str(bad))
    submitted(visitor, page, "#upload", 400)
    expect(page.locator("[data-refused]")).to_be_visible()
    axe_on(page, "refused upload", reports)
    # The new-guide form sent back with its refusal.
    page = visitor.visit("/admin/guides/new")
    page.fill("input[name=slug]", "panduan-baru")
    for name in ("title_id", "title_en"):
        page.fill(f"input[name={name}]", "Panduan baru")
    for name in ("summary_id", "summary_en"):
        page.fill(f"textarea[name={name}]", "Ringkasan")
    page.set_input_files("input[name=file_id]", str(bad))
    submitted(visitor, page, "form[action='/admin/guides/new']", 400)
    axe_on(page, "new guide refused", reports)
    # Notices: posted, listed, one refused; the feedback records.
    page = visitor.visit("/admin/notices")
    axe_on(page, "notices, none yet", reports)
    page.fill("textarea[name=text_id]", "Kuota Desember dibuka 1 Desember")
    page.fill("textarea[name=text_en]", "December quota opens on 1 December")
    page.fill("input[name=starts]", f"{date.today() - timedelta(days=1)}T08:00")
    page.fill("input[name=ends]", f"{date.today() + timedelta(days=30)}T16:00")
    submitted(visitor, page, "#notice-add", 200)
    expect(page.locator("[data-done]")).to_have_attribute("data-done", "notice_added")
    expect(page.locator("[data-notice]")).to_have_count(1)
    axe_on(page, "notice posted and listed", reports)
    page.fill("textarea[name=text_id]", "Tanpa teks Inggris")
    page.fill("textarea[name=text_en]", " ")
    page.fill("input[name=starts]", "2026-11-01T08:00")
    page.fill("input[name=ends]", "2026-11-02T08:00")
    submitted(visitor, page, "#notice-add", 400)
    expect(page.locator("[data-refused]")).to_be_visible()
    axe_on(page, "notice refused", reports)
    axe_on(visitor.visit("/admin/feedback"), "feedback records", reports)
    return reports


def test_axe_finds_no_violation_on_the_admin_pages(
    live_server: LiveServer, visitors: Visitors, tmp_path: Path
) -> None:
    add_account(live_server.data_dir, "ayu", PASSWORD)
    reports = walk_admin(visitors.open(viewport=DESKTOP), tmp_path)
    assert not reports, "\n".join(reports)


def test_admin_red_buttons_contrast_and_no_sideways_scroll_at_320_px_or_200_percent_zoom(
    live_server: LiveServer, visitors: Visitors
) -> None:
    add_account(live_server.data_dir, "ayu", PASSWORD)
    weak, wide, red = [], [], []
    for viewport, scale in ((NARROW, 1), (ZOOMED, 2)):
        visitor = visitors.open(viewport=viewport, device_scale_factor=scale)
        sign_in(visitor)
        for path in ("/admin/", f"/admin/guides/{SLUG}", f"/admin/guides/{SLUG}/text/id",
                     "/admin/guides/new", "/admin/audit", "/admin/usage", "/admin/notices",
                     "/admin/feedback"):  # fmt: skip
            page = visitor.visit(path)
            controls = a11y.red_controls(page) + a11y.hover_red_controls(page)
            red += controls
            weak += [(path, c) for c in controls if c.ratio < 4.5 and not c.disabled]
            found = a11y.overflow(page)
            if found["scrollWidth"] > found["width"]:
                wide.append((viewport, path, found))
    assert len(red) >= 10, "the admin's red buttons were found"
    assert not weak, weak
    assert not wide, wide
    print("admin: lowest contrast on red", min(red, key=lambda c: c.ratio))
