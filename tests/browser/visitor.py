"""Browser contexts that visit a live server's pages and fail on anything the browser reports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Browser as Chromium
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from testkit.browser import CHROMIUM, CHROMIUM_ARGS, SAVED, WAIT_MS, Problems

PHONE = {"width": 360, "height": 740}


@contextmanager
def plain_chromium(playwright: Playwright) -> Iterator[Chromium]:
    """Chromium without a profile: each context is a fresh phone of its own."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


class Visitor:
    """One browser context (a phone, its settings) visiting pages one after another."""

    def __init__(self, chromium: Chromium, base_url: str, **options: Any) -> None:
        self.base_url = base_url
        # An Indonesian phone: "/" stays Indonesian (Accept-Language picks the first language).
        defaults = {"viewport": PHONE, "locale": "id-ID"}
        self.context: BrowserContext = chromium.new_context(**{**defaults, **options})
        self.context.set_default_timeout(WAIT_MS)
        self.problems = Problems()
        self.problems.watch(self.context)
        self.page: Page = self.context.new_page()

    def visit(self, path: str, statuses: tuple[int, ...] = (200, 404)) -> Page:
        """Opens the page; fails on a redirect, another status, or a console error."""
        response = self.page.goto(self.base_url + path)
        assert response is not None, path
        assert self.page.url == self.base_url + path, f"{path} went to {self.page.url}"
        assert response.status in statuses, (path, response.status)
        self.forgive_status(path, response.status)
        # Opening a guide saves it for offline; its status line changes (and the page below
        # it moves) until the guide is saved. Checks start from the settled page.
        status = self.page.locator("#offline-status")
        if status.count():
            expect(status).to_have_class(SAVED)
        self.problems.check()
        return self.page

    def forgive_status(self, path: str, status: int) -> None:
        """A page answered with an error status reports it on the console; that is expected."""
        if status < 400:
            return
        url = self.base_url + path.partition("?")[0]
        self.problems.items = [
            item for item in self.problems.items if not (str(status) in item and url in item)
        ]

    def close(self) -> None:
        self.problems.check()
        self.context.close()


class Visitors:
    """The contexts a test opened; `close_all` checks and closes each."""

    def __init__(self, chromium: Chromium, base_url: str) -> None:
        self.chromium = chromium
        self.base_url = base_url
        self.opened: list[Visitor] = []

    def open(self, **options: Any) -> Visitor:
        visitor = Visitor(self.chromium, self.base_url, **options)
        self.opened.append(visitor)
        return visitor

    def close_all(self) -> None:
        for visitor in self.opened:
            visitor.close()
