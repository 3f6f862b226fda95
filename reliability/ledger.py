"""What the suites did to the site, kept to check the site against: every version that was
ever published, when each change was under way, and the audit entries it must leave."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.storage.local_files import LocalGuideFiles

FILE_URL = re.compile(
    r"^/files/(?P<slug>[a-z0-9-]+)\.(?P<lang>[a-z]{2})\.(?P<hash>[0-9a-f]{16})\.pdf$"
)

AuditRow = tuple[str, str, str, str, str, str, str]


@dataclass
class Change:
    slug: str
    lang: str
    sha256: str
    started: float
    finished: float | None = None


@dataclass
class Ledger:
    """Shared by the driver that changes the site and the readers that check it."""

    published: set[str] = field(default_factory=set)
    changes: list[Change] = field(default_factory=list)
    expected_audit: list[AuditRow] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def knows(self, sha256: str) -> bool:
        with self._lock:
            return sha256 in self.published

    def knows_prefix(self, prefix: str) -> bool:
        return self.full_hash(prefix) != ""

    def full_hash(self, prefix: str) -> str:
        """The published sha256 that starts with `prefix`, or ""."""
        with self._lock:
            return next((sha for sha in self.published if sha.startswith(prefix)), "")

    def begin(self, slug: str, lang: str, sha256: str) -> Change:
        """Called before a change starts: from then on its bytes may be served."""
        change = Change(slug, lang, sha256, time.monotonic())
        with self._lock:
            self.published.add(sha256)
            self.changes.append(change)
        return change

    def end(self, change: Change) -> None:
        change.finished = time.monotonic()

    def changed_between(self, slug: str, lang: str, start: float, end: float) -> bool:
        """Whether some change to this file was under way at any moment in [start, end]."""
        with self._lock:
            return any(
                c.slug == slug
                and c.lang == lang
                and c.started <= end
                and (c.finished is None or c.finished >= start)
                for c in self.changes
            )


class BlobCheck:
    """Checks, once per version, that the stored copy a listing names is whole."""

    def __init__(self, data_dir: Path) -> None:
        self.store = LocalGuideFiles(data_dir / "blobs")
        self._whole: dict[str, int] = {}

    def size_of(self, sha256: str) -> int | None:
        """The size of the stored copy, or None when it is missing or damaged."""
        if sha256 not in self._whole:
            path = self.store.path_for(sha256)
            try:
                data = path.read_bytes()
            except OSError:
                return None
            if hashlib.sha256(data).hexdigest() != sha256:
                return None
            self._whole[sha256] = len(data)
        return self._whole[sha256]

    def read(self, sha256: str, start: int, length: int) -> bytes:
        with self.store.path_for(sha256).open("rb") as handle:
            handle.seek(start)
            return handle.read(length)


def listing_problems(body: Any, ledger: Ledger, blobs: BlobCheck) -> list[str]:
    """What is wrong with one /api/guides answer: every file it lists must be a version that
    was published, whose URL names its hash, and whose stored copy is whole."""
    problems = []
    try:
        guides = body["guides"]
        files = [(g["slug"], lang, f) for g in guides for lang, f in g["files"].items()]
    except (KeyError, TypeError, AttributeError) as exc:
        return [f"/api/guides: unexpected shape: {exc!r}"]
    for slug, lang, gfile in files:
        url, sha, size = gfile.get("url", ""), gfile.get("sha256", ""), gfile.get("size")
        match = FILE_URL.match(url)
        if match is None or (match["slug"], match["lang"]) != (slug, lang):
            problems.append(f"/api/guides: {slug} [{lang}]: odd URL {url!r}")
        elif match["hash"] != sha[:16]:
            problems.append(f"/api/guides: {url} does not name its sha256 {sha}")
        if not ledger.knows(sha):
            problems.append(f"/api/guides: {slug} [{lang}]: {sha} was never published")
        stored = blobs.size_of(sha)
        if stored is None:
            problems.append(f"/api/guides: {slug} [{lang}]: no whole stored copy of {sha}")
        elif stored != size:
            problems.append(f"/api/guides: {slug} [{lang}]: size {size}, stored {stored}")
    return problems
