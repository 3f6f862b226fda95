"""Peak memory (VmHWM) of the server with the sample guides and with many large generated ones."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench.catalog import wait_all_reader_pages
from bench.guides import SAMPLE_OFFICE, copy_sample_guides, generated_guides, guide_count
from bench.plan import Plan
from bench.servers import Running, child_pids, fetch, serving_guides, start_ours
from bench.steps import Figures
from bench.wrk import run_wrk


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size so far, in MB (10^6 bytes)."""
    return round(_status_kib(pid, "VmHWM") * 1024 / 1e6, 1)


def rss_mb(pid: int) -> float:
    return round(_status_kib(pid, "VmRSS") * 1024 / 1e6, 1)


def render_child_peak_mb(log: Path) -> float | None:
    """The largest peak of the reader's render child processes, as the server logged them."""
    peaks = [
        int(match.group(1)) * 1024 * 1024 / 1e6
        for match in re.finditer(r"render child's peak memory: (\d+) MB", log.read_text())
    ]
    return round(max(peaks), 1) if peaks else None


def workers_peak_rss_mb(pid: int) -> float:
    """A master process and its workers together (nginx), in MB."""
    return round(sum(peak_rss_mb(p) for p in [pid, *child_pids(pid)]), 1)


def public_paths(port: int) -> list[str]:
    """Every page and guide file an applicant could fetch, from the catalog API."""
    catalog = json.loads(fetch(port, "/api/guides", accept_encoding="identity").body)
    paths = ["/", "/en/", "/offline", "/en/offline", "/api/guides", "/sw.js"]
    for guide in catalog["guides"]:
        paths.extend(guide["urls"].values())
        paths.extend(f["url"] for f in guide["files"].values())
    return paths


def exercise(server: Running, plan: Plan) -> Figures:
    """Fetch every public path once, then load the landing page and a PDF with wrk."""
    paths = public_paths(server.port)
    served = sum(1 for path in paths if fetch(server.port, path, timeout=30).status == 200)
    pdfs = [p for p in paths if p.startswith("/files/")]
    for path in ["/", *pdfs[:1]]:
        run_wrk(server.url + path, plan.wrk_seconds, plan.connections, plan.threads)
    return {"paths_fetched": len(paths), "paths_answering_200": served}


def _measure(guides: Path, data: Path, log: Path, plan: Plan, expect: int) -> Figures:
    server, startup = start_ours(
        guides,
        data,
        log,
        SAMPLE_OFFICE,
        ready=serving_guides(expect),
    )
    try:
        after_start = peak_rss_mb(server.pid)
        # Rendering reader pages is part of starting with new guides; let it finish.
        wait_all_reader_pages(server, timeout=900)
        exercised = exercise(server, plan)
        return {
            "guides": expect,
            "startup_seconds": round(startup, 3),
            "peak_rss_mb_after_start": after_start,
            "peak_rss_mb_after_load": peak_rss_mb(server.pid),
            "rss_mb_at_end": rss_mb(server.pid),
            # Pages render in a short-lived child process, apart from the server's own.
            "render_child_peak_rss_mb": render_child_peak_mb(log),
            **exercised,
        }
    finally:
        server.stop()


def measure_memory(plan: Plan) -> Figures:
    work = plan.work_dir / "memory"
    work.mkdir(parents=True)
    sample = copy_sample_guides(work / "sample-guides")
    generated = generated_guides(plan.work_dir, plan.generated_guides, plan.generated_size)
    return {
        "sample guides": _measure(
            sample, work / "data-sample", work / "sample.log", plan, guide_count(sample)
        ),
        f"{plan.generated_guides} generated guides": {
            **_measure(
                generated,
                work / "data-generated",
                work / "generated.log",
                plan,
                plan.generated_guides,
            ),
            "pdf_bytes_each": plan.generated_size,
        },
    }
