"""Keeps a replica's guides/ equal to the catalog published in PostgreSQL, by any replica.

A thread LISTENs for published changes (pg_journal.announce). On each, on start, after
a lost connection, and every `poll_seconds` in case a notification was missed, it
catches up: it fetches every file the newest catalog names into the local cache first,
then writes the changed files and the catalog into guides/, and only then tells the
site to reload. A replica therefore never serves a catalog whose files it lacks; until
it has them all it keeps serving the previous one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from server.catalog_file import CATALOG_NAME, CatalogError, parse_catalog
from server.storage.atomic import write_atomically
from server.storage.files import sha256_hex
from server.storage.pg_db import CATALOG_CHANNEL, CONNECT_SECONDS
from server.storage.pg_records import PostgresRecords
from server.storage.replica_files import ReplicaFiles

log = logging.getLogger("bilang_karyo")

POLL_SECONDS = 5.0
# After a lost connection: the first retry at once, then ever longer, up to this.
MAX_RETRY_SECONDS = 5.0


@dataclass
class SyncStatus:
    """What /healthz reports of this replica."""

    version: int = 0  # the catalog version this replica serves
    newest: int = 0  # the newest published, as last heard
    listening: bool = False
    problem: str = ""


class ReplicaSync:
    def __init__(
        self,
        records: PostgresRecords,
        files: ReplicaFiles,
        guides_dir: Path,
        on_change: Callable[[], object],
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.records = records
        self.files = files
        self.guides_dir = guides_dir
        self.on_change = on_change
        self.poll_seconds = poll_seconds
        self.status = SyncStatus()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._catching_up = threading.Lock()
        self._written: dict[str, str] = {}  # file name -> sha256 this replica wrote

    # Catching up ---------------------------------------------------------------

    def catch_up(self) -> bool:
        """Bring guides/ to the newest published catalog and reload the site; True if a
        newer catalog was published since the last time."""
        with self._catching_up, self.records.publish_lock.local():
            version = self.records.journal.catalog_version()
            self.status.newest = max(self.status.newest, version)
            if version == 0 or version == self.status.version:
                return False
            latest = self.records.journal.latest_catalog()
            wanted = self._wanted_files(latest.text if latest else "")
            for sha256 in set(wanted.values()):
                self.files.fetch(sha256)  # all of them, before anything changes
            self._write(wanted, latest.text if latest else None)
            # Also when guides/ was already written (a publish by this replica, or by the
            # CLI on this machine). Still holding this process's lock: what the site is
            # shown is what was just written. The site builds only if the catalog changed.
            self.on_change()
            self.status.version = version
            self.status.problem = ""
        return True

    def _wanted_files(self, catalog_text: str) -> dict[str, str]:
        """Each file name the catalog names -> the sha256 of its newest version."""
        try:
            entries = parse_catalog(catalog_text, self.guides_dir / CATALOG_NAME)
        except CatalogError as exc:
            raise RuntimeError(f"the published catalog does not parse: {exc}") from exc
        latest = self.records.versions.latest()
        return {
            name: latest[(entry.slug, lang)].sha256
            for entry in entries
            for lang, name in entry.files.items()
            if (entry.slug, lang) in latest
        }

    def _write(self, wanted: dict[str, str], catalog_text: str | None) -> bool:
        """Writes what differs; True if anything did."""
        changed = False
        # Files first, the catalog that names them last (as journal.py writes them).
        for name, sha256 in sorted(wanted.items()):
            target = self.guides_dir / name
            if self._written.get(name) == sha256 or _hash_of(target) == sha256:
                self._written[name] = sha256
                continue
            write_atomically(target, self.files.read(sha256))
            self._written[name] = sha256
            changed = True
        if catalog_text is not None:
            catalog = self.guides_dir / CATALOG_NAME
            if _text_of(catalog) != catalog_text:
                write_atomically(catalog, catalog_text.encode())
                changed = True
        return changed

    # Listening -----------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """/healthz's report of the database and of the catalog version served. It is
        public: no address, user or error text of the database (the log has those)."""
        return {
            "database": {
                "kind": "postgresql",
                "listening": self.status.listening,
                "caught_up": not self.status.problem,
            },
            "replica": {
                "catalog_version": self.status.version,
                "newest_published": self.status.newest,
            },
        }

    def listen(self) -> None:
        """Follow the other replicas' publishes, in a thread of its own, until `stop`."""
        self._thread = threading.Thread(target=self._run, name="replica-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        delay = 0.0
        while not self._stop.is_set():
            try:
                with self._listening() as conn:
                    delay = 0.0
                    self.catch_up()  # whatever was published while not listening
                    self._wait_for_changes(conn)
            except Exception as exc:  # a lost connection, a failed fetch: retry, keep serving
                self.status.listening = False
                self.status.problem = str(exc).strip()[:300]
                log.warning("replica sync: %s; retrying in %.1f s", self.status.problem, delay)
                self._stop.wait(delay)
                delay = min(MAX_RETRY_SECONDS, max(0.25, delay * 2))

    @contextlib.contextmanager
    def _listening(self) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        with psycopg.connect(
            self.records.db.url, autocommit=True, connect_timeout=int(CONNECT_SECONDS)
        ) as conn:
            conn.execute(f"LISTEN {CATALOG_CHANNEL}")
            self.status.listening = True
            self.status.problem = ""
            yield conn

    def _wait_for_changes(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        last_check = time.monotonic()
        while not self._stop.is_set():
            heard = False
            for notice in conn.notifies(timeout=0.5):
                heard = True
                if notice.payload.isdigit():
                    self.status.newest = max(self.status.newest, int(notice.payload))
            if heard or time.monotonic() - last_check >= self.poll_seconds:
                last_check = time.monotonic()
                self.catch_up()
            if not heard:
                conn.execute("SELECT 1")  # notices a dropped connection


def _hash_of(path: Path) -> str | None:
    try:
        return sha256_hex(path.read_bytes())
    except OSError:
        return None


def _text_of(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
