"""Requests per second and latency with wrk: ours beside nginx, naive StaticFiles and a floor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.floor_app import write_floor
from bench.guides import SAMPLE_OFFICE, copy_sample_guides, make_guides_folder
from bench.memory import peak_rss_mb, workers_peak_rss_mb
from bench.mirror import nginx_config, static_folder
from bench.plan import Plan
from bench.servers import (
    Response,
    Running,
    ServerError,
    fetch,
    settled,
    start_floor,
    start_naive,
    start_nginx,
    start_ours,
)
from bench.steps import Figures, median, unavailable
from bench.wrk import WrkError, WrkResult, run_wrk
from testkit.server import free_port

OURS, NGINX, NAIVE, FLOOR = "bilang-karyo", "nginx", "naive StaticFiles", "uvicorn floor"
LARGE_PDF = "large guide PDF (2 MiB, generated)"


@dataclass(frozen=True)
class Target:
    label: str
    path: str


def discover_targets(port: int) -> tuple[list[Target], Figures]:
    """The URLs the issue names, found on the running server; missing ones are reported."""
    catalog = json.loads(fetch(port, "/api/guides", accept_encoding="identity").body)
    guide = catalog["guides"][0]
    lang = "id" if "id" in guide["files"] else next(iter(guide["files"]))
    wanted = [
        Target("landing page /", "/"),
        Target("landing page /en/", "/en/"),
        Target("guide page", guide["urls"]["id"]),
        Target("guide PDF", guide["files"][lang]["url"]),
        Target("/sw.js", "/sw.js"),
        Target("/api/guides", "/api/guides"),
    ]
    targets, missing = [], {}
    for target in wanted:
        status = fetch(port, target.path).status
        if status == 200:
            targets.append(target)
        else:
            missing[target.label] = unavailable(f"GET {target.path} answers {status}")
    return targets, missing


def snapshot(port: int, targets: list[Target]) -> dict[str, Response]:
    return {t.path: fetch(port, t.path) for t in targets}


@contextmanager
def mirrors(
    snapshots: dict[str, Response], work: Path, workers: int = 1, naive: bool = True
) -> Iterator[dict[str, Running]]:
    """nginx, the floor app (and the naive app) serving the snapshots' bytes; stopped on exit."""
    with ExitStack() as stack:
        port = free_port()
        config_dir = work / f"nginx-{workers}w-{port}"
        config_dir.mkdir(parents=True)
        config = nginx_config(snapshots, config_dir, port, workers)
        servers = {NGINX: start_nginx(config_dir, config, port, work / "nginx.log")}
        stack.callback(servers[NGINX].stop)
        # The floor is every row's baseline (issue 15), with as many workers as ours.
        answers = {path: (r.headers, r.body) for path, r in snapshots.items()}
        floor = write_floor(answers, work / f"floor-{port}")
        servers[FLOOR] = start_floor(floor, work / f"floor-{workers}w.log", workers)
        stack.callback(servers[FLOOR].stop)
        if naive:
            root = static_folder(snapshots, work / f"static-{port}")
            servers[NAIVE] = start_naive(root, work / "naive.log")
            stack.callback(servers[NAIVE].stop)
        _check_same_bytes(snapshots, servers)
        yield servers


def _check_same_bytes(snapshots: dict[str, Response], servers: dict[str, Running]) -> None:
    """Refuse to measure a server that does not send exactly our bytes."""
    for name, server in servers.items():
        for path, ours in snapshots.items():
            theirs = fetch(server.port, path)
            if theirs.status != 200 or theirs.body != ours.body:
                raise ServerError(
                    f"{name} answers {path} with {theirs.status} and {len(theirs.body)} bytes, "
                    f"not 200 and our {len(ours.body)} bytes:\n{server.log()}"
                )
            encoding = ours.header("content-encoding")
            if name == NGINX and theirs.header("content-encoding") != encoding:
                raise ServerError(f"nginx sends {path} without Content-Encoding {encoding}")


def _summary(results: list[WrkResult]) -> Figures:
    return {
        "requests_per_second": round(median([r.requests_per_second for r in results]), 1),
        "p50_ms": round(median([r.p50_ms for r in results]), 3),
        "p99_ms": round(median([r.p99_ms for r in results]), 3),
        "runs": [r.as_dict() for r in results],
        "errors": sum(r.errors for r in results),
    }


