"""The text version's budgets: a guide page's bytes, the time to read it on a slow network, and
the time to make the text of a 10-page guide (and OCR's time per scanned page).

1. Each guide page with its text, as sent to a phone (brotli; headers included): <= 12 KB.
2. Cold, on 400 kbps / 400 ms RTT (a throttling proxy on loopback, so the service worker's
   own requests are slowed too) with the CPU slowed 4x (CDP): from `/?src=qr` through one tap
   on the first red button until the guide's first section text is visible: <= 3.0 s.
3. Making the text of a 10-page guide (the child process included): <= 2 s; OCR per page.

Usage: .venv/bin/python -m bench.guide_text [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import io
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from fpdf import FPDF
from playwright.async_api import async_playwright

from bench.guides import SAMPLE_OFFICE, copy_sample_guides
from bench.plan import Plan
from bench.servers import Running, fetch, start_ours
from bench.steps import Figures, median
from bench.throttle import throttled
from server.blobs import sha256_hex
from server.guide_text import TextStore
from server.text_extract import extract
from testkit.browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
PAGE_BUDGET_BYTES = 12 * 1024
FIRST_TEXT_BUDGET_SECONDS = 3.0
TEXT_BUDGET_SECONDS = 2.0
SLOW_BITS_PER_SECOND = 400_000
SLOW_RTT_SECONDS = 0.4
CPU_SLOWDOWN = 4
_WAIT_MS = 60_000
_PAINTED = "() => performance.getEntriesByName('first-contentful-paint').length > 0"
# The first contentful paint, in the browser's clock (ms since the epoch).
_FCP = """() => performance.timeOrigin +
  performance.getEntriesByName('first-contentful-paint')[0].startTime"""
_FIRST_TEXT_IN_VIEW = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return box.top >= 0 && box.top < innerHeight;
}"""
# The first section's first block below its heading: what the applicant came to read.
FIRST_TEXT = ".guide-text section[aria-labelledby] > :not(h2):not(h3):not(h4)"


