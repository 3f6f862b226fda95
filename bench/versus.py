"""Ours from several checkouts, each beside its uvicorn floor, and nginx: one interleaved run.

`python -m bench.versus [--seconds 5] [--runs 3] label=folder ...` (a bare `label` is this
checkout; `label=@REV` exports git revision REV into a temporary folder). For the landing
page, the sample guide PDF and a generated 2 MiB PDF, every server is measured with
wrk -t2 -c50, runs interleaved (server order rotated each run), so that the machine's other
load falls on all alike. Each checkout's ours is compared with the floor app serving that
checkout's own bytes under that checkout's protocol class; nginx serves the last checkout's
bytes. Besides req/s and p50/p99, each run records the 1-minute load average at its start and
the cores other work used during it (`bench/checkouts.py`), and each server's CPU time per
answer, which other load hardly moves (floor/ours CPU is what ours/floor req/s would be on
a core of its own). Writes
`bench/results/versus-<time>.json` and `.md` and prints the table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.checkouts import Checkout, OtherLoad, export_revision, parse_checkout
from bench.floor_app import write_floor
from bench.guides import SAMPLE_OFFICE, copy_sample_guides, make_guides_folder
from bench.mirror import nginx_config
from bench.plan import MIB
from bench.report import FLOOR_BUDGET, P99_BUDGET_MS
from bench.servers import (
    Response,
    Running,
    ServerError,
    child_pids,
    fetch,
    settled,
    start_floor,
    start_nginx,
    start_ours,
)
from bench.steps import Figures, median
from bench.throughput import Target, discover_targets, snapshot
from bench.wrk import WrkError, run_wrk
from server.settings import PROJECT_ROOT
from testkit.server import free_port

CONNECTIONS, THREADS, WARMUP_SECONDS = 50, 2, 2
NGINX = "nginx"
RESULTS = PROJECT_ROOT / "bench" / "results"


@dataclass
class Measured:
    """A server's wrk runs on one URL, with the machine's other load during each."""

    rps: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    load_average_1m: list[float] = field(default_factory=list)
    other_cores: list[float] = field(default_factory=list)
    # The server's CPU time per answer: far steadier than req/s when other work shares the
    # cores, since a server kept off the CPU uses none.
    cpu_us: list[float] = field(default_factory=list)

    def summary(self) -> Figures:
        return {
            "requests_per_second": round(median(self.rps), 1),
            "p50_ms": round(median(self.p50_ms), 3),
            "p99_ms": round(median(self.p99_ms), 3),
            "runs_rps": self.rps,
            "runs_p99_ms": self.p99_ms,
            "load_average_1m": self.load_average_1m,
            "other_cores": [round(c, 2) for c in self.other_cores],
            "cpu_us_per_request": round(median(self.cpu_us), 2),
            "runs_cpu_us": [round(c, 2) for c in self.cpu_us],
        }


def _pids(server: Running) -> list[int]:
    return [server.pid, *child_pids(server.pid)]


def _floor_key(checkout: Checkout, answers: dict[str, Response]) -> str:
    """Two checkouts with the same protocol class and the same bytes share one floor."""
    digest = hashlib.sha256()
    for name in ("server/http_guard.py", "bench/floor_app.py"):
        digest.update((checkout.source / name).read_bytes())
    for path in sorted(answers):
        digest.update(path.encode() + answers[path].body + repr(answers[path].headers).encode())
    return digest.hexdigest()


def _measure_set(
    checkouts: list[Checkout],
    guides: Path,
    work: Path,
    wanted: dict[str, str],
    seconds: int,
    runs: int,
) -> Figures:
    """Every checkout's ours and floor, and nginx, on the URLs in `wanted` (label → row)."""
    work.mkdir(parents=True)
    servers: dict[str, Running] = {}
    try:
        targets: list[Target] = []
        floors: dict[str, str] = {}  # floor key → server name
        floor_of: dict[str, str] = {}  # checkout label → its floor's server name
        last: dict[str, Response] = {}
        for checkout in checkouts:
            ours, _ = start_ours(
                guides,
                work / f"data-{checkout.label}",
                work / f"ours-{checkout.label}.log",
                SAMPLE_OFFICE,
                ready=settled,
                source=checkout.source,
            )
            servers[f"ours {checkout.label}"] = ours
            found, _missing = discover_targets(ours.port)
            here = [Target(wanted[t.label], t.path) for t in found if t.label in wanted]
            if not targets:
                targets = here
            elif [t.path for t in here] != [t.path for t in targets]:
                raise WrkError(f"{checkout.label} serves other URLs: {here} vs {targets}")
            last = snapshot(ours.port, targets)
            key = _floor_key(checkout, last)
            if key not in floors:
                answers = {path: (r.headers, r.body) for path, r in last.items()}
                floor_root = write_floor(answers, work / f"floor-{checkout.label}")
                name = f"floor {checkout.label}"
                servers[name] = start_floor(
                    floor_root, work / f"{name}.log", source=checkout.source
                )
                floors[key] = name
            floor_of[checkout.label] = floors[key]
        port = free_port()
        config_dir = work / "nginx"
        config_dir.mkdir(parents=True)
        config = nginx_config(last, config_dir, port)
        servers[NGINX] = start_nginx(config_dir, config, port, work / "nginx.log")
        for name, server in servers.items():
            for path, answer in last.items():
                theirs = fetch(server.port, path)
                if theirs.status != 200 or len(theirs.body) != len(answer.body):
                    raise ServerError(
                        f"{name} answers {path} with {theirs.status}, "
                        f"{len(theirs.body)} bytes, not {len(answer.body)}"
                    )
        measured = _interleaved(servers, targets, seconds, runs)
    finally:
        for server in servers.values():
            server.stop()
    rows: Figures = {}
    for target in targets:
        by_server = {name: m.summary() for name, m in measured[target.label].items()}
        row: Figures = {"path": target.path, "servers": by_server}
        nginx = by_server[NGINX]
        for checkout in checkouts:
            mine = by_server[f"ours {checkout.label}"]
            floor = by_server[floor_of[checkout.label]]
            row[checkout.label] = {
                "ours/floor": round(mine["requests_per_second"] / floor["requests_per_second"], 3),
                "ours/nginx": round(mine["requests_per_second"] / nginx["requests_per_second"], 3),
                "ours_p99_ms": mine["p99_ms"],
                "floor_p99_ms": floor["p99_ms"],
                "nginx_p99_ms": nginx["p99_ms"],
                "ours_p99/floor_p99": round(mine["p99_ms"] / floor["p99_ms"], 3),
                "floor_cpu/ours_cpu": round(
                    floor["cpu_us_per_request"] / mine["cpu_us_per_request"], 3
                ),
                "floor": floor_of[checkout.label],
            }
        rows[target.label] = row
    return rows


