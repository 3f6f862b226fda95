"""The staff's side of the load run: new versions of one guide through the CLI and the admin,
and rollbacks, spread over the run; each one noted in the ledger with the audit entry it owes."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field

import httpx2

from reliability.ledger import AuditRow, Ledger
from reliability.stage import CLI_ACTOR, LANG, SLUG, STAFF, Stage
from server.settings import PROJECT_ROOT
from testkit.bad_pdfs import padded_pdf
from testkit.pdfs import make_pdf

BIG = 5 * 1024 * 1024  # past the server's 4 MB in-memory cache: streamed from disk
SERVED_WITHIN = 60.0  # seconds from a change to the running site serving it, at most


@dataclass
class Action:
    kind: str  # "publish" or "rollback"
    via: str  # "cli" or "admin"
    at: float  # seconds after the start
    pdf: bytes = b""
    outcome: str = ""


def plan_actions(seconds: float, publishes: int, rollbacks: int) -> list[Action]:
    """Publishes alternate between the CLI and the admin; the rollbacks fall evenly among
    them, the first through the CLI and the next through the admin."""
    actions: list[Action] = []
    rollback_after = {round((k + 1) * publishes / (rollbacks + 1)) for k in range(rollbacks)}
    for number in range(publishes):
        actions.append(Action("publish", ("cli", "admin")[number % 2], 0, sample_pdf(number)))
        if number + 1 in rollback_after:
            actions.append(Action("rollback", ("cli", "admin")[len(actions) % 2], 0))
    # Leave the last tenth of the run for reading what the last change made.
    step = seconds * 0.85 / max(len(actions), 1)
    for index, action in enumerate(actions):
        action.at = seconds * 0.05 + index * step
    return actions


def sample_pdf(number: int) -> bytes:
    text = f"Antrian Paspor, versi uji beban {number + 1}"
    if number % 5 == 4:
        return padded_pdf(BIG, text)
    if number % 2:
        return padded_pdf(300 * 1024, text)
    return make_pdf(text, pages=2)


@dataclass
class Version:
    number: int
    sha256: str


@dataclass
class Driver:
    stage: Stage
    ledger: Ledger
    staff: httpx2.AsyncClient
    csrf: str
    versions: list[Version] = field(default_factory=list)  # of SLUG in LANG, oldest first
    current: str = ""
    next_number: int = 1
    failures: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)

    def load_history(self) -> None:
        history = self.stage.records().versions.history(SLUG)
        self.versions = [Version(n, sha) for n, sha in self.stage.versions(SLUG, LANG)]
        self.current = self.versions[-1].sha256
        self.next_number = max(v.number for v in history) + 1

    async def run(self, actions: list[Action], start: float) -> None:
        for action in actions:
            await asyncio.sleep(max(0.0, start + action.at - time.monotonic()))
            began = time.monotonic()
            try:
                if action.kind == "publish":
                    await self.publish(action)
                else:
                    await self.rollback(action)
            except (httpx2.HTTPError, OSError, AssertionError) as exc:
                self.failures.append(f"{action.kind} via {action.via}: {exc!r}")
                continue
            took = time.monotonic() - began
            self.done.append(f"{action.kind} {action.outcome}, served {took:.1f} s after it began")

    async def publish(self, action: Action) -> None:
        sha = hashlib.sha256(action.pdf).hexdigest()
        number = self.next_number
        change = self.ledger.begin(SLUG, LANG, sha)
        if action.via == "cli":
            path = self.stage.root / f"upload-{number}.pdf"
            path.write_bytes(action.pdf)
            out = await self.cli("publish", str(path), "--guide", SLUG, "--lang", LANG)
            assert f"published as v{number}," in out, out
            actor = CLI_ACTOR
        else:
            response = await self.staff.post(
                f"/admin/guides/{SLUG}/upload",
                data={"csrf": self.csrf, "lang": LANG},
                files={"file": ("panduan.pdf", action.pdf, "application/pdf")},
            )
            assert response.status_code == 303, response.status_code
            assert response.headers["location"].endswith("?done=published"), response.headers
            actor = STAFF
        await self.until_served(sha)
        self.ledger.end(change)
        self.record((actor, "publish", SLUG, LANG, self.current, sha, f"v{number}"))
        self.versions.append(Version(number, sha))
        self.current, self.next_number = sha, number + 1
        action.outcome = f"v{number} {sha[:12]} ({len(action.pdf)} bytes) via {action.via}"

    async def rollback(self, action: Action) -> None:
        """Back to the version before the one before: an older file comes back to life."""
        target = next(v for v in reversed(self.versions[:-2]) if v.sha256 != self.current)
        number = self.next_number
        change = self.ledger.begin(SLUG, LANG, target.sha256)
        if action.via == "cli":
            out = await self.cli("rollback", SLUG, "--to", str(target.number))
            assert f"rolled back as v{number}," in out, out
            actor = CLI_ACTOR
        else:
            response = await self.staff.post(
                f"/admin/guides/{SLUG}/rollback",
                data={"csrf": self.csrf, "version": str(target.number)},
            )
            assert response.status_code == 303, response.status_code
            assert response.headers["location"].endswith("?done=rolled_back"), response.headers
            actor = STAFF
        await self.until_served(target.sha256)
        self.ledger.end(change)
        detail = f"v{number} = v{target.number}"
        self.record((actor, "rollback", SLUG, LANG, self.current, target.sha256, detail))
        self.versions.append(Version(number, target.sha256))
        self.current, self.next_number = target.sha256, number + 1
        action.outcome = f"v{number} = v{target.number} via {action.via}"

    async def until_served(self, sha256: str) -> None:
        """A change is under way until the running site serves it: after the CLI, its
        watcher reloads guides/ a moment later, and until then the old URL is current."""
        deadline = time.monotonic() + SERVED_WITHIN
        while True:
            listing = (await self.staff.get("/api/guides")).json()
            guide = next(g for g in listing["guides"] if g["slug"] == SLUG)
            if guide["files"][LANG]["sha256"] == sha256:
                return
            assert time.monotonic() < deadline, f"{sha256[:12]} not served in {SERVED_WITHIN} s"
            await asyncio.sleep(0.05)

    def record(self, row: AuditRow) -> None:
        self.ledger.expected_audit.append(row)

    async def cli(self, *args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            *self.stage.cli_args(*args, "--as", CLI_ACTOR),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=PROJECT_ROOT,
            env=self.stage.env(),
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, err.decode(errors="replace")
        return out.decode()
