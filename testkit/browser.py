"""Driving Debian's chromium against a live server: launching, waiting, and failing fast."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fpdf import FPDF
from PIL import Image
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    WebError,
    expect,
)

from testkit.proxy import CountingProxy
from testkit.server import wait_for_reader_pages

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every wait is bounded: a broken sw.js makes `navigator.serviceWorker.ready` hang forever.
WAIT_MS = 15_000

# The class of a guide page's offline status once its PDF is saved on the phone.
SAVED = re.compile(r"\bis-saved\b")

# Resolves once a service worker controls the page, or rejects with what went wrong.
_CONTROLLED = """(timeout) => new Promise((resolve, reject) => {
  if (navigator.serviceWorker.controller) return resolve(navigator.serviceWorker.controller.state);
  const fail = () => reject(new Error(`no service worker in control after ${timeout} ms`));
  const timer = setTimeout(fail, timeout);
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    clearTimeout(timer);
    resolve(navigator.serviceWorker.controller.state);
  });
})"""

# Fetches a URL from the page (so through its service worker) and hashes what arrives.
_FETCH_SHA256 = """async ([url, range]) => {
  const response = await fetch(url, range ? { headers: { Range: range } } : {});
  const body = await response.arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', body);
  return {
    status: response.status,
    size: body.byteLength,
    sha256: Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join(''),
    contentRange: response.headers.get('content-range'),
    bytes: Array.from(new Uint8Array(body.slice(0, 4096))),
  };
}"""

_CACHED_URLS = """async () => {
  const names = await caches.keys();
  const result = {};
  for (const name of names) {
    const cache = await caches.open(name);
    result[name] = (await cache.keys()).map((request) => new URL(request.url).pathname);
  }
  return result;
}"""


@dataclass
class Problems:
    """Console errors and uncaught exceptions from pages and the service worker."""

    items: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.on("console", self._console)
        context.on("weberror", self._web_error)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.items.append(f"console error: {message.text} ({message.location})")

    def _web_error(self, error: WebError) -> None:
        self.items.append(f"uncaught: {error.error}")

    def check(self) -> None:
        assert not self.items, "the browser reported problems:\n" + "\n".join(self.items)


@dataclass
class Browser:
    """One chromium profile; relaunching it keeps the service worker and its caches."""

    playwright: Playwright
    profile_dir: Path
    problems: Problems = field(default_factory=Problems)
    context: BrowserContext | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def launch(self) -> Page:
        assert self.context is None, "close the browser before launching it again"
        # A persistent profile: installability needs one (a plain context is incognito),
        # and a relaunch must find what the first run saved.
        options = dict(self.extra)
        # `chromium_args`: flags a test adds (a self-signed certificate behind nginx).
        args = [*CHROMIUM_ARGS, *options.pop("chromium_args", [])]
        self.context = self.playwright.chromium.launch_persistent_context(
            self.profile_dir,
            executable_path=CHROMIUM,
            headless=True,
            args=args,
            # Most applicants' phones are set to Indonesian; English is tested explicitly.
            **{"locale": "id-ID", **options},
        )
        self.context.set_default_timeout(WAIT_MS)
        self.problems.watch(self.context)
        return self.context.pages[0] if self.context.pages else self.context.new_page()

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
            self.context = None


@contextmanager
def browser_on(playwright: Playwright, profile_dir: Path, **extra: Any) -> Iterator[Browser]:
    browser = Browser(playwright, profile_dir, extra=extra)
    try:
        yield browser
    finally:
        browser.close()


@contextmanager
def counting_proxy(upstream_port: int) -> Iterator[tuple[CountingProxy, int]]:
    """The bench's loopback proxy in front of the server, counting what the browser fetches
    over the network (not from its HTTP cache); yields it and its port."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    proxy = CountingProxy(upstream_port)
    port = asyncio.run_coroutine_threadsafe(proxy.start(), loop).result(10)
    try:
        yield proxy, port
    finally:
        asyncio.run_coroutine_threadsafe(proxy.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def answer_whatsapp_here(browser: Browser) -> list[str]:
    """Nothing leaves the machine: the chat link is answered here, as WhatsApp would open."""
    opened: list[str] = []

    def whatsapp(route: Route) -> None:
        opened.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>WhatsApp</title>")

    assert browser.context is not None
    browser.context.route("https://wa.me/**", whatsapp)
    return opened


def wait_for_control(page: Page) -> None:
    page.evaluate(_CONTROLLED, WAIT_MS)


def open_guide(page: Page, base_url: str, path: str) -> None:
    """As an applicant does: the guide's page, its PDF button, then back, until it is saved."""
    page.goto(base_url + path)
    page.click("a[data-guide-file]")
    page.go_back()
    expect(page.locator("#offline-status")).to_have_class(SAVED)


def accept_update(page: Page, guide_url: str, new_file_url: str) -> None:
    """As an applicant back on a guide's page: the update prompt shows, they accept it, and
    the reloaded page links the guide's new file and shows it saved on the phone."""
    page.goto(guide_url)
    prompt = page.locator("#update-prompt")
    expect(prompt).to_be_visible()
    prompt.locator("button").click()
    expect(page.locator("a[data-guide-file]")).to_have_attribute("href", new_file_url)
    expect(page.locator("#offline-status")).to_have_class(SAVED)


def fetch_in_page(page: Page, url: str, byte_range: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(_FETCH_SHA256, [url, byte_range])
    return result


def cached_urls(page: Page) -> dict[str, list[str]]:
    """Cache name -> the paths it holds, as the page's origin sees them."""
    result: dict[str, list[str]] = page.evaluate(_CACHED_URLS)
    return result


def catalog(base_url: str) -> dict[str, Any]:
    """`/api/guides` as the server serves it now."""
    with urllib.request.urlopen(base_url + "/api/guides", timeout=5) as response:
        data: dict[str, Any] = json.load(response)
    return data


def guide_files(base_url: str) -> dict[str, dict[str, Any]]:
    """ "slug.lang" -> that file's url, size and sha256 from `/api/guides`."""
    return {
        f"{guide['slug']}.{lang}": file
        for guide in catalog(base_url)["guides"]
        for lang, file in guide["files"].items()
    }


def wait_for_guide(base_url: str, key: str, timeout: float = 10.0) -> dict[str, dict[str, Any]]:
    """Waits until the server's watcher has picked up a guide file dropped into guides/, and
    has made its reader pages (until then the site changes once more)."""
    deadline = time.monotonic() + timeout
    while (files := guide_files(base_url)) and key not in files:
        assert time.monotonic() < deadline, f"{key} not served after {timeout}s"
        time.sleep(0.1)
    wait_for_reader_pages(base_url)
    return guide_files(base_url)


def saved_size(file: dict[str, Any]) -> int:
    """What saving one guide file for offline downloads: its reader pages and its PDF."""
    return int(file["size"]) + sum(int(page["size"]) for page in file["reader"])


def parts_of(file: dict[str, Any]) -> list[str]:
    """The URLs a saved guide file keeps on the phone: its reader pages, then its PDF."""
    return [*(page["url"] for page in file["reader"]), file["url"]]


def noise_pdf(side: int) -> bytes:
    """A valid PDF of about 3 x side² bytes: one page of random pixels, which no
    compression shrinks."""
    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.frombytes("RGB", (side, side), random.randbytes(3 * side * side)), w=180)
    return bytes(pdf.output())


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
