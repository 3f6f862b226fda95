"""Fixtures for the real-browser tests: Playwright, and a chromium profile per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Playwright, expect, sync_playwright

from tests.browser.harness import WAIT_MS, Browser, browser_on

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