def _sample_generator() -> Any:
    """scripts/make_sample_guides.py as a module: its page layout makes the 10-page guide."""
    path = ROOT / "scripts" / "make_sample_guides.py"
    spec = importlib.util.spec_from_file_location("make_sample_guides", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def ten_page_guide() -> bytes:
    """A guide of exactly 10 pages in the sample guides' layout: their sections, repeated."""
    samples = _sample_generator()
    base = next(g for g in samples.GUIDES if g.filename == "pembuatan-paspor.id.pdf")
    # Every sample guide's sections, in both languages: varied text, as a real guide has.
    body = "\n".join(g.body for g in samples.GUIDES)
    copies = "\n".join(_reworded(body, n).replace("# ", f"# Bagian {n}: ") for n in range(40))
    # Whole sections, so that the guide grows a section at a time: a whole copy of the samples
    # is more than a page, and could step from 9 pages straight to 11.
    sections = re.split(r"\n(?=# )", copies)

    def render(count: int) -> tuple[bytes, int]:
        guide = samples.Guide(
            "sepuluh.id.pdf",
            "id",
            "Panduan sepuluh halaman",
            base.subtitle,
            base.sources,
            "\n".join(sections[:count]),
        )
        data: bytes = samples.render(guide)
        return data, len(pdfium.PdfDocument(data))

    # The fewest sections that fill 10 pages: pages only grow with sections.
    low, high = 1, len(sections)
    while low < high:
        middle = (low + high) // 2
        if render(middle)[1] >= 10:
            high = middle
        else:
            low = middle + 1
    data, pages = render(low)
    if pages != 10:
        raise RuntimeError(f"could not lay out a guide of exactly 10 pages (got {pages})")
    return data


def _reworded(body: str, seed: int) -> str:
    """The same markup with each line's words shuffled: new text of the same vocabulary, so
    that a longer guide does not compress as well as a repeated one would."""
    if seed == 0:
        return body
    shuffle = random.Random(seed).shuffle
    lines = []
    for line in body.splitlines():
        tokens = line.split()
        if not tokens or tokens[0].startswith("|"):
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        head = tokens[:1] if re.fullmatch(r"#|-|!|\d+\.", tokens[0]) else []
        rest = tokens[len(head) :]
        shuffle(rest)
        lines.append(indent + " ".join(head + rest))
    return "\n".join(lines)


def scanned_guide(pages: int = 2) -> bytes:
    """The first pages of a sample guide as a scanner gives them: pictures at 200 dpi."""
    document = pdfium.PdfDocument(ROOT / "guides" / "pembuatan-paspor.id.pdf")
    pdf = FPDF(unit="pt", format="A4")
    for index in range(pages):
        image = document[index].render(scale=200 / 72, grayscale=True).to_pil()
        png = io.BytesIO()
        image.save(png, "PNG")
        pdf.add_page()
        pdf.image(io.BytesIO(png.getvalue()), x=0, y=0, w=pdf.w, h=pdf.h)
    document.close()
    return bytes(pdf.output())


def text_timings(runs: int) -> Figures:
    data = ten_page_guide()
    wall, inside = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            store = TextStore(Path(folder))
            started = time.perf_counter()
            text = store.make(sha256_hex(data), data)
            wall.append(time.perf_counter() - started)
            inside.append(text.seconds)
    scan = scanned_guide(1 if runs == 1 else 2)
    ocr = [extract(scan, ocr=True)["ocr_seconds_per_page"] for _ in range(max(1, runs // 2))]
    return {
        "pages": 10,
        "runs": runs,
        "seconds_with_child_median": round(median(wall), 3),
        "seconds_with_child_worst": round(max(wall), 3),
        "seconds_reading_median": round(median(inside), 3),
        "budget_seconds": TEXT_BUDGET_SECONDS,
        "within_budget": max(wall) <= TEXT_BUDGET_SECONDS,
        "ocr_seconds_per_page_median": round(median(ocr), 2),
        "ocr_pages_each_run": 1 if runs == 1 else 2,
    }


def page_sizes(server: Running) -> Figures:
    guides = json.loads(fetch(server.port, "/api/guides", accept_encoding="identity").body)
    sizes = {}
    for guide in guides["guides"]:
        for url in guide["urls"].values():
            answer = fetch(server.port, url, accept_encoding="br, gzip")
            head = len(f"HTTP/1.1 {answer.status} OK\r\n") + 2
            head += sum(len(k) + len(v) + 4 for k, v in answer.headers)
            assert b"guide-text" in _decoded(server, url), f"{url} has no text version"
            sizes[url] = {"body": len(answer.body), "on_the_wire": len(answer.body) + head}
    worst = max(s["on_the_wire"] for s in sizes.values())
    return {
        "pages": sizes,
        "largest_on_the_wire": worst,
        "budget_bytes": PAGE_BUDGET_BYTES,
        "within_budget": worst <= PAGE_BUDGET_BYTES,
    }


def _decoded(server: Running, url: str) -> bytes:
    return fetch(server.port, url, accept_encoding="identity").body


async def _first_text_once(port: int) -> dict[str, float]:
    async with (
        throttled(port, SLOW_BITS_PER_SECOND, SLOW_RTT_SECONDS) as (proxy, slow_port),
        async_playwright() as playwright,
    ):
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(
                viewport={"width": 360, "height": 640}, locale="id-ID", is_mobile=True
            )
            page = await context.new_page()
            cdp = await context.new_cdp_session(page)
            await cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
            await page.goto(
                f"http://127.0.0.1:{slow_port}/?src=qr", wait_until="commit", timeout=_WAIT_MS
            )
            # Times in the browser's own clock, from the start of the navigation to /?src=qr.
            landing = await page.evaluate("performance.timeOrigin")
            await page.wait_for_function(_PAINTED, timeout=_WAIT_MS, polling=20)
            button_painted = await page.evaluate(_FCP)
            # The tap, as soon as the red buttons are painted: a plain touch where the button
            # is (Playwright's click() would first wait for frames, scrolling and checks).
            box = await page.locator("nav.buttons a.btn[data-saved-key]").first.bounding_box()
            assert box is not None, "no red button on the first screen"
            await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            await page.locator(FIRST_TEXT).first.wait_for(state="visible", timeout=_WAIT_MS)
            await page.wait_for_function(_PAINTED, timeout=_WAIT_MS, polling=20)
            tapped = await page.evaluate("performance.timeOrigin")
            text_painted = await page.evaluate(_FCP)
            in_view = await page.evaluate(_FIRST_TEXT_IN_VIEW, FIRST_TEXT)
            assert in_view, "the first section's text is not on the first screen"
            return {
                "buttons_painted": (button_painted - landing) / 1000,
                "tap_at": (tapped - landing) / 1000,
                "first_text_at": (text_painted - landing) / 1000,
                "first_text_after_tap": (text_painted - tapped) / 1000,
                "bytes_down": proxy.bytes_down,
            }
        finally:
            await browser.close()


def first_text_timings(server: Running, runs: int) -> Figures:
    found = [asyncio.run(_first_text_once(server.port)) for _ in range(runs)]
    seconds = [run["first_text_at"] for run in found]
    return {
        "network": f"{SLOW_BITS_PER_SECOND // 1000} kbps, {int(SLOW_RTT_SECONDS * 1000)} ms RTT",
        "cpu_slowdown": CPU_SLOWDOWN,
        "runs": runs,
        "buttons_painted_median": round(median([r["buttons_painted"] for r in found]), 2),
        "tap_at_median": round(median([r["tap_at"] for r in found]), 2),
        "first_text_after_tap_median": round(median([r["first_text_after_tap"] for r in found]), 2),
        "first_text_median": round(median(seconds), 2),
        "first_text_worst": round(max(seconds), 2),
        "first_text_each": [round(s, 2) for s in seconds],
        "bytes_down_median": int(statistics.median(r["bytes_down"] for r in found)),
        "budget_seconds": FIRST_TEXT_BUDGET_SECONDS,
        "within_budget": statistics.median(seconds) <= FIRST_TEXT_BUDGET_SECONDS,
    }


def measure_guide_text(plan: Plan, runs: int | None = None) -> Figures:
    runs = runs or (1 if plan.quick else 5)
    work = plan.work_dir / "guide-text"
    work.mkdir(parents=True)
    guides = copy_sample_guides(work / "guides")
    (guides / "sepuluh-halaman.id.pdf").write_bytes(ten_page_guide())
    server, _ = start_ours(guides, work / "data", work / "server.log", SAMPLE_OFFICE)
    try:
        sizes = page_sizes(server)
        first = first_text_timings(server, runs)
    finally:
        server.stop()
    return {"page_size": sizes, "first_text": first, "making_text": text_timings(runs)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-guide-text-"))
    try:
        figures = measure_guide_text(Plan.full(work), args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
