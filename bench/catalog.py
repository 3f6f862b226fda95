"""Catalog work: a dropped PDF until served, publishing a large PDF, starting with many guides."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.guides import SAMPLE_OFFICE, copy_sample_guides, generated_guides, make_pdf
from bench.plan import Plan
from bench.servers import Running, fetch, serving_guides, start_ours
from bench.steps import Figures, median, unavailable

_POLL = 0.005
_SERVED_TIMEOUT = 60.0


def _catalog(server: Running) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(
        fetch(server.port, "/api/guides", accept_encoding="identity").body
    )
    return loaded


def _served_file(server: Running, slug: str, lang: str, sha256: str) -> str | None:
    """The file's URL once the catalog lists that exact version and its bytes come back whole."""
    for guide in _catalog(server)["guides"]:  # type: ignore[attr-defined]
        if guide["slug"] != slug or lang not in guide["files"]:
            continue
        entry = guide["files"][lang]
        if entry["sha256"] != sha256:
            return None
        answer = fetch(server.port, entry["url"], accept_encoding="identity")
        page = fetch(server.port, guide["urls"][lang])
        if answer.status == 200 and hashlib.sha256(answer.body).hexdigest() == sha256:
            return str(entry["url"]) if page.status == 200 else None
    return None


def _wait_served(server: Running, slug: str, lang: str, sha256: str, since: float) -> float:
    deadline = since + _SERVED_TIMEOUT
    while time.monotonic() < deadline:
        if _served_file(server, slug, lang, sha256) is not None:
            return time.monotonic() - since
        time.sleep(_POLL)
    raise TimeoutError(f"{slug}.{lang} was not served within {_SERVED_TIMEOUT}s:\n{server.log()}")


def measure_drops(plan: Plan, server: Running, guides: Path) -> Figures:
    """Copy a new PDF into guides/ (complete, by rename) and time until it is served."""
    times = []
    for number in range(1, plan.drops + 1):
        slug = f"bench-drop-{number}"
        data = make_pdf(plan.generated_size, f"Dropped {number}", seed=1000 + number)
        partial = guides / f".{slug}.id.pdf.part"
        partial.write_bytes(data)
        started = time.monotonic()
        os.replace(partial, guides / f"{slug}.id.pdf")
        times.append(_wait_served(server, slug, "id", hashlib.sha256(data).hexdigest(), started))
    return {
        "pdf_bytes": plan.generated_size,
        "drops": len(times),
        "median_seconds": round(median(times), 3),
        "max_seconds": round(max(times), 3),
        "seconds": [round(t, 3) for t in times],
    }


def _has_publish_command() -> bool:
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "publish", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.returncode == 0


def wait_all_reader_pages(server: Running, timeout: float) -> float | None:
    """Wait until /api/guides lists reader pages for every file; the seconds since launch.

    None where the catalog API lists no reader pages at all (no in-app reader).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = [f for g in _catalog(server)["guides"] for f in g["files"].values()]  # type: ignore[attr-defined]
        if not any("reader" in f for f in files):
            return None
        if all(f.get("reader") for f in files):
            return time.monotonic() - server.started
        time.sleep(0.1)
    raise TimeoutError(f"reader pages not rendered within {timeout}s:\n{server.log()}")


def _reader_pages_shown(server: Running) -> bool:
    """Whether any guide page links rendered reader pages (the in-app reader) right now."""
    for guide in _catalog(server)["guides"]:  # type: ignore[attr-defined]
        page = fetch(server.port, guide["urls"]["id"], accept_encoding="identity").body
        if b"/reader/" in page:
            return True
    return False


def _wait_reader_pages(
    server: Running, slug: str, sha256: str, since: float, timeout: float
) -> float | None:
    """Seconds from `since` until the guide page links this version's reader pages."""
    marker = f"/reader/{sha256[:16]}/".encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = fetch(server.port, f"/guides/{slug}", accept_encoding="identity").body
        if marker in page:
            return time.monotonic() - since
        time.sleep(0.05)
    return None


def measure_publish(plan: Plan, server: Running, guides: Path, data_dir: Path) -> Figures:
    """`bilang-karyo publish` of a large PDF, timed until served (and its reader pages)."""
    if not _has_publish_command():
        return unavailable("`bilang-karyo publish` does not exist yet (issue 4)")
    # The sample guides were rendered while the drops were measured, if reader pages exist.
    reader_shown = _reader_pages_shown(server)
    guide = _catalog(server)["guides"][0]  # type: ignore[index]
    slug = guide["slug"]
    pdf = plan.work_dir / "publish.pdf"
    data = make_pdf(plan.publish_size, "Published", seed=4242)
    pdf.write_bytes(data)
    sha256 = hashlib.sha256(data).hexdigest()
    started = time.monotonic()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "publish",
            str(pdf),
            "--guide",
            slug,
            "--lang",
            "id",
            "--guides",
            str(guides),
            "--data",
            str(data_dir),
            "--office",
            str(SAMPLE_OFFICE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    command_seconds = time.monotonic() - started
    if out.returncode != 0:
        raise RuntimeError(f"publish exited with {out.returncode}: {out.stderr or out.stdout}")
    served = _wait_served(server, slug, "id", sha256, started)
    figures: Figures = {
        "pdf_bytes": len(data),
        "command_seconds": round(command_seconds, 3),
        "served_seconds": round(served, 3),
    }
    # Rendering is expected to take a while; where no page shows reader pages at all,
    # a short look suffices to say so.
    grace = 1 if plan.quick else 5
    reader = _wait_reader_pages(server, slug, sha256, started, 300 if reader_shown else grace)
    if reader is None and reader_shown:
        raise TimeoutError(f"no reader pages for the published PDF in 300s:\n{server.log()}")
    figures["reader_pages_seconds"] = (
        round(reader, 3)
        if reader is not None
        else unavailable("guide pages show no reader pages (issue 5)")
    )
    return figures


def measure_startup(plan: Plan) -> Figures:
    """Launch until `/healthz` reports every generated guide: first start, then a restart."""
    work = plan.work_dir / "startup"
    work.mkdir(parents=True)
    guides = generated_guides(plan.work_dir, plan.generated_guides, plan.generated_size)
    count = plan.generated_guides

    figures: Figures = {"guides": count, "pdf_bytes_each": plan.generated_size}
    for label in ("first start (empty data folder)", "restart"):
        server, seconds = start_ours(
            guides, work / "data", work / "server.log", SAMPLE_OFFICE, ready=serving_guides(count)
        )
        try:
            rendered = wait_all_reader_pages(server, timeout=900)
        finally:
            server.stop()
        figures[label] = {
            "seconds": round(seconds, 3),
            "reader_pages_seconds": round(rendered, 3)
            if rendered is not None
            else unavailable("/api/guides lists no reader pages (issue 5)"),
        }
    return figures


def measure_catalog(plan: Plan) -> Figures:
    work = plan.work_dir / "catalog"
    work.mkdir(parents=True)
    guides = copy_sample_guides(work / "guides")
    data_dir = work / "data"
    server, _ = start_ours(guides, data_dir, work / "server.log", SAMPLE_OFFICE)
    try:
        drops = measure_drops(plan, server, guides)
        publish = measure_publish(plan, server, guides, data_dir)
    finally:
        server.stop()
    return {
        "dropped PDF until served": drops,
        "publish": publish,
        f"start with {plan.generated_guides} guides": measure_startup(plan),
    }
