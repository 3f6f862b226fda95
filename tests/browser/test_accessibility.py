"""WCAG 2.2 AA on the public pages in real chromium: axe-core, contrast, tap targets, reflow,
keyboard, reduced motion and dark mode.

Every public page is checked in both languages: the known ones and everything they link to
(tests/browser/site_pages.py), so new pages such as the search page and the reader are
covered as they land. Each test groups its pages in one browser to keep the run short.
"""

from __future__ import annotations

import re
from typing import Literal

import pytest
from playwright.sync_api import Locator, Page, expect

from testkit.server import LiveServer
from tests.browser import a11y
from tests.browser.site_pages import public_pages
from tests.browser.visitor import Visitors

pytestmark = pytest.mark.browser

# Pages made for printing (the poster, the counter cards): black on white, no header.
PRINTOUTS = ("/poster", "/cards")

# WCAG's reflow width: 1280 CSS px at 400% zoom.
NARROW = {"width": 320, "height": 640}
# 200% browser zoom of a 1280 x 720 window, as chromium applies it: the layout viewport
# shrinks to 640 x 360 CSS px and each CSS px takes two device pixels.
ZOOMED = {"width": 640, "height": 360}
MIN_TARGET = 48
MIN_TEXT_CONTRAST = 4.5
MIN_FOCUS_CONTRAST = 3.0
LANDINGS = ("/", "/en/")
Scheme = Literal["light", "dark"]


