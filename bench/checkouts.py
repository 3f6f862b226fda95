"""Other checkouts of the project (an older commit) to measure beside this one, and the machine's
other load while they are measured."""

from __future__ import annotations

import os
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from server.settings import PROJECT_ROOT

_HZ = os.sysconf("SC_CLK_TCK")


class CheckoutError(Exception):
    """A checkout named on the command line cannot be measured; the message says why."""


@dataclass(frozen=True)
class Checkout:
    label: str
    source: Path  # a folder holding the project's `server` and `bench` packages


def parse_checkout(text: str) -> Checkout:
    """`label=folder` or `label=git-revision` (exported into a temporary folder by the caller
    via `export_revision`); a bare `label` is this checkout."""
    label, _, where = text.partition("=")
    if not label:
        raise CheckoutError(f"{text!r}: give label=folder, e.g. before=/tmp/old-checkout")
    source = Path(where) if where else PROJECT_ROOT
    if not (source / "server" / "fastpath.py").is_file():
        raise CheckoutError(f"{source} holds no project checkout (no server/fastpath.py)")
    return Checkout(label, source.resolve())


def export_revision(revision: str, into: Path) -> Path:
    """The files of a git revision of this repository, written under `into` (not a worktree)."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=False,
        timeout=60,
    )
    if archive.returncode != 0:
        raise CheckoutError(f"git archive {revision}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True, timeout=60)
    return into


def _busy_and_total_ticks() -> tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    total = sum(fields[:8])  # user … steal; guest time is already inside user
    return total - idle, total


def _process_ticks(pids: list[int]) -> int:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def _children_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


class OtherLoad:
    """How many cores other work used while one measurement ran: the machine's busy time less
    the measured server's and wrk's (a waited child of this process), per second of wall time.

    The load average counts the measurement itself (wrk's two threads and the server), so it
    says little about the rest of the machine during a run; this does."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.load_average_1m = os.getloadavg()[0]
        self._busy, _ = _busy_and_total_ticks()
        self._ours = _process_ticks(pids)
        self._children = _children_seconds()
        self._wall = time.monotonic()

    def server_seconds(self) -> float:
        """CPU seconds the measured server's processes used since the start."""
        return (_process_ticks(self.pids) - self._ours) / _HZ

    def cores(self) -> float:
        busy, _ = _busy_and_total_ticks()
        ours = (_process_ticks(self.pids) - self._ours) / _HZ
        ours += _children_seconds() - self._children
        wall = time.monotonic() - self._wall
        return max(0.0, ((busy - self._busy) / _HZ - ours) / wall) if wall > 0 else 0.0
