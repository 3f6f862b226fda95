"""Guide versions and the publish journal on PostgreSQL, shared by every replica.

A change's records, the catalog text in force and a new `catalog_state` row are
committed in one transaction, which also NOTIFYs the other replicas: PostgreSQL
delivers the notification at the commit, and only if it commits. One publisher at a
time across replicas holds `publish_lock` (an advisory lock).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import asdict

from server.storage.pg_db import CATALOG_CHANNEL, Connection, Postgres
from server.storage.records import CatalogListener
from server.storage.rows import AuditRecord, CatalogSnapshot, Version, utc_now

log = logging.getLogger("bilang_karyo")

# Any fixed number: one publish at a time, across every replica.
_PUBLISH_LOCK = 0x5055424C495348


def _version(row: dict[str, object]) -> Version:
    return Version(**row)  # type: ignore[arg-type]


class PostgresVersions:
    def __init__(self, db: Postgres) -> None:
        self.db = db

    def history(self, slug: str) -> list[Version]:
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM versions WHERE slug = %s ORDER BY id DESC", (slug,)
            ).fetchall()
        return [_version(row) for row in rows]

    def get(self, slug: str, lang: str, number: int) -> Version | None:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT * FROM versions WHERE slug = %s AND lang = %s AND number = %s",
                (slug, lang, number),
            ).fetchone()
        return _version(row) if row else None

    def current(self, slug: str, lang: str) -> Version | None:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT * FROM versions WHERE slug = %s AND lang = %s ORDER BY number DESC LIMIT 1",
                (slug, lang),
            ).fetchone()
        return _version(row) if row else None

    def current_hashes(self) -> dict[tuple[str, str], str]:
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT DISTINCT ON (slug, lang) slug, lang, sha256 FROM versions"
                " ORDER BY slug, lang, number DESC"
            ).fetchall()
        return {(row["slug"], row["lang"]): row["sha256"] for row in rows}

    def next_number(self, slug: str, lang: str) -> int:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 AS n FROM versions"
                " WHERE slug = %s AND lang = %s",
                (slug, lang),
            ).fetchone()
        return int(row["n"]) if row else 1

    def latest(self) -> dict[tuple[str, str], Version]:
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT DISTINCT ON (slug, lang) * FROM versions ORDER BY slug, lang, number DESC"
            ).fetchall()
        return {(row["slug"], row["lang"]): _version(row) for row in rows}

    def pages_of(self, sha256: str) -> int | None:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT pages FROM versions WHERE sha256 = %s LIMIT 1", (sha256,)
            ).fetchone()
        return int(row["pages"]) if row else None

    def hashes(self) -> set[str]:
        with self.db.connect() as conn:
            return {row["sha256"] for row in conn.execute("SELECT DISTINCT sha256 FROM versions")}


def add_audit(conn: Connection, entry: AuditRecord, at: str | None = None) -> None:
    conn.execute(
        "INSERT INTO audit (at, actor, action, guide, lang, old_sha256, new_sha256, detail)"
        " VALUES (%(at)s, %(actor)s, %(action)s, %(guide)s, %(lang)s, %(old_sha256)s,"
        " %(new_sha256)s, %(detail)s)",
        {**asdict(entry), "at": at or utc_now()},
    )


def insert_version(conn: Connection, version: Version) -> None:
    values = asdict(version)
    values.pop("id")
    conn.execute(
        "INSERT INTO versions (slug, number, lang, sha256, size, pages, created_at, actor,"
        " action, restored_from, last_checked) VALUES (%(slug)s, %(number)s, %(lang)s,"
        " %(sha256)s, %(size)s, %(pages)s, %(created_at)s, %(actor)s, %(action)s,"
        " %(restored_from)s, %(last_checked)s)",
        values,
    )


def save_snapshot(conn: Connection, text: str, at: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()
    conn.execute(
        "INSERT INTO catalog_snapshots (sha256, text, saved_at) VALUES (%s, %s, %s)"
        " ON CONFLICT (sha256) DO UPDATE SET saved_at = excluded.saved_at,"
        " saved_order = nextval('catalog_snapshot_order')",
        (digest, text, at),
    )
    return digest


def announce(conn: Connection, catalog_sha256: str) -> int:
    """A new catalog version, told to every replica when the transaction commits."""
    row = conn.execute(
        "INSERT INTO catalog_state (catalog_sha256) VALUES (%s) RETURNING version",
        (catalog_sha256,),
    ).fetchone()
    assert row is not None
    version = int(row["version"])
    conn.execute("SELECT pg_notify(%s, %s)", (CATALOG_CHANNEL, str(version)))
    return version


def catalog_version(conn: Connection) -> int:
    row = conn.execute("SELECT COALESCE(MAX(version), 0) AS v FROM catalog_state").fetchone()
    return int(row["v"]) if row else 0


class PostgresTransaction:
    """The records of one journaled change, written on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.catalog_sha256: str | None = None

    def add_version(self, version: Version) -> None:
        insert_version(self.conn, version)

    def add_audit(self, entry: AuditRecord, at: str) -> None:
        add_audit(self.conn, entry, at)

    def save_catalog(self, text: str, at: str) -> None:
        self.catalog_sha256 = save_snapshot(self.conn, text, at)


