"""Applying a change to `guides/` so that a crash at any point is finished on restart.

A change is decided in full first: the new PDFs are already in the blob store
and the new catalog text is rendered. It is then written to the `pending`
table (one SQLite commit), applied to `guides/` with atomic renames, and
finally recorded (versions and audit entries) in the same transaction that
deletes it from `pending`. A process killed half-way leaves the change in
`pending`; whoever takes the lock next applies it again, which is harmless
because every step only makes a file equal to known bytes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from server.audit import record
from server.blobs import BlobStore, put_in_place, sha256_hex, stage, write_atomically
from server.catalog_file import CATALOG_NAME
from server.db import Database, utc_now
from server.errors import BilangKaryoError
from server.versions import Version, insert_version

PAUSE_ENV = "BILANG_KARYO_PAUSE_AT"


def checkpoint(step: str) -> None:
    """A named point in a publish where the crash tests stop the process and kill it."""
    if os.environ.get(PAUSE_ENV) == step:
        print(f"paused at {step}", file=sys.stderr, flush=True)
        time.sleep(3600)


@dataclass(frozen=True)
class FileWrite:
    name: str  # a file name directly inside guides/, already checked
    sha256: str


@dataclass(frozen=True)
class AuditRecord:
    actor: str
    action: str
    guide: str = ""
    lang: str = ""
    old_sha256: str = ""
    new_sha256: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Change:
    # Files the old catalog already names go first: the old catalog then points
    # at new bytes, never at a missing file.
    writes_before: tuple[FileWrite, ...] = ()
    catalog_text: str | None = None
    # Files only the new catalog names go last, once the catalog points at them.
    writes_after: tuple[FileWrite, ...] = ()
    versions: tuple[Version, ...] = ()
    audit: tuple[AuditRecord, ...] = ()
    at: str = field(default_factory=utc_now)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Change:
        raw: dict[str, Any] = json.loads(text)
        return cls(
            writes_before=tuple(FileWrite(**w) for w in raw["writes_before"]),
            catalog_text=raw["catalog_text"],
            writes_after=tuple(FileWrite(**w) for w in raw["writes_after"]),
            versions=tuple(Version(**v) for v in raw["versions"]),
            audit=tuple(AuditRecord(**a) for a in raw["audit"]),
            at=raw["at"],
        )


class ChangeUnfinished(BilangKaryoError):
    """A journaled change could not be completed (the disk filled up after all). It is
    kept, and finished by the next publish or the next start of the server."""

    key = "unfinished"
    status = 507


class GuidesLock:
    """One writer of `guides/` at a time, across threads and processes (an flock).

    Re-entrant within a process, so a publish may reload the site while it holds it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._rlock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        with self._rlock:
            if self._depth == 0:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._fd = fd
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                    os.close(self._fd)
                    self._fd = None


class Journal:
    def __init__(self, db: Database, guides_dir: Path, store: BlobStore) -> None:
        self.db = db
        self.guides_dir = guides_dir
        self.store = store

    def commit(self, change: Change) -> None:
        """Record, apply and finish `change`. Call with the guides lock held.

        Every byte is written to temporary files first. A disk that fills up after
        the caller's space check then fails the change before it is journaled, with
        nothing changed; from the journal on, only renames and the records remain.
        """
        staged = self._stage(change)
        try:
            with self.db.connect() as conn:
                pending_id = conn.execute(
                    "INSERT INTO pending (payload) VALUES (?)", (change.to_json(),)
                ).lastrowid
        except BaseException:
            for path in staged.values():
                path.unlink(missing_ok=True)
            raise
        assert pending_id is not None
        checkpoint("journaled")
        try:
            self._apply(change, pending_id, staged)
        except (OSError, sqlite3.Error) as exc:
            raise ChangeUnfinished(str(exc)) from exc

    def recover(self) -> int:
        """Finish every change a killed process left half-done; the number finished."""
        with self.db.connect() as conn:
            rows = conn.execute("SELECT id, payload FROM pending ORDER BY id").fetchall()
        for row in rows:
            self._apply(Change.from_json(row["payload"]), row["id"])
        self._remove_temp_files()
        return len(rows)

    def _stage(self, change: Change) -> dict[str, Path]:
        """Each file of `change` (by name in guides/), written beside its place."""
        staged: dict[str, Path] = {}
        try:
            for write in (*change.writes_before, *change.writes_after):
                staged[write.name] = stage(self._target(write), self._stored_bytes(write))
            if change.catalog_text is not None:
                catalog = self.guides_dir / CATALOG_NAME
                staged[CATALOG_NAME] = stage(catalog, change.catalog_text.encode())
        except BaseException:
            for path in staged.values():
                path.unlink(missing_ok=True)
            raise
        return staged

    def _apply(
        self, change: Change, pending_id: int, staged: dict[str, Path] | None = None
    ) -> None:
        """Make guides/ match `change`, then record it. Run again after a crash, without
        `staged`, it writes every file anew from the blob store."""
        staged = staged or {}
        for write in change.writes_before:
            self._write_file(write, staged.get(write.name))
        checkpoint("files-written")
        if change.catalog_text is not None:
            catalog = self.guides_dir / CATALOG_NAME
            if CATALOG_NAME in staged:
                put_in_place(staged[CATALOG_NAME], catalog)
            else:
                write_atomically(catalog, change.catalog_text.encode())
        checkpoint("catalog-written")
        for write in change.writes_after:
            self._write_file(write, staged.get(write.name))
        with self.db.connect() as conn:
            for version in change.versions:
                insert_version(conn, version)
            for entry in change.audit:
                record(conn, **asdict(entry), at=change.at)
            if change.catalog_text is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO catalog_snapshots (sha256, text, saved_at)"
                    " VALUES (?, ?, ?)",
                    (sha256_hex(change.catalog_text.encode()), change.catalog_text, change.at),
                )
            conn.execute("DELETE FROM pending WHERE id = ?", (pending_id,))
        checkpoint("recorded")

    def _target(self, write: FileWrite) -> Path:
        target = self.guides_dir / write.name
        # Names were checked when the change was made; this guards the journal itself.
        assert target.resolve().parent == self.guides_dir.resolve(), write.name
        return target

    def _stored_bytes(self, write: FileWrite) -> bytes:
        data = self.store.path_for(write.sha256).read_bytes()
        if sha256_hex(data) != write.sha256:
            raise OSError(f"stored version {write.sha256} is damaged; not writing {write.name}")
        return data

    def _write_file(self, write: FileWrite, staged: Path | None = None) -> None:
        if staged is not None:
            put_in_place(staged, self._target(write))
        else:
            write_atomically(self._target(write), self._stored_bytes(write))

    def _remove_temp_files(self) -> None:
        # write_atomically's temporary files are ".<name>.<random>.tmp"; with the
        # lock held, none of them belongs to a write still in progress (the blob
        # store, too, is only written with the lock held).
        for path in [*self.guides_dir.glob(".*.tmp"), *self.store.root.glob("*/.*.tmp")]:
            path.unlink(missing_ok=True)