def compare(
    plan: Plan, servers: dict[str, Running], targets: list[Target]
) -> dict[str, dict[str, Figures]]:
    """wrk on every target and server, interleaved run by run so noise hits all alike."""
    names = list(servers)
    samples: dict[str, dict[str, list[WrkResult]]] = {
        t.label: {n: [] for n in names} for t in targets
    }
    if plan.wrk_warmup_seconds:
        for target in targets:
            for name in names:
                run_wrk(
                    servers[name].url + target.path,
                    plan.wrk_warmup_seconds,
                    plan.connections,
                    plan.threads,
                )
    for run in range(plan.wrk_runs):
        order = names[run % len(names) :] + names[: run % len(names)]
        for target in targets:
            for name in order:
                result = run_wrk(
                    servers[name].url + target.path,
                    plan.wrk_seconds,
                    plan.connections,
                    plan.threads,
                )
                if result.errors:
                    # An error answer is fast and cheap; counting it would flatter the server.
                    raise WrkError(f"{name} answered {target.path} with {result.errors} errors")
                samples[target.label][name].append(result)
    return {
        label: {name: _summary(results) for name, results in by_server.items()}
        for label, by_server in samples.items()
    }


def _ratio(ours: Figures, other: Figures) -> float:
    return round(float(ours["requests_per_second"]) / float(other["requests_per_second"]), 3)


def _url_figures(
    targets: list[Target], snapshots: dict[str, Response], measured: dict[str, dict[str, Figures]]
) -> Figures:
    urls: Figures = {}
    for target in targets:
        by_server = measured[target.label]
        response = snapshots[target.path]
        urls[target.label] = {
            "path": target.path,
            "body_bytes": len(response.body),
            "content_encoding": response.header("content-encoding") or "identity",
            "servers": by_server,
            "ratio_vs_nginx": _ratio(by_server[OURS], by_server[NGINX]),
            "ratio_vs_naive": _ratio(by_server[OURS], by_server[NAIVE]),
            "ratio_vs_floor": _ratio(by_server[OURS], by_server[FLOOR]),
        }
    return urls


def _large_pdf(plan: Plan, work: Path) -> Figures:
    """The same comparison for one large generated guide PDF; the samples are small."""
    guides = make_guides_folder(work / "large-guides", 1, plan.generated_size)
    ours, _ = start_ours(
        guides, work / "large-data", work / "large.log", SAMPLE_OFFICE, ready=settled
    )
    try:
        targets, _missing = discover_targets(ours.port)
        pdf = [Target(LARGE_PDF, t.path) for t in targets if t.label == "guide PDF"]
        snapshots = snapshot(ours.port, pdf)
        with mirrors(snapshots, work / "large") as others:
            measured = compare(plan, {OURS: ours, **others}, pdf)
    finally:
        ours.stop()
    return _url_figures(pdf, snapshots, measured)


def measure_throughput(plan: Plan) -> Figures:
    work = plan.work_dir / "throughput"
    work.mkdir(parents=True)
    guides = copy_sample_guides(work / "guides")
    ours, _ = start_ours(guides, work / "data", work / "server.log", SAMPLE_OFFICE, ready=settled)
    try:
        targets, missing = discover_targets(ours.port)
        snapshots = snapshot(ours.port, targets)
        with mirrors(snapshots, work) as others:
            servers = {OURS: ours, **others}
            measured = compare(plan, servers, targets)
            nginx_rss = workers_peak_rss_mb(others[NGINX].pid)
        ours_rss = peak_rss_mb(ours.pid)
    finally:
        ours.stop()
    urls = _url_figures(targets, snapshots, measured)
    urls.update(missing)
    urls.update(_large_pdf(plan, work))
    return {
        "wrk": {
            "threads": plan.threads,
            "connections": plan.connections,
            "seconds": plan.wrk_seconds,
            "runs": plan.wrk_runs,
        },
        "urls": urls,
        "peak_rss_mb_after_load": {OURS: ours_rss, "nginx worker(s)": nginx_rss},
    }


def measure_scaling(plan: Plan) -> Figures:
    """The landing page and the guide PDF with 1 and 2 workers, ours and nginx alike."""
    work = plan.work_dir / "scaling"
    work.mkdir(parents=True)
    guides = copy_sample_guides(work / "guides")
    results: Figures = {}
    for workers in (1, 2):
        ours, _ = start_ours(
            guides, work / "data", work / f"server-{workers}.log", SAMPLE_OFFICE, workers=workers
        )
        try:
            targets, _missing = discover_targets(ours.port)
            chosen = [t for t in targets if t.label in plan.scaling_targets]
            with mirrors(snapshot(ours.port, chosen), work, workers, naive=False) as others:
                measured = compare(plan, {OURS: ours, **others}, chosen)
        finally:
            ours.stop()
        results[f"{workers} worker(s)"] = {
            label: {
                OURS: by_server[OURS],
                FLOOR: by_server[FLOOR],
                NGINX: by_server[NGINX],
                "ratio_vs_floor": _ratio(by_server[OURS], by_server[FLOOR]),
                "ratio_vs_nginx": _ratio(by_server[OURS], by_server[NGINX]),
            }
            for label, by_server in measured.items()
        }
    return results
