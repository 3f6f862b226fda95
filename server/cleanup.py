"""At start, removes what a killed process left behind: orphan blobs and half-made reader folders.

A publish killed after storing its PDF but before journaling the change leaves a
blob no version names; a render killed half-way leaves a `.<sha>.*` working folder.
Neither is ever served, but both take disk space, so they are removed here.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from server.journal import Change
from server.publish import Publisher
from server.site import LiveSite

log = logging.getLogger("bilang_karyo")

# A file this young may belong to a change still in progress in another process.
MIN_AGE_SECONDS = 600


def remove_orphans(publisher: Publisher, live: LiveSite, now: float | None = None) -> int:
    """Remove orphan blobs and stale reader working folders; the number removed.

    Blobs are only judged with the database readable (it names every version) and
    with the guides lock held (every blob is written under it).
    """
    now = time.time() if now is None else now
    removed = _stale_reader_folders(live, now)
    with publisher.lock.held():
        kept = publisher.db.versions.hashes()
        for _, payload in publisher.db.journal.pending():
            change = Change.from_json(payload)
            kept.update(w.sha256 for w in (*change.writes_before, *change.writes_after))
        kept.update(f.sha256 for f in live.site.catalog.files())
        for stored in list(publisher.store.list()):
            if stored.sha256 in kept or now - stored.stored_at < MIN_AGE_SECONDS:
                continue
            publisher.store.remove(stored.sha256)
            log.info(
                "removed an orphan stored file (from a publish that was stopped): %s",
                stored.sha256,
            )
            removed += 1
    return removed


def _stale_reader_folders(live: LiveSite, now: float) -> int:
    if live.reader is None or not live.reader.root.is_dir():
        return 0
    removed = 0
    for work in live.reader.root.glob("*/.*"):
        sha256 = work.name[1:].split(".")[0]
        if not work.is_dir() or len(sha256) != 64 or now - work.stat().st_mtime < MIN_AGE_SECONDS:
            continue
        with _unless_rendering(live.reader.root / ".locks" / f"{sha256}.lock") as free:
            if free:
                shutil.rmtree(work, ignore_errors=True)
                log.info("removed a half-made reader folder (a render was stopped): %s", work)
                removed += 1
    return removed


@contextlib.contextmanager
def _unless_rendering(lock_path: Path) -> Iterator[bool]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False  # a render of that version is running now
            return
        yield True
    finally:
        os.close(fd)
