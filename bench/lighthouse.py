"""Lighthouse (npm, installed in bench/node_modules) with its mobile preset on Debian's chromium."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from bench.catalog import wait_all_reader_pages
from bench.guides import SAMPLE_OFFICE, copy_sample_guides
from bench.plan import Plan
from bench.servers import fetch, start_ours
from bench.steps import Figures, median

BENCH_DIR = Path(__file__).resolve().parent
LIGHTHOUSE = BENCH_DIR / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
_METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)


def lighthouse_version() -> str:
    package = BENCH_DIR / "node_modules" / "lighthouse" / "package.json"
    try:
        version: str = json.loads(package.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "not installed"
    return version


def run_lighthouse(url: str, out: Path) -> dict[str, Any]:
    if not LIGHTHOUSE.exists():
        raise RuntimeError(
            "Lighthouse is not installed: run `npm ci --prefix bench` (make bench does)"
        )
    argv = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    env = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=240, env=env)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse exited with {done.returncode}: {done.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse: {report['runtimeError']}")
    return report


def _missed_audits(report: dict[str, Any], category: str) -> list[str]:
    """The weighted audits of a category that did not score full marks."""
    audits = report["audits"]
    missed = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
            missed.append(f"{ref['id']} ({audit['score']})")
    return missed


def _page_scores(reports: list[dict[str, Any]]) -> Figures:
    scores = {
        category: round(
            100 * median([float(r["categories"][category]["score"] or 0) for r in reports])
        )
        for category in CATEGORIES
    }
    metrics = {
        metric: round(median([float(r["audits"][metric]["numericValue"]) for r in reports]), 3)
        for metric in _METRICS
    }
    last = reports[-1]
    return {
        "scores": scores,
        "runs": [
            {c: round(100 * float(r["categories"][c]["score"] or 0)) for c in CATEGORIES}
            for r in reports
        ],
        "metrics": metrics,
        "form_factor": last["configSettings"]["formFactor"],
        "missed_audits": {c: _missed_audits(last, c) for c in CATEGORIES},
    }


def measure_lighthouse(plan: Plan) -> Figures:
    work = plan.work_dir / "lighthouse"
    work.mkdir(parents=True)
    guides = copy_sample_guides(work / "guides")
    server, _ = start_ours(guides, work / "data", work / "server.log", SAMPLE_OFFICE)
    try:
        # Measure the site as applicants meet it: while the first start still renders reader
        # pages, each one finished is a new sw.js, and the page offers that update.
        wait_all_reader_pages(server, timeout=300)
        catalog = json.loads(fetch(server.port, "/api/guides", accept_encoding="identity").body)
        pages = {"/": "/", "guide page": catalog["guides"][0]["urls"]["id"]}
        figures: Figures = {"lighthouse": lighthouse_version()}
        for label in plan.lighthouse_pages:
            path = pages[label]
            reports = [
                run_lighthouse(server.url + path, work / f"{label.replace('/', 'root')}-{n}.json")
                for n in range(plan.lighthouse_runs)
            ]
            figures[label] = {"path": path, **_page_scores(reports)}
        return figures
    finally:
        server.stop()
