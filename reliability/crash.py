"""The crash run: publishes killed with SIGKILL at random moments, trial after trial.

`python -m reliability.crash` (`make crash`): 30 trials, three kinds in turn:
- cli: the `bilang-karyo publish` process is killed; the site is then restarted;
- power: the publish and the server are killed at the same moment, as in a power cut;
- admin: the server is killed while it handles a staff upload.

The moment is drawn at random over the time an unhindered publish of that kind takes, so
kills land anywhere from start-up to the last write. After each restart the guide must serve
the old or the new version whole (the new one exactly when the change was decided), the
catalog must load, no public URL may give a partial file, and history and rollback must work.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from reliability.crash_checks import SitePoller, after_restart, landed_at, rollback_works
from reliability.stage import (
    CLI_ACTOR,
    LANG,
    SLUG,
    STAFF,
    Stage,
    add_run_options,
    run_staged,
)
from server.settings import PROJECT_ROOT
from testkit.admin_client import csrf_of
from testkit.bad_pdfs import padded_pdf

KINDS = ("cli", "power", "admin")


@dataclass(frozen=True)
class CrashPlan:
    trials: int = 30
    seed: int = 11
    size: int = 20 * 1024 * 1024  # a large PDF: each step of the publish takes a while
    calibration_rounds: int = 2  # unhindered publishes of each kind, to time the kill window
    recalibrate_every: int = 6  # trials; then one more unhindered publish of each kind


@dataclass
class Trial:
    number: int
    kind: str
    delay: float
    killed_running: bool = False  # False: it had finished before the kill came
    landed: str = ""
    decided: bool = False
    served: str = ""  # "old" or "new" after the restart
    problems: list[str] = field(default_factory=list)


@dataclass
class CrashReport:
    plan: CrashPlan
    durations: dict[str, float] = field(default_factory=dict)  # an unhindered publish, s
    calibrations: int = 0  # unhindered publishes made to time them
    trials: list[Trial] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # outside any one trial

    @property
    def survived(self) -> int:
        return sum(1 for t in self.trials if not t.problems)

    @property
    def ok(self) -> bool:
        return (
            not self.problems
            and len(self.trials) == self.plan.trials
            and self.survived == len(self.trials)
        )

    def render(self) -> str:
        killed = sum(1 for t in self.trials if t.killed_running)
        phases = Counter(t.landed for t in self.trials)
        kinds = ", ".join(
            f"{k} {n}" for k, n in sorted(Counter(t.kind for t in self.trials).items())
        )
        lines = [
            f"Crash run: {len(self.trials)} trials of SIGKILL during a publish of "
            f"{self.plan.size / 2**20:g} MB ({kinds})",
            f"  an unhindered publish takes (latest of {self.calibrations} timed): "
            + ", ".join(f"{k} {s:.2f} s" for k, s in self.durations.items())
            + "; each kill comes at a random moment within 1.1 times that",
            f"  killed while still running: {killed}; finished before the kill: "
            f"{len(self.trials) - killed}",
            "  where the kills landed:",
            *(f"    {n:3}  {phase}" for phase, n in phases.most_common()),
            f"  after the restart: old version {sum(t.served == 'old' for t in self.trials)}, "
            f"new version {sum(t.served == 'new' for t in self.trials)}",
            f"  trials survived (every check passed): {self.survived} of {len(self.trials)}",
        ]
        for trial in self.trials:
            lines += [f"  trial {trial.number} ({trial.kind}): {p}" for p in trial.problems]
        lines += [f"  PROBLEM: {p}" for p in self.problems]
        lines.append("PASS" if self.ok else "FAIL")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": asdict(self.plan),
            "ok": self.ok,
            "durations": self.durations,
            "calibration_publishes": self.calibrations,
            "trials_run": len(self.trials),
            "trials_survived": self.survived,
            "killed_while_running": sum(1 for t in self.trials if t.killed_running),
            "landed": dict(Counter(t.landed for t in self.trials)),
            "trials": [asdict(t) for t in self.trials],
            "problems": self.problems,
        }


class Crasher:
    def __init__(self, stage: Stage, plan: CrashPlan) -> None:
        self.stage = stage
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.expected_audit: list[tuple[str, ...]] = []
        self.took: dict[str, list[float]] = {"cli": [], "admin": []}
        self.calibrations = 0

    def pdf(self, label: str) -> tuple[Path, bytes]:
        data = padded_pdf(self.plan.size, f"Uji crash {label}")
        path = self.stage.root / f"crash-{label}.pdf"
        path.write_bytes(data)
        return path, data

    # One publish of each kind, whole: its time is the span the kills are drawn from.

    def publish_cli(self, path: Path) -> subprocess.Popen[bytes]:
        args = self.stage.cli_args("publish", str(path), "--guide", SLUG, "--lang", LANG,
                                   "--as", CLI_ACTOR)  # fmt: skip
        return subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=PROJECT_ROOT,
            env=self.stage.env(),
        )

    def upload(self, data: bytes, outcome: list[object]) -> threading.Thread:
        """Send a staff upload from a thread; `outcome` gets the status or the error."""
        cookies, csrf = self.staff_cookies, self.csrf

        def send() -> None:
            try:
                with httpx2.Client(base_url=self.stage.url, cookies=cookies, timeout=120) as web:
                    response = web.post(
                        f"/admin/guides/{SLUG}/upload",
                        data={"csrf": csrf, "lang": LANG},
                        files={"file": ("panduan.pdf", data, "application/pdf")},
                    )
                outcome.append(response.status_code)
            except httpx2.HTTPError as exc:
                outcome.append(exc)

        thread = threading.Thread(target=send, daemon=True)
        thread.start()
        return thread

    def sign_in(self) -> None:
        with self.stage.staff_client() as staff:
            self.staff_cookies = dict(staff.cookies.items())
            self.csrf = csrf_of(staff)

    def calibrate(self, report: CrashReport, rounds: int) -> None:
        """Time unhindered publishes of each kind; the kills are drawn over the latest two,
        so that the window follows the machine as its load changes."""
        for kind, via in (("cli", "cli"), ("admin", "admin")):
            for _ in range(rounds):
                self.calibrations += 1
                old = self.served()
                path, data = self.pdf(f"calibration-{self.calibrations}")
                began = time.monotonic()
                if via == "cli":
                    assert self.publish_cli(path).wait(timeout=300) == 0
                else:
                    outcome: list[object] = []
                    self.upload(data, outcome).join(timeout=300)
                    assert outcome == [303], outcome
                self.took[kind].append(time.monotonic() - began)
                self.expect_publish(via, old, hashlib.sha256(data).hexdigest())
                self.wait_served(hashlib.sha256(data).hexdigest())
            recent = self.took[kind][-2:]
            report.durations[kind] = sum(recent) / len(recent)
        report.durations["power"] = report.durations["cli"]
        report.calibrations = self.calibrations

    # The trials.

    def trial(self, number: int, kind: str, span: float) -> Trial:
        trial = Trial(number, kind, round(self.rng.uniform(0, span * 1.1), 3))
        old = self.served()
        before_number = self.last_number()
        path, data = self.pdf(f"trial-{number}")
        new = hashlib.sha256(data).hexdigest()
        poller = SitePoller(self.stage.url, SLUG, LANG, {old, new})
        poller.start()
        if kind == "admin":
            outcome: list[object] = []
            thread = self.upload(data, outcome)
            time.sleep(trial.delay)
            trial.killed_running = thread.is_alive()
            poller.stop()
            self.stage.kill()
            thread.join(timeout=60)
        else:
            process = self.publish_cli(path)
            time.sleep(trial.delay)
            trial.killed_running = process.poll() is None
            if kind == "power":
                poller.stop()
                self.stage.kill()
            process.kill()
            process.wait(timeout=60)
        trial.landed, trial.decided = landed_at(self.stage, SLUG, new, before_number)
        if kind == "cli":
            time.sleep(0.3)  # readers go on while the running site meets what was left
            poller.stop()
        trial.problems += poller.problems
        if kind == "cli":
            self.stage.stop()
        self.stage.start()
        expected = new if trial.decided else old
        trial.served = "new" if expected == new else "old"
        trial.problems += after_restart(self.stage, SLUG, LANG, expected)
        if trial.decided:
            self.expect_publish("admin" if kind == "admin" else "cli", old, new, before_number + 1)
        if not trial.problems:
            trial.problems += self.check_rollback(kind)
        return trial

    def check_rollback(self, kind: str) -> list[str]:
        # The staff session signed in before the kills lives on in the database.
        via = "admin" if kind == "admin" else "cli"
        problems, row = rollback_works(self.stage, SLUG, LANG, via, self.csrf, self.staff_cookies)
        if row is not None:
            self.expected_audit.append(row)
        return problems

    # Bookkeeping.

    def expect_publish(self, via: str, old: str, new: str, number: int | None = None) -> None:
        number = number if number is not None else self.last_number()
        actor = STAFF if via == "admin" else CLI_ACTOR
        self.expected_audit.append((actor, "publish", SLUG, LANG, old, new, f"v{number}"))

    def served(self) -> str:
        listing = httpx2.get(self.stage.url + "/api/guides", timeout=60).json()
        guide = next(g for g in listing["guides"] if g["slug"] == SLUG)
        return str(guide["files"][LANG]["sha256"])

    def wait_served(self, sha256: str, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while self.served() != sha256:
            assert time.monotonic() < deadline, f"{sha256[:12]} not served within {within} s"
            time.sleep(0.05)

    def last_number(self) -> int:
        history = self.stage.records().versions.history(SLUG)
        return max((v.number for v in history), default=0)


def run_crash(stage: Stage, plan: CrashPlan) -> CrashReport:
    """Start the server of `stage` and run the trials; the server keeps running."""
    report = CrashReport(plan)
    stage.start()
    crasher = Crasher(stage, plan)
    crasher.sign_in()
    baseline = stage.last_audit_id()
    crasher.calibrate(report, plan.calibration_rounds)
    for number in range(1, plan.trials + 1):
        if number > 1 and (number - 1) % plan.recalibrate_every == 0:
            crasher.calibrate(report, 1)
        kind = KINDS[(number - 1) % len(KINDS)]
        report.trials.append(crasher.trial(number, kind, report.durations[kind]))
    found = stage.audit_after(baseline)
    if found != crasher.expected_audit:
        report.problems.append(
            f"the audit log holds {len(found)} entries, {len(crasher.expected_audit)} expected: "
            + json.dumps({"expected": crasher.expected_audit, "found": found})
        )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reliability.crash",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    defaults = CrashPlan()
    parser.add_argument("--trials", type=int, default=defaults.trials)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--size-mb", type=float, default=defaults.size / 2**20)
    add_run_options(parser)
    args = parser.parse_args(argv)
    plan = CrashPlan(args.trials, args.seed, int(args.size_mb * 2**20))
    return run_staged(args, lambda stage: run_crash(stage, plan))


if __name__ == "__main__":
    sys.exit(main())