class PostgresJournal:
    def __init__(self, db: Postgres) -> None:
        self.db = db
        self.listeners: list[CatalogListener] = []

    def add_pending(self, payload: str) -> int:
        with self.db.connect() as conn:
            row = conn.execute(
                "INSERT INTO pending (payload) VALUES (%s) RETURNING id", (payload,)
            ).fetchone()
        assert row is not None
        return int(row["id"])

    def pending(self) -> list[tuple[int, str]]:
        with self.db.connect() as conn:
            rows = conn.execute("SELECT id, payload FROM pending ORDER BY id").fetchall()
        return [(int(row["id"]), row["payload"]) for row in rows]

    @contextlib.contextmanager
    def finish(self, pending_id: int) -> Iterator[PostgresTransaction]:
        with self.db.connect() as conn:
            transaction = PostgresTransaction(conn)
            yield transaction
            catalog = transaction.catalog_sha256 or _latest_sha256(conn)
            conn.execute("DELETE FROM pending WHERE id = %s", (pending_id,))
            announce(conn, catalog)
        self.tell_listeners()

    def latest_catalog(self) -> CatalogSnapshot | None:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT sha256, text, saved_at FROM catalog_snapshots"
                " ORDER BY saved_order DESC LIMIT 1"
            ).fetchone()
        return CatalogSnapshot(row["sha256"], row["text"], row["saved_at"]) if row else None

    def save_catalog(self, text: str, at: str, audit: AuditRecord | None = None) -> None:
        with self.db.connect() as conn:
            digest = save_snapshot(conn, text, at)
            if audit is not None:
                add_audit(conn, audit, at)
            announce(conn, digest)
        self.tell_listeners()

    def catalog_version(self) -> int:
        """The number of the newest published change (0: none yet)."""
        with self.db.connect() as conn:
            return catalog_version(conn)

    def tell_listeners(self) -> None:
        for listener in list(self.listeners):
            try:
                listener()
            except Exception:  # one listener failing must not undo a committed change
                log.exception("a catalog listener failed")


class PostgresPublishLock:
    """One publisher at a time across every replica (an advisory lock, held on a connection
    of its own and released by PostgreSQL if the process dies); re-entrant within a process.

    `local()` is the in-process part alone: a replica bringing its own guides/ up to date
    with a change published elsewhere keeps out of its own publishes, without waiting for
    another replica's publish to end."""

    def __init__(self, db: Postgres) -> None:
        self.db = db
        self._rlock = threading.RLock()
        self._depth = 0
        self._held: contextlib.ExitStack | None = None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        with self._rlock:
            if self._depth == 0:
                stack = contextlib.ExitStack()
                conn = stack.enter_context(self.db.connect())
                conn.execute("SELECT pg_advisory_lock(%s)", (_PUBLISH_LOCK,))
                conn.commit()
                stack.callback(_unlock, conn)
                self._held = stack
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._held is not None:
                    held, self._held = self._held, None
                    held.close()

    @contextlib.contextmanager
    def local(self) -> Iterator[None]:
        with self._rlock:
            yield


def _unlock(conn: Connection) -> None:
    conn.execute("SELECT pg_advisory_unlock(%s)", (_PUBLISH_LOCK,))
    conn.commit()


def _latest_sha256(conn: Connection) -> str:
    row = conn.execute(
        "SELECT sha256 FROM catalog_snapshots ORDER BY saved_order DESC LIMIT 1"
    ).fetchone()
    return str(row["sha256"]) if row else ""
