"""Fixtures for the real-browser tests: Playwright, and a chromium profile per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser as Chromium
from playwright.sync_api import Playwright, expect, sync_playwright

from testkit.browser import WAIT_MS, Browser, browser_on
from testkit.server import LiveServer
from tests.browser.visitor import Visitors, plain_chromium

# Assertions wait as long as everything else: CI machines are shared and slow.
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(playwright: Playwright, tmp_path: Path) -> Iterator[Browser]:
    """A fresh chromium profile of its own; `browser.launch()` starts or restarts it."""
    with browser_on(playwright, tmp_path / "profile") as chromium:
        yield chromium


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Chromium]:
    """One plain chromium for a module's page-by-page checks (the accessibility tests)."""
    with plain_chromium(playwright) as browser:
        yield browser


@pytest.fixture
def visitors(chromium: Chromium, live_server: LiveServer) -> Iterator[Visitors]:
    opened = Visitors(chromium, live_server.url)
    yield opened
    opened.close_all()
