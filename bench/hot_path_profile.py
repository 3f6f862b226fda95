"""Where our server's time goes under wrk: py-spy samples of one worker, top five by own time.

`python -m bench.hot_path_profile [--seconds 10] label=folder ...` (a bare `label` is this
checkout; `label=@REV` exports git revision REV into a temporary folder): for each checkout,
ours serves the sample guides (reader pages made first), and for the landing page and the
sample guide PDF, wrk -t2 -c50 loads it while `py-spy record` samples it (250 Hz,
non-blocking, idle samples left out, aggregated by function; only the event loop's thread,
which serves every request). Writes
`bench/results/<time>.profile.md` (the top-five tables, small enough to commit) and `.json`.

uvloop and httptools are C: their own time shows on the Python frame that called into them
(uvloop's loop on asyncio's `run`, a socket write on uvicorn's `transport.write` line's
function), which is why a share sits on `run (asyncio/runners.py)`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bench.checkouts import Checkout, OtherLoad, export_revision, parse_checkout
from bench.guides import SAMPLE_OFFICE, copy_sample_guides
from bench.servers import Running, settled, start_ours
from bench.steps import Figures
from bench.throughput import discover_targets
from bench.wrk import WrkResult, run_wrk
from server.settings import PROJECT_ROOT

RATE_HZ = 250
TOP = 5
URLS = {"landing page /": "landing page /", "guide PDF": "sample guide PDF"}
RESULTS = PROJECT_ROOT / "bench" / "results"


class ProfileError(Exception):
    """py-spy is missing or could not sample the server."""


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise ProfileError("py-spy is not installed: pip install -e '.[dev]'")
    return found


def _short(path: str, source: Path) -> str:
    for marker in ("site-packages/", f"{source}/", "/lib/python3"):
        if marker in path:
            return path.split(marker, 1)[1].lstrip("/")
    return path


def _app_code(name: str) -> bool:
    """Our app's own code: server/ but its protocol class (http_guard.py, under every request
    and whose write is the socket's) and cli.py (which started the server)."""
    return "(server/" in name and not (
        "(server/http_guard.py)" in name or "(server/cli.py)" in name
    )


def parse_collapsed(text: str, source: Path) -> tuple[Counter[str], Counter[str], int, int]:
    """Own samples and inclusive samples per function, the samples in all, and the own samples
    of our app's code, from py-spy's raw (collapsed stack) output: `frame;frame;… count`, a
    frame being `name (file:line)`."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = ours = 0
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        first = stack.split(";", 1)[0]
        if "_bootstrap (" in first and "threading.py" in first:
            continue  # another thread (a file watcher blocked in Rust reads as busy)
        count = int(count_text)
        total += count
        names = []
        for frame in stack.split(";"):
            name, _, where = frame.partition(" (")
            file = where.rsplit(":", 1)[0].rstrip(")")
            names.append(f"{name} ({_short(file, source)})")
        own[names[-1]] += count
        for name in set(names):
            inclusive[name] += count
        if _app_code(names[-1]):
            ours += count
    return own, inclusive, total, ours


def _profile_one(server: Running, url: str, seconds: int, out: Path) -> tuple[WrkResult, float]:
    """wrk on `url` for `seconds` + 3; py-spy samples `seconds` of it, from its second second."""
    results: list[WrkResult] = []
    load = OtherLoad([server.pid])
    wrk = threading.Thread(target=lambda: results.append(run_wrk(url, seconds + 3, 50, 2)))
    wrk.start()
    try:
        wrk.join(timeout=1.0)
        done = subprocess.run(
            [
                py_spy(),
                "record",
                "--pid",
                str(server.pid),
                "--duration",
                str(seconds),
                "--rate",
                str(RATE_HZ),
                "--nonblocking",
                "--function",
                "--format",
                "raw",
                "--output",
                str(out),
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    finally:
        wrk.join(timeout=seconds + 60)
    if done.returncode != 0 or not out.exists():
        raise ProfileError(f"py-spy failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return results[0], load.cores()


def _top(own: Counter[str], inclusive: Counter[str], total: int) -> list[Figures]:
    return [
        {
            "function": name,
            "own_percent": round(100 * count / total, 1),
            "inclusive_percent": round(100 * inclusive[name] / total, 1),
        }
        for name, count in own.most_common(TOP)
    ]


def profile(checkout: Checkout, seconds: int, work: Path) -> Figures:
    work.mkdir(parents=True)
    guides = copy_sample_guides(work / "guides")
    server, _ = start_ours(
        guides,
        work / "data",
        work / "ours.log",
        SAMPLE_OFFICE,
        ready=settled,
        source=checkout.source,
    )
    figures: Figures = {}
    try:
        found, _missing = discover_targets(server.port)
        for target in found:
            if target.label not in URLS:
                continue
            out = work / f"{len(figures)}.txt"
            result, other_cores = _profile_one(server, server.url + target.path, seconds, out)
            own, inclusive, total, ours = parse_collapsed(out.read_text(), checkout.source)
            figures[URLS[target.label]] = {
                "path": target.path,
                "samples": total,
                "top": _top(own, inclusive, total),
                "app_own_percent": round(100 * ours / total, 1) if total else 0.0,
                "wrk_rps": result.requests_per_second,
                "wrk_p99_ms": result.p99_ms,
                "other_cores": round(other_cores, 2),
            }
    finally:
        server.stop()
    return figures


def markdown(by_checkout: dict[str, Figures], seconds: int, started: datetime) -> str:
    lines = [
        f"# Hot path profile, {started.isoformat(timespec='seconds')}",
        "",
        f"`python -m bench.hot_path_profile`: py-spy {RATE_HZ} Hz, non-blocking, by function, "
        f"idle left out, {seconds} s of wrk -t2 -c50 per URL on one worker. Own time: samples "
        "where the function was the innermost Python frame (C code it called included).",
    ]
    for label, urls in by_checkout.items():
        for url, figures in urls.items():
            lines += [
                "",
                f"## {label}: {url} (`{figures['path']}`)",
                "",
                f"{figures['samples']} samples; {figures['app_own_percent']}% own time in our "
                "app's code (`server/` bar http_guard.py and cli.py); "
                f"wrk {figures['wrk_rps']:,.0f} req/s, p99 {figures['wrk_p99_ms']} ms; "
                f"other work {figures['other_cores']} cores.",
                "",
                "| # | function (file) | own % | inclusive % |",
                "|---|---|---|---|",
            ]
            for rank, row in enumerate(figures["top"], 1):
                lines.append(
                    f"| {rank} | `{row['function']}` | {row['own_percent']} "
                    f"| {row['inclusive_percent']} |"
                )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hot_path_profile", description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("checkouts", nargs="+", help="label, label=folder or label=@revision")
    args = parser.parse_args(argv)
    py_spy()
    started = datetime.now(UTC)
    by_checkout: dict[str, Figures] = {}
    with tempfile.TemporaryDirectory(prefix="bk-profile-") as tmp:
        for text in args.checkouts:
            label, _, where = text.partition("=")
            if where.startswith("@"):
                where = str(export_revision(where[1:], Path(tmp) / f"src-{label}"))
            checkout = parse_checkout(f"{label}={where}" if where else label)
            by_checkout[label] = profile(checkout, args.seconds, Path(tmp) / label)
    text = markdown(by_checkout, args.seconds, started)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stamp}.profile.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
