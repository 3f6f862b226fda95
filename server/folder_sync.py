"""Files Tikkim copies into guides/ by hand, recorded as versions through the publishing path."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from server.audit import record
from server.blobs import sha256_hex
from server.catalog_file import CATALOG_NAME
from server.db import DatabaseProblem, problem_of, utc_now
from server.publish import FOLDER_ACTOR, Publisher
from server.publish_checks import Outcome, PublishError, dropped_owner
from server.site import ReloadStatus

log = logging.getLogger("bilang_karyo")


class FolderSync:
    """What the watcher runs: finish half-done changes, record dropped files, reload."""

    def __init__(self, publisher: Publisher, status: ReloadStatus | None = None) -> None:
        self.publisher = publisher
        self.status = status or ReloadStatus()

    def refresh(self, reload: Callable[[], bool]) -> bool:
        """Finish any half-done change, record files dropped into guides/, then reload.

        Nothing here may stop the watcher or the server's start: a locked or damaged
        database, a full disk, a hostile file are reported (`/healthz`: "degraded",
        with the cause) and tried again by the watcher.
        """
        try:
            with self.publisher.lock.held():
                try:
                    self.publisher.journal.recover()
                    self.sync()
                except Exception as exc:
                    self._report(exc, "guides/ not recorded as versions yet")
                else:
                    self.status.clear("guides_sync")
                    self.status.clear("database")
                return reload()
        except Exception as exc:
            self._report(exc, "guides/ not synchronised")
            return reload()

    def _report(self, exc: Exception, what: str) -> None:
        problem = problem_of(exc, self.publisher.db.path)
        if isinstance(problem, DatabaseProblem) and problem.key in ("db_missing", "db_damaged"):
            self.status.report("database", str(problem))
        else:
            self.status.report("guides_sync", f"{what}: {_cause(problem or exc)}")

    def sync(self) -> list[Outcome]:
        """Record, as new versions, PDFs that were copied into guides/ by hand.

        They take the same path as an upload, except that the file is already
        in place and is not rewritten (a copy may still be going on).
        """
        outcomes: list[Outcome] = []
        with self.publisher.lock.held():
            try:
                entries = self.publisher.entries()
            except PublishError:
                return outcomes  # the site reports the broken catalog; nothing to record
            self._snapshot_catalog()
            owners = {name: (e.slug, lang) for e in entries for lang, name in e.files.items()}
            for path in sorted(self.publisher.guides_dir.glob("*.pdf")):
                owner = owners.get(path.name) or dropped_owner(path.name, self.publisher.languages)
                if owner is None or not self._is_own_file(path):
                    continue
                slug, lang = owner
                try:
                    outcome = self.publisher.record_folder_file(slug, lang, path)
                except (OSError, PublishError) as exc:
                    log.warning("%s: not recorded yet: %s", path.name, exc)
                    continue
                if outcome is not None:
                    outcomes.append(outcome)
        return outcomes

    def _is_own_file(self, path: Path) -> bool:
        # A link pointing out of guides/ is not ours to record.
        return path.is_file() and path.resolve().parent == self.publisher.guides_dir.resolve()

    def _snapshot_catalog(self) -> None:
        """Keep a copy of catalog.toml as edited by hand, and log the edit."""
        text = self.publisher.catalog_text()
        digest = sha256_hex(text.encode())
        with self.publisher.db.connect() as conn:
            last = conn.execute(
                "SELECT sha256 FROM catalog_snapshots ORDER BY rowid DESC LIMIT 1"
            ).fetchone()
            if last is not None and last[0] == digest:
                return
            conn.execute(
                "INSERT OR REPLACE INTO catalog_snapshots (sha256, text, saved_at)"
                " VALUES (?, ?, ?)",
                (digest, text, utc_now()),
            )
            if last is not None:
                record(
                    conn,
                    FOLDER_ACTOR,
                    "edit",
                    old_sha256=last[0],
                    new_sha256=digest,
                    detail=CATALOG_NAME,
                )


def _cause(exc: BaseException) -> str:
    return f"{exc}" if str(exc) else type(exc).__name__
