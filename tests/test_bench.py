"""The bench's quick mode runs every step and reports well-formed figures (never their values)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from server.settings import PROJECT_ROOT

pytestmark = pytest.mark.bench

STEPS = ["throughput", "scaling", "memory", "catalog", "download", "lighthouse", "guide_text"]
URLS = [
    "landing page /",
    "landing page /en/",
    "guide page",
    "guide PDF",
    "/sw.js",
    "/api/guides",
    "large guide PDF (2 MiB, generated)",
]
SERVERS = ["bilang-karyo", "nginx", "naive StaticFiles", "uvicorn floor"]


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def test_quick_bench_runs_every_step_with_well_formed_figures(tmp_path: Path) -> None:
    # One test, so that pytest-xdist runs the bench once rather than once per worker.
    run = _quick_run(tmp_path)
    _check_steps(run)
    _check_throughput(run)
    _check_scaling(run)
    _check_memory_and_catalog(run)
    _check_downloads(run)
    _check_lighthouse_and_report(run)
    _check_guide_text(run)


def _check_guide_text(run: dict[str, Any]) -> None:
    figures = _figures(run, "guide_text")
    pages = figures["page_size"]["pages"]
    assert pages and all(_positive(p["on_the_wire"]) for p in pages.values())
    first = figures["first_text"]
    assert (
        _positive(first["first_text_median"])
        and first["first_text_median"] > first["tap_at_median"]
    )
    making = figures["making_text"]
    assert making["pages"] == 10 and _positive(making["seconds_with_child_median"])
    assert _positive(making["ocr_seconds_per_page_median"])
    assert "first section text" in run["markdown"]


def _quick_run(out: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"bench --quick failed:\n{done.stdout}\n{done.stderr}"
    run: dict[str, Any] = json.loads((out / "latest.json").read_text())
    run["markdown"] = (out / "latest.md").read_text()
    return run


def _figures(run: dict[str, Any], name: str) -> dict[str, Any]:
    step = next(s for s in run["steps"] if s["name"] == name)
    assert step["status"] == "ok", f"{name}: {step['status']}: {step['reason']}"
    figures: dict[str, Any] = step["figures"]
    return figures


def _check_steps(run: dict[str, Any]) -> None:
    assert [s["name"] for s in run["steps"]] == STEPS
    assert [s["status"] for s in run["steps"]] == ["ok"] * len(STEPS)
    assert run["quick"] is True


def _check_throughput(run: dict[str, Any]) -> None:
    urls = _figures(run, "throughput")["urls"]
    assert sorted(urls) == sorted(URLS)
    for label in URLS:
        servers = urls[label]["servers"]
        assert sorted(servers) == sorted(SERVERS), label
        for name in SERVERS:
            figures = servers[name]
            assert _positive(figures["requests_per_second"]), (label, name)
            assert _positive(figures["p50_ms"]) and _positive(figures["p99_ms"]), (label, name)
            assert figures["p50_ms"] <= figures["p99_ms"], (label, name)
            assert figures["errors"] == 0, (label, name)
        for ratio in ("ratio_vs_nginx", "ratio_vs_naive", "ratio_vs_floor"):
            assert _positive(urls[label][ratio]), (label, ratio)
    # The pages and sw.js go out compressed, like to a phone.
    assert urls["landing page /"]["content_encoding"] == "br"
    assert urls["guide PDF"]["content_encoding"] == "identity"


def _check_scaling(run: dict[str, Any]) -> None:
    scaling = _figures(run, "scaling")
    assert sorted(scaling) == ["1 worker(s)", "2 worker(s)"]
    for by_url in scaling.values():
        assert sorted(by_url) == ["landing page /"]
        for figures in by_url.values():
            assert _positive(figures["bilang-karyo"]["requests_per_second"])
            assert _positive(figures["nginx"]["requests_per_second"])
            assert _positive(figures["uvicorn floor"]["requests_per_second"])
            assert _positive(figures["ratio_vs_floor"])


def _check_memory_and_catalog(run: dict[str, Any]) -> None:
    memory = _figures(run, "memory")
    assert sorted(memory) == ["3 generated guides", "sample guides"]
    for figures in memory.values():
        assert _positive(figures["peak_rss_mb_after_start"])
        assert figures["peak_rss_mb_after_load"] >= figures["peak_rss_mb_after_start"]
        assert figures["paths_answering_200"] == figures["paths_fetched"] > 0
    catalog = _figures(run, "catalog")
    assert _positive(catalog["dropped PDF until served"]["median_seconds"])
    publish = catalog["publish"]
    assert _positive(publish["command_seconds"]) and _positive(publish["served_seconds"])
    # The in-app reader (issue 5) exists, so its pages must be timed, not reported missing.
    assert publish["reader_pages_seconds"] >= publish["served_seconds"] > 0
    startup = catalog["start with 3 guides"]
    first = startup["first start (empty data folder)"]
    assert first["reader_pages_seconds"] >= first["seconds"] > 0
    assert _positive(startup["restart"]["seconds"])


def _check_downloads(run: dict[str, Any]) -> None:
    download = _figures(run, "download")
    visit = download["first_visit"]
    assert visit["page_errors"] == []
    assert "/" in visit["page_load"]["by_path"]
    assert _positive(visit["page_load"]["bytes_without_pdfs"])
    installed = visit["with_service_worker_install"]
    assert installed["bytes_without_pdfs"] >= visit["page_load"]["bytes_without_pdfs"]
    assert "/sw.js" in installed["by_path"]
    assert download["shell_precache"]["entries"] > 0
    # "Save all" fetched at least every guide PDF and reader page the catalog lists.
    saved, expected = visit["save_all"]["by_kind"], download["save_all_expected"]
    assert saved["pdf"] >= expected["pdf_bytes"] > 0
    assert saved["reader pages"] >= expected["reader_page_bytes"] > 0


def _check_lighthouse_and_report(run: dict[str, Any]) -> None:
    scores = _figures(run, "lighthouse")["/"]["scores"]
    assert sorted(scores) == ["accessibility", "best-practices", "performance", "seo"]
    assert all(isinstance(v, int) and 0 <= v <= 100 for v in scores.values())
    markdown = run["markdown"]
    assert "## Targets" in markdown
    for target in (
        "≥ 0.85x",
        "≥ 0.35x",
        "≥ 0.6x",
        "≥ 10x",
        "≤ 5 ms",
        "≤ 100 MB",
        "≤ 30 KB",
        "≤ 2 s",
    ):
        assert target in markdown, target
