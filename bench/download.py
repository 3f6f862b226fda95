"""What the phone downloads: the first visit, the shell precache, and "save all guides"."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from typing import Any

from playwright.async_api import Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from bench.catalog import wait_all_reader_pages
from bench.guides import SAMPLE_OFFICE, copy_sample_guides
from bench.plan import Plan
from bench.servers import Running, fetch, start_ours
from bench.steps import Figures, unavailable
from testkit.browser import CHROMIUM, CHROMIUM_ARGS
from testkit.proxy import CountingProxy

_WAIT_MS = 30_000


def worker_build(sw_js: bytes) -> dict[str, Any] | None:
    """The `const BUILD = {...}` object the server writes at the top of /sw.js."""
    text = sw_js.decode("utf-8", errors="replace")
    marker = text.find("BUILD =")
    if marker < 0:
        return None
    start = text.find("{", marker)
    try:
        build, _ = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return None
    return build if isinstance(build, dict) else None


def _kind(path: str) -> str:
    if path.startswith("/files/"):
        return "pdf"
    if path.startswith("/reader/"):
        return "reader pages"
    return "shell"


def _split(counts: dict[str, int], before: dict[str, int] | None = None) -> Figures:
    """Bytes received by kind (shell, pdf, reader pages), and by path."""
    before = before or {}
    delta = {p: n - before.get(p, 0) for p, n in counts.items() if n - before.get(p, 0) > 0}
    by_kind: dict[str, int] = {}
    for path, size in delta.items():
        by_kind[_kind(path)] = by_kind.get(_kind(path), 0) + size
    return {
        "bytes_without_pdfs": sum(n for p, n in delta.items() if _kind(p) != "pdf"),
        "bytes_total": sum(delta.values()),
        "by_kind": by_kind,
        "by_path": dict(sorted(delta.items())),
    }


def _wire_bytes(port: int, path: str) -> tuple[int, int]:
    """A response's (body, body + headers) bytes as sent to a browser."""
    answer = fetch(port, path)
    head = len(f"HTTP/1.1 {answer.status} OK\r\n") + 2
    head += sum(len(k) + len(v) + 4 for k, v in answer.headers)
    return len(answer.body), len(answer.body) + head


def precache_bytes(server: Running) -> Figures:
    """The shell precache list in /sw.js, each entry fetched as the browser would."""
    sw_js = fetch(server.port, "/sw.js")
    if sw_js.status != 200:
        return unavailable(f"GET /sw.js answers {sw_js.status} (issue 3)")
    build = worker_build(fetch(server.port, "/sw.js", accept_encoding="identity").body)
    if build is None or not isinstance(build.get("precache"), list):
        return unavailable("/sw.js carries no precache list")
    urls = [entry["url"] for entry in build["precache"]]
    sizes = [_wire_bytes(server.port, url) for url in urls]
    return {
        "entries": len(urls),
        "body_bytes": sum(body for body, _ in sizes),
        "bytes_with_headers": sum(total for _, total in sizes),
        "sw_js_bytes": len(sw_js.body),
    }


def save_all_expected(server: Running) -> Figures:
    """What "save all" has to fetch: every current guide file (and its reader pages)."""
    catalog = json.loads(fetch(server.port, "/api/guides", accept_encoding="identity").body)
    files = [f for guide in catalog["guides"] for f in guide["files"].values()]
    pages = [page for f in files for page in f.get("reader", [])]
    return {
        "files": len(files),
        "pdf_bytes": sum(int(f["size"]) for f in files),
        "reader_pages": len(pages),
        "reader_page_bytes": sum(int(page["size"]) for page in pages),
    }


async def _save_all_in_browser(page: Page, proxy: CountingProxy) -> Figures:
    section = page.locator("#save-all")
    try:
        await section.wait_for(state="visible", timeout=10_000)
    except PlaywrightTimeout:
        return unavailable('no visible "save all guides" section on the landing page')
    before = proxy.snapshot()
    button = section.locator("button")
    await button.click(timeout=_WAIT_MS)
    await page.wait_for_function(
        "() => !document.querySelector('#save-all button').disabled", timeout=120_000
    )
    await proxy.wait_idle(quiet=1.0, timeout=_WAIT_MS)
    return _split(proxy.snapshot(), before)


async def _registers_worker(page: Page, timeout: float = 10) -> bool:
    """Whether the page registers a service worker (app.js may do so after the load event)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await page.evaluate(
            "async () => 'serviceWorker' in navigator && "
            "!!(await navigator.serviceWorker.getRegistration())"
        ):
            return True
        await asyncio.sleep(0.1)
    return False


async def _browse(server: Running) -> Figures:
    proxy = CountingProxy(server.port)
    port = await proxy.start()
    errors: list[str] = []
    try:
        async with async_playwright() as playwright:
            with tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
                context = await playwright.chromium.launch_persistent_context(
                    profile,
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 412, "height": 915},
                    device_scale_factor=2.625,
                    is_mobile=True,
                    has_touch=True,
                    # Most applicants' phones speak Indonesian, and so land on / itself.
                    locale="id-ID",
                )
                try:
                    page = context.pages[0] if context.pages else await context.new_page()
                    page.on("pageerror", lambda exc: errors.append(str(exc)))
                    await page.goto(
                        f"http://127.0.0.1:{port}/", wait_until="load", timeout=_WAIT_MS
                    )
                    at_load = proxy.snapshot()
                    has_worker = await _registers_worker(page)
                    figures: Figures = {"page_load": _split(at_load)}
                    if has_worker:
                        await page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
                        await proxy.wait_idle(quiet=1.0, timeout=_WAIT_MS)
                        figures["with_service_worker_install"] = _split(proxy.snapshot())
                        figures["save_all"] = await _save_all_in_browser(page, proxy)
                    else:
                        figures["with_service_worker_install"] = unavailable(
                            "the page registers no service worker (issue 3)"
                        )
                        figures["save_all"] = unavailable("no service worker (issue 3)")
                finally:
                    await context.close()
    finally:
        await proxy.close()
    figures["page_errors"] = errors
    return figures


def measure_downloads(plan: Plan) -> Figures:
    work = plan.work_dir / "download"
    work.mkdir(parents=True)
    guides = copy_sample_guides(work / "guides")
    server, _ = start_ours(guides, work / "data", work / "server.log", SAMPLE_OFFICE)
    try:
        # "Save all" saves reader pages too, once they are rendered.
        wait_all_reader_pages(server, timeout=300)
        browser = asyncio.run(asyncio.wait_for(_browse(server), timeout=300))
        return {
            "first_visit": browser,
            "shell_precache": precache_bytes(server),
            "save_all_expected": save_all_expected(server),
        }
    finally:
        server.stop()
