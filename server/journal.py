"""Applying a change to `guides/` so that a crash at any point is finished on restart.

A change is decided in full first: the new PDFs are already in the file store
and the new catalog text is rendered. It is then saved whole in the journal
(one commit of the records), applied to `guides/` with atomic renames, and
finally recorded (versions and audit entries) in the same transaction that
takes it out of the journal. A process killed half-way leaves the change in
the journal; whoever takes the lock next applies it again, which is harmless
because every step only makes a file equal to known bytes.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from server.catalog_file import CATALOG_NAME
from server.storage.atomic import put_in_place, stage, write_atomically
from server.storage.errors import DatabaseProblem
from server.storage.files import GuideFiles, sha256_hex
from server.storage.records import Records
from server.storage.rows import AuditRecord, Version, utc_now

__all__ = ["AuditRecord", "Change", "ChangeUnfinished", "FileWrite", "Journal", "checkpoint"]
from server.errors import BilangKaryoError

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


class Journal:
    def __init__(self, db: Records, guides_dir: Path, files: GuideFiles) -> None:
        self.db = db
        self.guides_dir = guides_dir
        self.files = files

    def commit(self, change: Change, contents: Mapping[str, bytes] | None = None) -> None:
        """Record, apply and finish `change`. Call with the publish lock held.

        `contents`: the bytes of the files it writes, by sha256, as the caller read and
        hashed them; others are read from the file store and checked against their hash.
        Every byte is written to temporary files first. A disk that fills up after
        the caller's space check then fails the change before it is journaled, with
        nothing changed; from the journal on, only renames and the records remain.
        """
        staged = self._stage(change, contents or {})
        try:
            pending_id = self.db.journal.add_pending(change.to_json())
        except BaseException:
            for path in staged.values():
                path.unlink(missing_ok=True)
            raise
        checkpoint("journaled")
        try:
            self._apply(change, pending_id, staged)
        except (OSError, DatabaseProblem) as exc:
            raise ChangeUnfinished(str(exc)) from exc

    def recover(self) -> int:
        """Finish every change a killed process left half-done; the number finished."""
        rows = self.db.journal.pending()
        for pending_id, payload in rows:
            self._apply(Change.from_json(payload), pending_id)
        self._remove_temp_files()
        return len(rows)

    def _stage(self, change: Change, contents: Mapping[str, bytes]) -> dict[str, Path]:
        """Each file of `change` (by name in guides/), written beside its place."""
        staged: dict[str, Path] = {}
        try:
            for write in (*change.writes_before, *change.writes_after):
                data = contents.get(write.sha256) or self._stored_bytes(write)
                staged[write.name] = stage(self._target(write), data)
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
        `staged`, it writes every file anew from the file store."""
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
        with self.db.journal.finish(pending_id) as records:
            for version in change.versions:
                records.add_version(version)
            for entry in change.audit:
                records.add_audit(entry, change.at)
            if change.catalog_text is not None:
                records.save_catalog(change.catalog_text, change.at)
        checkpoint("recorded")

    def _target(self, write: FileWrite) -> Path:
        target = self.guides_dir / write.name
        # Names were checked when the change was made; this guards the journal itself.
        assert target.resolve().parent == self.guides_dir.resolve(), write.name
        return target

    def _stored_bytes(self, write: FileWrite) -> bytes:
        data = self.files.read(write.sha256)
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
        # lock held, none of them belongs to a write still in progress (the file
        # store, too, is only written with the lock held).
        for path in self.guides_dir.glob(".*.tmp"):
            path.unlink(missing_ok=True)
        self.files.tidy()
