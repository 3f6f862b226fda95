"""Files Tikkim copies into guides/ by hand, recorded as versions through the publishing path."""

from __future__ import annotations

import logging
from pathlib import Path

from server.catalog_file import CATALOG_NAME
from server.publish import FOLDER_ACTOR, Publisher
from server.publish_checks import Outcome, PublishError, dropped_owner
from server.site import ReloadStatus
from server.storage.errors import DatabaseProblem
from server.storage.files import sha256_hex
from server.storage.rows import AuditRecord, utc_now

log = logging.getLogger("bilang_karyo")


class FolderSync:
    """What the watcher runs: finish half-done changes, record dropped files, show the site."""

    def __init__(self, publisher: Publisher, status: ReloadStatus | None = None) -> None:
        self.publisher = publisher
        self.status = status or ReloadStatus()

    def refresh(self, render: bool = True) -> bool:
        """Finish any half-done change, record files dropped into guides/, then hand the
        catalog to the site (built only if it changed); True when the site was built anew.

        A dropped file's text and pages are made before it goes live; without `render`
        (the server starting, which must answer soon) the site makes the pages after.

        Nothing here may stop the watcher or the server's start: a locked or damaged
        database, a full disk, a hostile file are reported (`/healthz`: "degraded",
        with the cause) and tried again by the watcher.
        """
        try:
            with self.publisher.lock.held():
                try:
                    self.publisher.journal.recover()
                    self._sync(render)
                except Exception as exc:
                    self._report(exc, "guides/ not recorded as versions yet")
                else:
                    self.status.clear("guides_sync")
                    self.status.clear("database")
                return self.publisher.show(render)
        except Exception as exc:
            self._report(exc, "guides/ not synchronised")
            return self.publisher.show(render)

    def _report(self, exc: Exception, what: str) -> None:
        problem = self.publisher.db.problem(exc)
        if isinstance(problem, DatabaseProblem) and problem.key in ("db_missing", "db_damaged"):
            self.status.report("database", str(problem))
        else:
            self.status.report("guides_sync", f"{what}: {_cause(problem or exc)}")

    def sync(self) -> list[Outcome]:
        """Record, as new versions, PDFs that were copied into guides/ by hand.

        They take the same path as an upload, except that the file is already
        in place and is not rewritten (a copy may still be going on).
        """
        with self.publisher.lock.held():
            return self._sync()

    def _sync(self, render: bool = True) -> list[Outcome]:
        outcomes: list[Outcome] = []
        try:
            entries = self.publisher.entries()
        except PublishError:
            return outcomes  # the site reports the broken catalog; nothing to record
        self._snapshot_catalog()
        owners = {name: (e.slug, lang) for e in entries for lang, name in e.files.items()}
        latest = self.publisher.versions.latest()  # one query for every file
        for path in sorted(self.publisher.guides_dir.glob("*.pdf")):
            owner = owners.get(path.name) or dropped_owner(path.name, self.publisher.languages)
            if owner is None or not self._is_own_file(path):
                continue
            slug, lang = owner
            try:
                outcome = self.publisher.record_folder_file(
                    slug, lang, path, latest.get(owner), render=render
                )
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
        last = self.publisher.db.journal.latest_catalog()
        if last is not None and last.sha256 == digest:
            return
        audit = None
        if last is not None:
            audit = AuditRecord(
                FOLDER_ACTOR, "edit", old_sha256=last.sha256, new_sha256=digest, detail=CATALOG_NAME
            )
        self.publisher.db.journal.save_catalog(text, utc_now(), audit)


def _cause(exc: BaseException) -> str:
    return f"{exc}" if str(exc) else type(exc).__name__
