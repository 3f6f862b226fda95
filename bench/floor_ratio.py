"""Ours against the uvicorn floor alone, for the hot path's budgets (issue 15).

`python -m bench.floor_ratio [seconds] [runs]`: the landing page, the sample guide
PDF and a generated 2 MiB PDF, each served by ours and by the floor app under the
same uvicorn protocol class, wrk runs interleaved; prints the medians and
ours/floor as JSON. Quicker than the whole bench, for profiling work.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from pathlib import Path

from bench.floor_app import write_floor
from bench.guides import SAMPLE_OFFICE, copy_sample_guides, make_guides_folder
from bench.plan import MIB, Plan
from bench.report import FLOOR_BUDGET, P99_BUDGET_MS
from bench.servers import Running, settled, start_floor, start_ours
from bench.steps import Figures
from bench.throughput import FLOOR, OURS, Target, compare, discover_targets, snapshot


def _against_floor(plan: Plan, guides: Path, work: Path, wanted: dict[str, str]) -> Figures:
    work.mkdir(parents=True)
    ours, _ = start_ours(guides, work / "data", work / "ours.log", SAMPLE_OFFICE, ready=settled)
    servers: dict[str, Running] = {OURS: ours}
    try:
        found, _missing = discover_targets(ours.port)
        targets = [Target(wanted[t.label], t.path) for t in found if t.label in wanted]
        snapshots = snapshot(ours.port, targets)
        answers = {path: (r.headers, r.body) for path, r in snapshots.items()}
        servers[FLOOR] = start_floor(write_floor(answers, work / "floor"), work / "floor.log")
        measured = compare(plan, servers, targets)
    finally:
        for server in servers.values():
            server.stop()
    rows: Figures = {}
    for label, by_server in measured.items():
        ours_rps = float(by_server[OURS]["requests_per_second"])
        floor_rps = float(by_server[FLOOR]["requests_per_second"])
        rows[label] = {
            "ours/floor": round(ours_rps / floor_rps, 3),
            "ours_rps": ours_rps,
            "floor_rps": floor_rps,
            "ours_p99_ms": by_server[OURS]["p99_ms"],
            "floor_p99_ms": by_server[FLOOR]["p99_ms"],
            "runs": {name: figures["runs"] for name, figures in by_server.items()},
        }
    return rows


def measure(seconds: int = 5, runs: int = 3) -> Figures:
    with tempfile.TemporaryDirectory(prefix="bk-floor-") as tmp:
        work = Path(tmp)
        plan = Plan.full(work)
        plan = dataclasses.replace(plan, wrk_seconds=seconds, wrk_runs=runs)
        sample = _against_floor(
            plan,
            copy_sample_guides(work / "guides"),
            work / "sample",
            {"landing page /": "landing page /", "guide PDF": "guide PDF"},
        )
        large = _against_floor(
            plan,
            make_guides_folder(work / "large-guides", 1, 2 * MIB),
            work / "large",
            {"guide PDF": "large guide PDF (2 MiB)"},
        )
    return {**sample, **large}


def main(argv: list[str]) -> int:
    seconds = int(argv[0]) if argv else 5
    runs = int(argv[1]) if len(argv) > 1 else 3
    rows = measure(seconds, runs)
    for label, row in rows.items():
        print(
            f"{label}: ours/floor {row['ours/floor']}x "
            f"(ours {row['ours_rps']:,.0f} req/s p99 {row['ours_p99_ms']} ms; "
            f"floor {row['floor_rps']:,.0f} req/s p99 {row['floor_p99_ms']} ms); "
            f"budgets ≥ {FLOOR_BUDGET}x: {row['ours/floor'] >= FLOOR_BUDGET}, "
            f"p99 ≤ {P99_BUDGET_MS} ms: {row['ours_p99_ms'] <= P99_BUDGET_MS}"
        )
    print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
