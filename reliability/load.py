"""The load run: many connections read the site while staff publish and roll back a guide.

`python -m reliability.load` (`make load`): 30 seconds, 200 connections, 20 new versions
through the CLI and the admin, 2 rollbacks. It passes only if no request failed (no 5xx,
no socket error), every file downloaded is a version that was published, every
/api/guides answer lists only whole, published files, and the audit log holds exactly the
actions taken.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx2

from reliability.actions import Driver, plan_actions
from reliability.ledger import AuditRow, BlobCheck, Ledger, listing_problems
from reliability.stage import LANG, SLUG, Stage, add_run_options, run_staged
from reliability.traffic import Reader, Tally, count_connections
from testkit.admin_client import csrf_of


@dataclass(frozen=True)
class LoadPlan:
    seconds: float = 30.0
    connections: int = 200
    publishes: int = 20
    rollbacks: int = 2
    seed: int = 7


@dataclass
class LoadReport:
    plan: LoadPlan
    tally: Tally
    actions: list[str] = field(default_factory=list)
    action_failures: list[str] = field(default_factory=list)
    audit_expected: list[AuditRow] = field(default_factory=list)
    audit_found: list[tuple[str, ...]] = field(default_factory=list)
    final_problems: list[str] = field(default_factory=list)
    connections_peak: int = 0
    connections_median: int = 0
    elapsed: float = 0.0
    staff_seconds: float = 0.0  # from the start until the last change was done

    @property
    def audit_matches(self) -> bool:
        return [tuple(row) for row in self.audit_expected] == self.audit_found

    @property
    def ok(self) -> bool:
        return (
            self.tally.failures == 0
            and not self.action_failures
            and not self.final_problems
            and self.audit_matches
            and len(self.actions) == self.plan.publishes + self.plan.rollbacks
        )

    def render(self) -> str:
        t = self.tally
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(t.statuses.items()))
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(t.requests.items()))
        lines = [
            f"Load run: {self.plan.connections} connections for {self.plan.seconds:g} s "
            f"(ran {self.elapsed:.1f} s), {self.plan.publishes} publishes and "
            f"{self.plan.rollbacks} rollbacks, the last done {self.staff_seconds:.1f} s in",
            f"  open connections: peak {self.connections_peak}, median {self.connections_median}",
            f"  requests: {t.total} ({kinds})",
            f"  statuses: {statuses}",
            f"  failed requests (5xx, socket errors, wrong bytes): {t.failures}",
            f"  files verified by sha256: {t.files_verified}, ranges verified: {t.ranges_verified}",
            f"  /api/guides answers checked: {t.listings_checked}",
            f"  307s to a newer version after a change (followed and verified): "
            f"{t.stale_redirects}",
            f"  versions of {SLUG} [{LANG}] downloaded: {len(t.versions_downloaded)}",
            f"  MB read: {t.bytes_read / 1e6:.0f}",
            f"  staff actions done: {len(self.actions)}; failed: {len(self.action_failures)}",
            f"  audit log: {len(self.audit_found)} entries, expected {len(self.audit_expected)}: "
            + ("exactly the actions taken" if self.audit_matches else "MISMATCH"),
        ]
        lines += [f"  action: {a}" for a in self.actions]
        lines += [f"  FAILED: {f}" for f in t.failure_examples + self.action_failures]
        lines += [f"  FINAL CHECK: {p}" for p in self.final_problems]
        if not self.audit_matches:
            lines += [f"  audit expected: {row}" for row in self.audit_expected]
            lines += [f"  audit found:    {row}" for row in self.audit_found]
        lines.append("PASS" if self.ok else "FAIL")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        t = self.tally
        return {
            "plan": asdict(self.plan),
            "ok": self.ok,
            "elapsed_seconds": round(self.elapsed, 1),
            "staff_seconds": round(self.staff_seconds, 1),
            "requests": dict(t.requests),
            "requests_total": t.total,
            "statuses": {str(k): v for k, v in t.statuses.items()},
            "failed_requests": t.failures,
            "failure_examples": t.failure_examples,
            "files_verified": t.files_verified,
            "ranges_verified": t.ranges_verified,
            "listings_checked": t.listings_checked,
            "stale_redirects_followed": t.stale_redirects,
            "versions_downloaded": len(t.versions_downloaded),
            "bytes_read": t.bytes_read,
            "connections_peak": self.connections_peak,
            "connections_median": self.connections_median,
            "actions": self.actions,
            "action_failures": self.action_failures,
            "audit_entries": len(self.audit_found),
            "audit_matches": self.audit_matches,
            "final_problems": self.final_problems,
        }


async def run_load(stage: Stage, plan: LoadPlan) -> LoadReport:
    """Start the server of `stage`, put it under `plan`, check everything; it keeps running."""
    server = stage.start()
    ledger, blobs = Ledger(), BlobCheck(stage.data_dir)
    with stage.staff_client() as staff_sync:
        csrf, cookies = csrf_of(staff_sync), dict(staff_sync.cookies.items())
    with httpx2.Client(base_url=stage.url, timeout=60) as web:
        listing = web.get("/api/guides").json()
    ledger.published |= {f["sha256"] for g in listing["guides"] for f in g["files"].values()}
    baseline = stage.last_audit_id()
    report = LoadReport(plan, Tally())
    rng = random.Random(plan.seed)
    actions = plan_actions(plan.seconds, plan.publishes, plan.rollbacks)
    samples: list[int] = []
    async with httpx2.AsyncClient(base_url=stage.url, cookies=cookies, timeout=120) as staff:
        driver = Driver(stage, ledger, staff, csrf)
        driver.load_history()
        start = time.monotonic()
        deadline = start + plan.seconds
        readers = [
            Reader(
                stage.url, ledger, blobs, report.tally, (SLUG, LANG), random.Random(rng.random())
            )
            for _ in range(plan.connections)
        ]
        stop, staff_done = asyncio.Event(), asyncio.Event()
        sampler = asyncio.create_task(count_connections(server.port, stop, samples))
        reading = [asyncio.create_task(r.run(deadline, staff_done)) for r in readers]
        await driver.run(actions, start)
        report.staff_seconds = time.monotonic() - start
        staff_done.set()
        await asyncio.gather(*reading)
        stop.set()
        await sampler
        report.elapsed = time.monotonic() - start
    report.actions, report.action_failures = driver.done, driver.failures
    report.audit_expected = ledger.expected_audit
    report.audit_found = stage.audit_after(baseline)
    report.final_problems = final_problems(stage, ledger, blobs, driver.current)
    ordered = sorted(samples) or [0]
    report.connections_peak, report.connections_median = ordered[-1], ordered[len(ordered) // 2]
    return report


def final_problems(stage: Stage, ledger: Ledger, blobs: BlobCheck, current: str) -> list[str]:
    """After the run: the last change is what is served, every file whole, nothing pending,
    the server alive and its log free of errors."""
    problems = []
    with httpx2.Client(base_url=stage.url, timeout=60) as web:
        listing = web.get("/api/guides").json()
        problems += listing_problems(listing, ledger, blobs)
        for guide in listing["guides"]:
            for lang, gfile in guide["files"].items():
                body = web.get(gfile["url"]).content
                if hashlib.sha256(body).hexdigest() != gfile["sha256"]:
                    problems.append(f"{gfile['url']}: not whole after the run")
                if (guide["slug"], lang) == (SLUG, LANG) and gfile["sha256"] != current:
                    problems.append(f"{SLUG} [{LANG}] serves {gfile['sha256']}, not {current}")
        health = web.get("/healthz").json()
        if health["last_error"]:
            problems.append(f"/healthz: {health['last_error']}")
    if stage.pending():
        problems.append(f"{stage.pending()} change(s) left pending")
    assert stage.server is not None
    if stage.server.process.poll() is not None:
        problems.append(f"the server exited with {stage.server.process.returncode}")
    errors = [
        line for line in stage.server_log().splitlines() if "ERROR" in line or "Traceback" in line
    ]
    problems += [f"server log: {line}" for line in errors[:10]]
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reliability.load", description=__doc__)
    defaults = LoadPlan()
    parser.add_argument("--seconds", type=float, default=defaults.seconds)
    parser.add_argument("--connections", type=int, default=defaults.connections)
    parser.add_argument("--publishes", type=int, default=defaults.publishes)
    parser.add_argument("--rollbacks", type=int, default=defaults.rollbacks)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    add_run_options(parser)
    args = parser.parse_args(argv)
    plan = LoadPlan(args.seconds, args.connections, args.publishes, args.rollbacks, args.seed)
    return run_staged(args, lambda stage: asyncio.run(run_load(stage, plan)))


if __name__ == "__main__":
    sys.exit(main())
