"""The applicants' side of the load run: many connections, each held open and reading pages,
guide files and /api/guides in turn, every answer checked as it arrives."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from reliability.ledger import FILE_URL, BlobCheck, Ledger, listing_problems

# How often each kind of request is made, out of 100.
MIX = (("home", 15), ("home_en", 10), ("guide_page", 20), ("api", 15), ("file", 40))
FILE_LINK = re.compile(r'"(/files/[a-z0-9-]+\.[a-z]{2}\.[0-9a-f]{16}\.pdf)"')
MAX_KEPT_FAILURES = 50


@dataclass
class Tally:
    """What all readers saw, added up."""

    requests: Counter[str] = field(default_factory=Counter)  # by kind
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0
    failure_examples: list[str] = field(default_factory=list)
    stale_redirects: int = 0
    listings_checked: int = 0
    files_verified: int = 0
    ranges_verified: int = 0
    bytes_read: int = 0
    versions_downloaded: set[str] = field(default_factory=set)  # of the guide being published

    def fail(self, what: str) -> None:
        self.failures += 1
        if len(self.failure_examples) < MAX_KEPT_FAILURES:
            self.failure_examples.append(what)

    @property
    def total(self) -> int:
        return sum(self.requests.values())


@dataclass
class Listing:
    """One /api/guides answer, and when it was asked for."""

    guides: list[dict[str, Any]]
    asked_at: float


class Reader:
    """One applicant on one keep-alive connection."""

    def __init__(
        self,
        base_url: str,
        ledger: Ledger,
        blobs: BlobCheck,
        tally: Tally,
        target: tuple[str, str],
        rng: random.Random,
    ) -> None:
        self.base_url = base_url
        self.ledger = ledger
        self.blobs = blobs
        self.tally = tally
        self.target = target
        self.rng = rng
        self.listing: Listing | None = None

    async def run(self, deadline: float, staff_done: asyncio.Event) -> None:
        """Read until the deadline, and on until the staff's last change is done."""
        limits = httpx2.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx2.AsyncClient(base_url=self.base_url, limits=limits, timeout=60) as web:
            self.web = web
            await self.request("api", self.api)
            while time.monotonic() < deadline or not staff_done.is_set():
                kind = self.rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
                await self.request(kind, self.action(kind))

    def action(self, kind: str) -> Any:
        if self.listing is None:  # its first listing failed: ask again
            return self.api
        if kind == "home":
            return lambda: self.page("/")
        if kind == "home_en":
            return lambda: self.page("/en/")
        if kind == "guide_page":
            slug = self.rng.choice(self.listing.guides)["slug"]
            return lambda: self.page(self.rng.choice(["", "/en"]) + f"/guides/{slug}")
        return self.api if kind == "api" else self.file

    async def request(self, kind: str, action: Any) -> None:
        try:
            await action()
        except httpx2.TransportError as exc:
            self.tally.fail(f"{kind}: socket error: {exc!r}")
        except (ValueError, KeyError) as exc:
            self.tally.fail(f"{kind}: unreadable answer: {exc!r}")

    async def get(self, kind: str, url: str, **options: Any) -> httpx2.Response:
        self.tally.requests[kind] += 1
        response = await self.web.get(url, **options)
        self.tally.statuses[response.status_code] += 1
        self.tally.bytes_read += len(response.content)
        return response

    async def page(self, path: str) -> None:
        response = await self.get("page", path)
        if response.status_code != 200 or not response.headers["content-type"].startswith(
            "text/html"
        ):
            self.tally.fail(f"GET {path}: {response.status_code}")
            return
        for link in FILE_LINK.findall(response.text):
            match = FILE_URL.match(link)
            if match is None or not self.ledger.knows_prefix(match["hash"]):
                self.tally.fail(f"GET {path}: links {link}, which was never published")

    async def api(self) -> None:
        asked_at = time.monotonic()
        response = await self.get("api", "/api/guides")
        if response.status_code != 200:
            self.tally.fail(f"GET /api/guides: {response.status_code}")
            return
        body = response.json()
        for problem in listing_problems(body, self.ledger, self.blobs):
            self.tally.fail(problem)
        self.tally.listings_checked += 1
        self.listing = Listing(body["guides"], asked_at)

    async def file(self) -> None:
        assert self.listing is not None
        listing = self.listing
        if self.rng.random() < 0.6:
            slug, lang = self.target
            guide = next(g for g in listing.guides if g["slug"] == slug)
        else:
            guide = self.rng.choice(listing.guides)
            lang = self.rng.choice(sorted(guide["files"]))
        gfile = guide["files"][lang]
        ranged = self.rng.random() < 0.1
        await self.fetch_file(gfile["url"], gfile["sha256"], listing.asked_at, ranged, hops=0)

    async def fetch_file(
        self, url: str, sha256: str, known_since: float, ranged: bool, hops: int
    ) -> None:
        headers = {"Range": "bytes=100-1123"} if ranged else {}
        response = await self.get("file", url, headers=headers)
        match = FILE_URL.match(url)
        assert match is not None, url
        slug, lang = match["slug"], match["lang"]
        if response.status_code == 307:
            await self.stale(url, slug, lang, known_since, response, ranged, hops)
        elif response.status_code == 206 and ranged:
            expected = self.blobs.read(sha256, 100, 1024)
            if response.content != expected:
                self.tally.fail(f"GET {url} bytes=100-1123: not the published bytes")
            self.tally.ranges_verified += 1
        elif response.status_code == 200:
            digest = hashlib.sha256(response.content).hexdigest()
            if digest != sha256:
                self.tally.fail(f"GET {url}: sha256 {digest}, the URL names {sha256[:16]}")
            elif not self.ledger.knows(digest):
                self.tally.fail(f"GET {url}: {digest} was never published")
            else:
                self.tally.files_verified += 1
                if (slug, lang) == self.target:
                    self.tally.versions_downloaded.add(digest)
        else:
            self.tally.fail(f"GET {url}: {response.status_code}")

    async def stale(
        self,
        url: str,
        slug: str,
        lang: str,
        known_since: float,
        response: httpx2.Response,
        ranged: bool,
        hops: int,
    ) -> None:
        """A hashed URL redirects only once a newer version replaced it. That is correct
        if a change to that file was under way since this reader's listing named the URL;
        the reader then follows it, as a browser does, and checks what it gets."""
        location = response.headers.get("location", "")
        match = FILE_URL.match(location)
        if not self.ledger.changed_between(slug, lang, known_since, time.monotonic()):
            self.tally.fail(f"GET {url}: 307 to {location} with no publish since it was listed")
        elif match is None or (match["slug"], match["lang"]) != (slug, lang):
            self.tally.fail(f"GET {url}: 307 to {location!r}, not a file of the same guide")
        elif not self.ledger.knows_prefix(match["hash"]) or hops >= 3:
            self.tally.fail(f"GET {url}: 307 to {location}, never published (hop {hops})")
        else:
            self.tally.stale_redirects += 1
            full = self.ledger.full_hash(match["hash"])
            await self.fetch_file(location, full, time.monotonic(), ranged, hops + 1)


def established_connections(port: int) -> int:
    """Open TCP connections to the server's port, from the kernel's table."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


async def count_connections(port: int, stop: asyncio.Event, samples: list[int]) -> None:
    while not stop.is_set():
        samples.append(established_connections(port))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.25)
