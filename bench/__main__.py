"""`python -m bench`: run every step, then write the Markdown and JSON report."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.catalog import measure_catalog
from bench.download import measure_downloads
from bench.guide_text import measure_guide_text
from bench.lighthouse import measure_lighthouse
from bench.machine import machine_info
from bench.memory import measure_memory
from bench.plan import Plan
from bench.report import render_markdown, steps_as_dicts, write_reports
from bench.steps import FAILED, Figures, StepResult, run_step
from bench.throughput import measure_scaling, measure_throughput

BENCH_DIR = Path(__file__).resolve().parent
STEPS: list[tuple[str, str, Callable[[Plan], Figures]]] = [
    ("throughput", "throughput and latency vs nginx and StaticFiles", measure_throughput),
    ("scaling", "scaling: 1 and 2 workers", measure_scaling),
    ("memory", "memory: peak RSS", measure_memory),
    ("catalog", "catalog work: drop, publish, start-up", measure_catalog),
    ("download", "what the phone downloads", measure_downloads),
    ("lighthouse", "Lighthouse, mobile preset", measure_lighthouse),
    (
        "guide_text",
        "the text version: page bytes, first text on a slow network, making it",
        measure_guide_text,
    ),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark Bilang Karyo side by side with nginx and a naive StaticFiles app.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="check that every step runs (short wrk runs, few guides, one Lighthouse run)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=BENCH_DIR / "results",
        metavar="DIR",
        help="where to write the reports [bench/results]",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=[name for name, _, _ in STEPS],
        help="run only this step (repeatable)",
    )
    parser.add_argument(
        "--publish-report",
        action="store_true",
        help="also copy the Markdown report to bench/REPORT.md (full runs only)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.publish_report and (args.quick or args.only):
        print("bench: --publish-report needs a full run of every step", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bilang-karyo-bench-"))
    # nginx's workers drop root for an unprivileged user, who must reach the files.
    work.chmod(0o755)
    try:
        plan = Plan.quick_run(work) if args.quick else Plan.full(work)
        results: list[StepResult] = []
        for name, title, measure in STEPS:
            if args.only and name not in args.only:
                continue
            results.append(run_step(name, title, lambda m=measure: m(plan)))  # type: ignore[misc]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    machine = machine_info()
    run: dict[str, Any] = {
        "date": machine.pop("date"),
        "quick": plan.quick,
        "machine": machine,
        "steps": steps_as_dicts(results),
    }
    json_path, md_path = write_reports(run, args.out)
    print(f"bench: wrote {md_path} and {json_path}")
    if args.publish_report:
        from server.storage.atomic import write_atomically

        write_atomically(BENCH_DIR / "REPORT.md", render_markdown(run).encode())
        print(f"bench: wrote {BENCH_DIR / 'REPORT.md'}")
    failed = [r.title for r in results if r.status == FAILED]
    if failed:
        print(f"bench: failed steps: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