def _interleaved(
    servers: dict[str, Running], targets: list[Target], seconds: int, runs: int
) -> dict[str, dict[str, Measured]]:
    names = list(servers)
    measured = {t.label: {n: Measured() for n in names} for t in targets}
    for target in targets:
        for name in names:
            run_wrk(servers[name].url + target.path, WARMUP_SECONDS, CONNECTIONS, THREADS)
    for run in range(runs):
        order = names[run % len(names) :] + names[: run % len(names)]
        for target in targets:
            for name in order:
                load = OtherLoad(_pids(servers[name]))
                result = run_wrk(servers[name].url + target.path, seconds, CONNECTIONS, THREADS)
                if result.errors:
                    raise WrkError(f"{name} answered {target.path} with {result.errors} errors")
                m = measured[target.label][name]
                m.rps.append(result.requests_per_second)
                m.p50_ms.append(result.p50_ms)
                m.p99_ms.append(result.p99_ms)
                m.load_average_1m.append(load.load_average_1m)
                m.other_cores.append(load.cores())
                m.cpu_us.append(load.server_seconds() / max(result.requests, 1) * 1e6)
    return measured


def measure(checkouts: list[Checkout], seconds: int, runs: int) -> Figures:
    with tempfile.TemporaryDirectory(prefix="bk-versus-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # nginx's workers (user nobody when run as root) read its files
        sample = _measure_set(
            checkouts,
            copy_sample_guides(work / "guides"),
            work / "sample",
            {"landing page /": "landing page /", "guide PDF": "sample guide PDF"},
            seconds,
            runs,
        )
        large = _measure_set(
            checkouts,
            make_guides_folder(work / "large-guides", 1, 2 * MIB),
            work / "large",
            {"guide PDF": "2 MiB guide PDF"},
            seconds,
            runs,
        )
    return {**sample, **large}


def markdown(rows: Figures, checkouts: list[Checkout], seconds: int, runs: int) -> str:
    lines = [
        f"wrk -t{THREADS} -c{CONNECTIONS}, {runs} interleaved runs of {seconds} s per server "
        f"and URL, medians; loopback; budgets: ours/floor ≥ {FLOOR_BUDGET}, "
        f"p99 ≤ {P99_BUDGET_MS} ms.",
        "",
        "| URL | checkout | ours req/s | ours/floor | ours/nginx | p99 ours ms | p99 floor ms "
        "| p99 nginx ms | ours p99/floor p99 | CPU µs/req ours, floor | floor/ours CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    loads: list[float] = []
    others: list[float] = []
    for label, row in rows.items():
        for server in row["servers"].values():
            loads += server["load_average_1m"]
            others += server["other_cores"]
        for checkout in checkouts:
            c = row[checkout.label]
            ours = row["servers"][f"ours {checkout.label}"]
            lines.append(
                f"| {label} | {checkout.label} | {ours['requests_per_second']:,.0f} "
                f"| {c['ours/floor']:.2f}x | {c['ours/nginx']:.2f}x | {c['ours_p99_ms']:.2f} "
                f"| {c['floor_p99_ms']:.2f} | {c['nginx_p99_ms']:.2f} "
                f"| {c['ours_p99/floor_p99']:.2f} "
                f"| {ours['cpu_us_per_request']:.1f}, "
                f"{row['servers'][c['floor']]['cpu_us_per_request']:.1f} "
                f"| {c['floor_cpu/ours_cpu']:.2f}x |"
            )
    lines += [
        "",
        f"1-minute load average at the start of each wrk run (the runs themselves add about 3): "
        f"median {median(loads):.2f}, range {min(loads):.2f} to {max(loads):.2f}. Cores used by "
        f"other work during the runs: median {median(others):.2f}, "
        f"range {min(others):.2f} to {max(others):.2f} (of 2).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.versus", description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("checkouts", nargs="+", help="label, label=folder or label=@revision")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bk-checkouts-") as tmp:
        checkouts = []
        for text in args.checkouts:
            label, _, where = text.partition("=")
            if where.startswith("@"):
                where = str(export_revision(where[1:], Path(tmp) / label))
            checkouts.append(parse_checkout(f"{label}={where}" if where else label))
        started = datetime.now(UTC)
        rows = measure(checkouts, args.seconds, args.runs)
    table = markdown(rows, checkouts, args.seconds, args.runs)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    sources = {c.label: str(c.source) for c in checkouts}
    (RESULTS / f"versus-{stamp}.json").write_text(
        json.dumps({"started": started.isoformat(), "checkouts": sources, "rows": rows}, indent=1)
    )
    (RESULTS / f"versus-{stamp}.md").write_text(f"Run {started.isoformat()}\n\n{table}")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
