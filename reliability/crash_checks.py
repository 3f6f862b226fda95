"""What the crash run checks around each kill: what readers saw while it happened, where in
the publish it landed, and after the restart the served version, the catalog, every public
file, and that history and rollback still work."""

from __future__ import annotations

import hashlib
import io
import re
import threading
import time

import httpx2
from PIL import Image

from reliability.ledger import FILE_URL
from reliability.stage import CLI_ACTOR, STAFF, Stage
from server.storage.configured import open_files

READER_IMAGE = re.compile(r'"(/reader/[0-9a-f]{16}/\d+\.webp)"')
SERVED_WITHIN = 60.0


class SitePoller(threading.Thread):
    """Reads the listing and the guide's file over and over while a publish is killed:
    only the old or the new version may ever be listed or served, and only whole."""

    def __init__(self, url: str, slug: str, lang: str, allowed: set[str]) -> None:
        super().__init__(daemon=True)
        self.url, self.slug, self.lang, self.allowed = url, slug, lang, allowed
        self.problems: list[str] = []
        self.reads = 0
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=60)

    def run(self) -> None:
        with httpx2.Client(base_url=self.url, timeout=30) as web:
            while not self._stop_event.is_set():
                try:
                    self.read_once(web)
                except httpx2.HTTPError as exc:
                    if not self._stop_event.is_set():
                        self.problems.append(f"while the publish ran: {exc!r}")
                    return

    def read_once(self, web: httpx2.Client) -> None:
        guides = web.get("/api/guides").json()["guides"]
        gfile = next(g for g in guides if g["slug"] == self.slug)["files"][self.lang]
        if gfile["sha256"] not in self.allowed:
            self.problems.append(f"while the publish ran, {gfile['sha256'][:12]} was listed")
        response = web.get(gfile["url"], follow_redirects=True)
        digest = hashlib.sha256(response.content).hexdigest()
        if response.status_code != 200 or digest not in self.allowed:
            self.problems.append(
                f"while the publish ran, {gfile['url']} gave {response.status_code}, "
                f"sha256 {digest[:12]}: not the old or the new version whole"
            )
        self.reads += 1


def landed_at(stage: Stage, slug: str, new: str, before_number: int) -> tuple[str, bool]:
    """Where the kill came, told from what it left behind; and whether the change had been
    decided (journaled or recorded), so that it must be served after the restart."""
    records = stage.records()
    pending = stage.pending()
    recorded = any(
        v.sha256 == new and v.number > before_number for v in records.versions.history(slug)
    )
    stored = open_files(stage.settings, records).has(new)
    in_guides = any(
        hashlib.sha256(p.read_bytes()).hexdigest() == new for p in stage.guides_dir.glob("*.pdf")
    )
    temporary = list(stage.guides_dir.glob(".*.tmp")) + list(stage.data_dir.rglob(".*.tmp"))
    if recorded:
        phase = "after it was recorded (done)"
    elif pending:
        written = "the file in guides/ written" if in_guides else "guides/ not yet written"
        phase = f"decided and journaled, {written}"
    elif stored:
        phase = "checked and stored, not yet decided"
    else:
        phase = "before anything was stored (start-up, reading, checking)"
    if temporary and not recorded:
        phase += ", a temporary file half-written"
    return phase, bool(recorded or pending)


