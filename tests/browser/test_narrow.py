"""Small screens: a 360 px phone at 200% zoom is 180 CSS px wide. Nothing scrolls sideways,
titles keep their words whole, and the admin's lists become cards under 600 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from testkit.admin_client import add_account
from testkit.server import LiveServer
from tests.browser.narrow import NARROW, broken_words, overflow
from tests.browser.site_pages import public_pages
from tests.browser.test_accessibility_admin import PASSWORD, sign_in
from tests.browser.visitor import Visitors

pytestmark = pytest.mark.browser

PHONE_600 = {"width": 599, "height": 800}


def test_no_page_scrolls_sideways_at_180_px(live_server: LiveServer, visitors: Visitors) -> None:
    wide = []
    visitor = visitors.open(viewport=NARROW)
    # Both languages' pages, the poster and the counter cards among them.
    for path in public_pages(live_server.url):
        page = visitor.visit(path)
        found = overflow(page)
        if found["scrollWidth"] > found["width"] or found["out"]:
            wide.append((path, found))
    assert not wide, wide


def test_the_language_switch_stays_on_screen_at_180_px(
    live_server: LiveServer, visitors: Visitors
) -> None:
    page = visitors.open(viewport=NARROW).visit("/guides/antrian-paspor")
    for lang in ("id", "en"):
        box = page.locator(f'.langs a[hreflang="{lang}"]').bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"]
        assert box["width"] >= 48 and box["height"] >= 48  # still a finger's target


def test_titles_never_break_inside_a_word_at_180_px(
    live_server: LiveServer, visitors: Visitors
) -> None:
    visitor = visitors.open(viewport=NARROW)
    page = visitor.visit("/")
    expect(page.locator("h1")).to_have_text("Informasi Layanan Keimigrasian")
    expect(page.locator("nav.buttons")).to_contain_text("(M-Paspor)")
    broken = {path: broken_words(visitor.visit(path)) for path in public_pages(live_server.url)}
    assert {path: words for path, words in broken.items() if words} == {}


def test_the_contact_facts_are_one_column_at_180_px(
    live_server: LiveServer, visitors: Visitors
) -> None:
    page = visitors.open(viewport=NARROW).visit("/")
    facts = page.locator("#contact ~ .facts, section[aria-labelledby=contact] .facts").first
    term, value = facts.locator("dt").first, facts.locator("dd").first
    term_box, value_box = term.bounding_box(), value.bounding_box()
    assert term_box is not None and value_box is not None
    assert value_box["y"] >= term_box["y"] + term_box["height"] - 1  # below, not beside
    assert abs(value_box["x"] - term_box["x"]) < 1


@pytest.mark.parametrize("viewport", [PHONE_600, NARROW], ids=["599px", "180px"])
def test_admin_lists_are_cards_under_600_px(
    live_server: LiveServer, visitors: Visitors, viewport: dict[str, int]
) -> None:
    add_account(live_server.data_dir, "ayu", PASSWORD)
    visitor = visitors.open(viewport=viewport)
    sign_in(visitor)
    for path, table in (
        ("/admin/", "table.guides"),
        ("/admin/guides/izin-tinggal", "table.history"),
        ("/admin/audit", "table.audit"),
    ):
        page = visitor.visit(path)
        rows = page.locator(f"{table} tbody tr")
        assert rows.count() >= 1, path
        first = rows.first
        # A card: the row is a box of its own, its cells stacked, each under its column's name.
        assert first.evaluate("(row) => getComputedStyle(row).display") == "block", path
        cells = first.locator("td[data-label]")
        labels = cells.evaluate_all(
            "(cells) => cells.filter((c) => c.offsetParent)"
            ".map((c) => getComputedStyle(c, '::before').content)"
        )
        assert labels and all(label not in ("none", "normal", '""') for label in labels), path
        boxes = [cells.nth(i).bounding_box() for i in range(min(cells.count(), 3))]
        xs = {round(box["x"]) for box in boxes if box and box["height"] > 0}
        assert len(xs) == 1, (path, boxes)
        expect(page.locator(f"{table} thead")).to_be_hidden()
        found = overflow(page)
        assert found["scrollWidth"] <= found["width"], (path, found)
    for path in ("/admin/usage", "/admin/guides/new"):
        found = overflow(visitor.visit(path))
        assert found["scrollWidth"] <= found["width"], (path, found)


def test_admin_lists_stay_tables_on_a_wide_screen(
    live_server: LiveServer, visitors: Visitors
) -> None:
    add_account(live_server.data_dir, "ayu", PASSWORD)
    visitor = visitors.open(viewport={"width": 1024, "height": 768})
    sign_in(visitor)
    page = visitor.visit("/admin/")
    row = page.locator("table.guides tbody tr").first
    assert row.evaluate("(row) => getComputedStyle(row).display") == "table-row"