def tab_to(page: Page, target: Locator, most: int) -> None:
    """Presses Tab, as a keyboard user does, until `target` has the focus (at most `most`)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            return


def reveal(page: Page, path: str) -> bool:
    """Shows what is folded away, so that it is checked too: app.js's prompts on the landing
    pages (update, install, iOS hint, a failed save, save progress) and the reader's page
    texts. True when there was something to show."""
    shown = a11y.show_prompts(page) if path in LANDINGS else []
    if path in LANDINGS:
        assert len(shown) == 5, f"{path}: app.js's prompts are missing: only {shown}"
    opened = page.evaluate(
        "() => [...document.querySelectorAll('details:not([open])')].map((d) => d.open = true)"
    )
    return bool(shown or opened)


def test_axe_finds_no_violation_on_any_public_page_in_light_and_dark_mode(
    live_server: LiveServer, visitors: Visitors
) -> None:
    visitor = visitors.open()
    page = visitor.page
    reports, same = [], []
    for path in public_pages(live_server.url):
        page.emulate_media(color_scheme="light")
        visitor.visit(path)
        # Once, with everything folded away shown: a superset of what the page first shows.
        reveal(page, path)
        if report := a11y.axe_violations(page):
            reports.append(f"{path} in light mode:\n{report}")
        in_light = a11y.page_colours(page)
        page.emulate_media(color_scheme="dark")
        if report := a11y.axe_violations(page):
            reports.append(f"{path} in dark mode:\n{report}")
        in_dark = a11y.page_colours(page)
        assert min(in_light["ratio"], in_dark["ratio"]) >= MIN_TEXT_CONTRAST, (in_light, in_dark)
        # The printouts are for paper: black on white whatever the screen prefers.
        if not path.startswith(PRINTOUTS) and (
            in_dark["back"] == in_light["back"] or in_dark["text"] == in_light["text"]
        ):
            same.append((path, in_light, in_dark))
    assert not reports, "\n".join(reports)
    assert not same, f"dark mode left these colours as they were: {same}"


def test_red_buttons_have_text_contrast_of_at_least_4_5_in_light_and_dark(
    live_server: LiveServer, visitors: Visitors
) -> None:
    visitor = visitors.open()
    measured: dict[Scheme, list[tuple[str, a11y.RedControl]]] = {"light": [], "dark": []}
    for path in ("/", "/en/", "/guides/izin-tinggal", "/en/offline", "/search?q=paspor"):
        page = visitor.visit(path)
        reveal(page, path)
        for scheme, found in measured.items():
            page.emulate_media(color_scheme=scheme)
            found += [(path, c) for c in a11y.red_controls(page)]
            found += [(f"{path} :hover", c) for c in a11y.hover_red_controls(page)]
    lowest = {}
    for scheme, found in measured.items():
        assert len([c for _, c in found if 'class="btn"' in c.html]) >= 10, "no red buttons"
        # A disabled button (while it works) is an inactive control, which WCAG 1.4.3 exempts.
        weak = [(p, c) for p, c in found if c.ratio < MIN_TEXT_CONTRAST and not c.disabled]
        assert not weak, f"{scheme}: {weak}"
        buttons = [c.ratio for _, c in found if "btn" in c.html.partition(">")[0]]
        lowest[scheme] = (min(buttons), min(found, key=lambda item: item[1].ratio))
    print("lowest contrast on red (buttons, anything):", lowest)


def test_targets_are_48_px_and_no_page_scrolls_sideways_at_320_px_or_200_percent_zoom(
    live_server: LiveServer, visitors: Visitors
) -> None:
    pages = public_pages(live_server.url)
    phone = visitors.open()
    small, inline, sides = [], [], []
    for path in pages:
        page = phone.visit(path)
        reveal(page, path)
        for target in a11y.tap_targets(page):
            if target.inline:
                # WCAG 2.5.8's inline exception: a link within a sentence of running text.
                inline.append((path, target))
            elif min(target.width, target.height) < MIN_TARGET:
                small.append((path, target))
            else:
                sides.append(min(target.width, target.height))
    assert not small, "\n".join(f"{path}: {t}" for path, t in small)
    print(f"{len(sides)} targets, smallest side {min(sides):.1f} px; inline in text: {inline}")

    wide = []
    for viewport, scale in ((NARROW, 1), (ZOOMED, 2)):
        visitor = visitors.open(viewport=viewport, device_scale_factor=scale)
        for path in pages:
            page = visitor.visit(path)
            reveal(page, path)
            assert page.evaluate("() => innerWidth") == viewport["width"]
            found = a11y.overflow(page)
            if found["scrollWidth"] > found["width"]:
                wide.append((viewport["width"], scale, path, found))
    assert not wide, wide


def tab_through(page: Page, path: str) -> list[str]:
    """Tabs through the page, then uses its skip link; returns what a keyboard user would
    find wrong."""
    in_main = a11y.mark_tabbable(page)
    faults: list[str] = []
    reached: list[int] = []
    for _ in range(len(in_main) + 1):
        page.keyboard.press("Tab")
        state = a11y.focus_state(page)
        if state["index"] < 0 or (reached and state["index"] == 0):
            break  # past the last control: out of the page, or round to the first
        reached.append(state["index"])
        where = f"{path} {state['html']}"
        if not state["changed"] or state["outlineWidth"] < 2:
            faults.append(f"{where}: no visible focus indicator ({state})")
        elif state["outlineContrast"] < MIN_FOCUS_CONTRAST:
            faults.append(f"{where}: focus outline contrast {state['outlineContrast']:.2f}")
        if not (state["inView"] and state["unobscured"]):
            faults.append(f"{where}: focused but out of view or covered ({state})")
    if reached != list(range(len(in_main))):
        faults.append(f"{path}: Tab reached {reached}, not all {len(in_main)} in DOM order")
    if path.startswith(PRINTOUTS):
        return faults  # a printout: no header, no skip link
    # The skip link comes first (it showed above when focused), and takes Tab on into <main>.
    skip = page.locator("a.skip")
    if not skip.evaluate("(el) => el === window.__a11yTargets[0]?.el"):
        faults.append(f"{path}: the skip link is not the first control")
    skip.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
    if True in in_main:
        page.keyboard.press("Tab")
        if a11y.focus_state(page)["index"] != in_main.index(True):
            faults.append(f"{path}: after the skip link, Tab did not go into <main>")
    return faults


def test_every_control_is_reached_by_tab_in_order_with_visible_focus_in_light_and_dark(
    live_server: LiveServer, visitors: Visitors
) -> None:
    visitor = visitors.open()
    faults = []
    for path in public_pages(live_server.url):
        faults += tab_through(visitor.visit(path), path)
    # In dark mode the focus outline changes colour: each kind of page shows it still.
    dark = visitors.open(color_scheme="dark")
    for path in ("/", "/en/guides/izin-tinggal", "/search?q=paspor", "/offline", "/poster"):
        faults += [f"dark: {fault}" for fault in tab_through(dark.visit(path), path)]
    assert not faults, "\n".join(faults)

    # The language switch, from the keyboard, keeps the applicant on the same guide.
    page = visitor.visit("/guides/izin-tinggal")
    tab_to(page, page.locator(".langs a[hreflang=en]"), most=5)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/en/guides/izin-tinggal")))
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # Searching from the keyboard: into the box, type, Enter, then Tab on to a result.
    page = visitor.visit("/")
    tab_to(page, page.locator("#search-q"), most=20)
    page.keyboard.type("paspor")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/search?q=paspor")
    first_hit = page.locator("#search-results .hits a").first
    for _ in range(20):
        page.keyboard.press("Tab")
        if first_hit.evaluate("(el) => el === document.activeElement"):
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/guides/")))


def test_reduced_motion_stops_every_animation_and_transition(
    live_server: LiveServer, visitors: Visitors
) -> None:
    visitor = visitors.open(reduced_motion="reduce")
    moving = []
    for path in public_pages(live_server.url):
        page = visitor.visit(path)
        assert page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
        reveal(page, path)
        moving += [f"{path}: {m}" for m in a11y.motion(page)]
    # Saving every guide for real, from the keyboard: the progress bar fills as it goes.
    page = visitor.visit("/")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.locator("#save-all button").focus()
    page.keyboard.press("Space")
    expect(page.locator("#save-all progress")).to_be_visible()
    moving += [f"/ while saving: {m}" for m in a11y.motion(page)]
    done = page.locator("#save-all").get_attribute("data-done")
    expect(page.locator("#save-all .save-status")).to_have_text(done or "(no data-done)")
    moving += [f"/ saved: {m}" for m in a11y.motion(page)]
    assert not moving, "\n".join(moving)
