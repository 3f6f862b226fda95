"""Runs `wrk` against a loopback URL and reads requests per second and latency percentiles."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from typing import Any

from bench.servers import BROWSER_ACCEPT_ENCODING

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_REQUESTS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m), ([\d.]+\w+) read", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


class WrkError(Exception):
    """wrk failed, or its output could not be read."""


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors plus non-2xx/3xx answers

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def wrk_version() -> str:
    binary = shutil.which("wrk")
    if binary is None:
        return "not installed"
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10)
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0] if first else "unknown"


def run_wrk(
    url: str,
    duration_s: int,
    connections: int,
    threads: int,
    accept_encoding: str = BROWSER_ACCEPT_ENCODING,
) -> WrkResult:
    if not url.startswith("http://127.0.0.1:"):
        raise WrkError(f"load goes to 127.0.0.1 only, not {url}")
    binary = shutil.which("wrk")
    if binary is None:
        raise WrkError("wrk is not installed (make bench installs it)")
    argv = [
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration_s}s",
        "--timeout",
        "5s",
        "--latency",
        "-H",
        f"Accept-Encoding: {accept_encoding}",
        url,
    ]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=duration_s + 30)
    except subprocess.TimeoutExpired:
        raise WrkError(f"wrk did not finish: {' '.join(argv)}") from None
    if out.returncode != 0:
        raise WrkError(f"wrk exited with {out.returncode}: {out.stderr.strip()}")
    return parse_wrk(out.stdout)


def parse_wrk(text: str) -> WrkResult:
    rate = _REQUESTS.search(text)
    total = _TOTAL.search(text)
    percentiles = {m[1]: float(m[2]) * _UNITS_MS[m[3]] for m in _PERCENTILE.finditer(text)}
    if rate is None or total is None or "50" not in percentiles or "99" not in percentiles:
        raise WrkError(f"cannot read wrk's output:\n{text}")
    errors = 0
    if (non_2xx := _NON_2XX.search(text)) is not None:
        errors += int(non_2xx[1])
    if (sockets := _SOCKET_ERRORS.search(text)) is not None:
        errors += sum(int(n) for n in sockets.groups())
    return WrkResult(
        requests_per_second=float(rate[1]),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        requests=int(total[1]),
        errors=errors,
    )