def after_restart(stage: Stage, slug: str, lang: str, expected: str) -> list[str]:
    """The restarted site: the expected version whole, the catalog loaded, every public
    file whole, nothing left pending or half-written, history agreeing with what is served."""
    problems = []
    with httpx2.Client(base_url=stage.url, timeout=60) as web:
        health = web.get("/healthz").json()
        if health["last_error"] or health["status"] not in ("ok", "warn"):
            problems.append(f"the catalog did not load: {health['status']}: {health['last_error']}")
        listing = web.get("/api/guides").json()["guides"]
        served = next(g for g in listing if g["slug"] == slug)["files"][lang]["sha256"]
        if served != expected:
            problems.append(f"serves {served[:12]}, expected {expected[:12]}")
        for guide in listing:
            for gfile in guide["files"].values():
                response = web.get(gfile["url"])
                body = response.content
                if (
                    response.status_code != 200
                    or len(body) != gfile["size"]
                    or hashlib.sha256(body).hexdigest() != gfile["sha256"]
                ):
                    problems.append(f"{gfile['url']}: {response.status_code}, not whole")
        for page in (f"/guides/{slug}", f"/en/guides/{slug}", "/", "/en/"):
            response = web.get(page)
            if response.status_code != 200:
                problems.append(f"{page}: {response.status_code}")
            for image_url in set(READER_IMAGE.findall(response.text)):
                problems += _image_problems(web, image_url)
    if stage.pending():
        problems.append(f"{stage.pending()} change(s) still pending after the restart")
    leftovers = [*stage.guides_dir.glob(".*.tmp"), *(stage.data_dir / "blobs").glob("*/.*.tmp")]
    if leftovers:
        problems.append(f"half-written files left behind: {[p.name for p in leftovers]}")
    current = stage.versions(slug, lang)[-1][1]
    if current != expected:
        problems.append(f"history says {current[:12]} is live, the site serves {expected[:12]}")
    return problems


def _image_problems(web: httpx2.Client, url: str) -> list[str]:
    response = web.get(url)
    if response.status_code != 200:
        return [f"{url}: {response.status_code}"]
    try:
        Image.open(io.BytesIO(response.content)).load()
    except (OSError, SyntaxError) as exc:
        return [f"{url}: a partial or broken image: {exc}"]
    return []


def rollback_works(
    stage: Stage, slug: str, lang: str, via: str, csrf: str, cookies: dict[str, str]
) -> tuple[list[str], tuple[str, ...] | None]:
    """`history` lists the live version; a rollback to the one before is served whole.
    The audit entry the rollback owes, when it was done."""
    history = stage.cli("history", slug)
    versions = stage.versions(slug, lang)
    (live_number, current) = versions[-1]
    live_line = next((line for line in history.stdout.splitlines() if "<- live" in line), "")
    if history.returncode != 0 or current[:12] not in live_line:
        return [f"history does not show v{live_number} live: {history.stdout}"], None
    target_number, target = next((n, s) for n, s in reversed(versions) if s != current)
    number = max(n for n, _ in versions) + 1
    if via == "cli":
        done = stage.cli("rollback", slug, "--to", str(target_number), "--as", CLI_ACTOR)
        if done.returncode != 0:
            return [f"rollback refused: {done.stderr}"], None
        actor = CLI_ACTOR
    else:
        with httpx2.Client(base_url=stage.url, cookies=cookies, timeout=60) as web:
            response = web.post(
                f"/admin/guides/{slug}/rollback",
                data={"csrf": csrf, "version": str(target_number)},
            )
        if response.status_code != 303:
            return [f"rollback in the admin answered {response.status_code}"], None
        actor = STAFF
    row = (actor, "rollback", slug, lang, current, target, f"v{number} = v{target_number}")
    deadline = time.monotonic() + SERVED_WITHIN
    with httpx2.Client(base_url=stage.url, timeout=60) as web:
        while True:
            guides = web.get("/api/guides").json()["guides"]
            gfile = next(g for g in guides if g["slug"] == slug)["files"][lang]
            if gfile["sha256"] == target:
                break
            if time.monotonic() > deadline:
                return [f"the rollback to v{target_number} was not served"], row
            time.sleep(0.05)
        match = FILE_URL.match(gfile["url"])
        body = web.get(gfile["url"]).content
        if match is None or hashlib.sha256(body).hexdigest() != target:
            return [f"after the rollback, {gfile['url']} is not v{target_number} whole"], row
    return [], row
