"""Times the offline PWA in headless Debian chromium, on loopback, against a real server.

Three figures, each over several fresh runs (median and worst):
1. launch to control: from launching the browser until the service worker controls `/`;
2. offline reopen: from relaunching the browser (server killed) until an opened guide's
   PDF has arrived again, through `/`, the guide page and its button;
3. update served: from starting the server with a changed guide until the page holds the new
   PDF from its cache, through the update prompt and its reload.

Usage: .venv/bin/python bench/pwa_timings.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Playwright, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testkit.browser import (  # noqa: E402
    SAVED,
    WAIT_MS,
    browser_on,
    fetch_in_page,
    guide_files,
    open_guide,
    wait_for_control,
)
from testkit.pdfs import make_pdf  # noqa: E402
from testkit.server import start_server  # noqa: E402

GUIDE = "/guides/antrian-paspor"
GUIDE_KEY = "antrian-paspor.id"


def one_run(playwright: Playwright, work: Path) -> dict[str, float]:
    guides = work / "guides"
    shutil.copytree(ROOT / "guides", guides)
    office = ROOT / "office.toml"
    server = start_server(guides, office, work / "data", work / "server.log")
    timings: dict[str, float] = {}
    with browser_on(playwright, work / "profile") as browser:
        started = time.perf_counter()
        page = browser.launch()
        page.goto(server.url + "/")
        wait_for_control(page)
        timings["launch_to_control"] = time.perf_counter() - started

        open_guide(page, server.url, GUIDE)
        browser.close()
        server.kill()
        started = time.perf_counter()
        page = browser.launch()
        page.goto(server.url + "/")
        page.click(f'a[href="{GUIDE}"]')
        with page.expect_navigation() as opened:
            page.click("a[data-guide-file]")
        response = opened.value
        assert response is not None and response.status == 200
        response.finished()
        timings["offline_reopen"] = time.perf_counter() - started

        (guides / "antrian-paspor.id.pdf").write_bytes(make_pdf("Antrian Paspor, edisi baru", 2))
        started = time.perf_counter()
        restarted = start_server(guides, office, work / "data", work / "server.log", server.port)
        try:
            timings["update_server_up"] = time.perf_counter() - started
            new = guide_files(restarted.url)[GUIDE_KEY]
            page.goto(restarted.url + GUIDE)
            expect(page.locator("#update-prompt")).to_be_visible(timeout=WAIT_MS)
            timings["update_prompt_shown"] = time.perf_counter() - started
            page.locator("#update-prompt button").click()
            expect(page.locator("a[data-guide-file]")).to_have_attribute("href", new["url"])
            expect(page.locator("#offline-status")).to_have_class(SAVED)
            fetched = fetch_in_page(page, new["url"])
            assert fetched["sha256"] == new["sha256"]
            timings["update_served"] = time.perf_counter() - started
        finally:
            restarted.kill()
    return timings


def summarise(runs: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    return {
        name: {
            "median_ms": round(statistics.median(run[name] for run in runs) * 1000),
            "max_ms": round(max(run[name] for run in runs) * 1000),
        }
        for name in runs[0]
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time the offline PWA in headless chromium.")
    parser.add_argument("--runs", type=int, default=5, help="fresh runs to time [5]")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "pwa.json", help="JSON results"
    )
    args = parser.parse_args(argv)
    runs = []
    with sync_playwright() as playwright:
        for number in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(one_run(playwright, Path(tmp)))
            print(
                f"run {number + 1}: "
                + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in runs[-1].items())
            )
    summary = summarise(runs)
    for name, figures in summary.items():
        print(f"{name:<22} median {figures['median_ms']:>6} ms   max {figures['max_ms']:>6} ms")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"runs": runs, "summary": summary}, indent=1) + "\n")


if __name__ == "__main__":
    main()
