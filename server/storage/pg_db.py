"""The PostgreSQL database of a replicated install: a connection pool and the schema's upgrades."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
import psycopg_pool
from psycopg.rows import dict_row

from server.settings import shown_url
from server.storage.errors import DatabaseProblem
from server.storage.pg_schema import LATEST, MIGRATIONS

# Replicas hear of each published catalog on this channel (pg_records.py, replica_sync.py).
CATALOG_CHANNEL = "bilang_karyo_catalog"
# Any fixed number: only one process at a time runs the migrations.
_MIGRATION_LOCK = 0x42494C414E47
CONNECT_SECONDS = 10.0

Connection = psycopg.Connection[dict[str, Any]]


class PostgresProblem(DatabaseProblem):
    """PostgreSQL cannot be used; the message says what is wrong and what to do."""

    def __init__(self, message: str, key: str = "db_unreachable") -> None:
        super().__init__(key, message)


def problem(url: str, exc: BaseException) -> PostgresProblem:
    return PostgresProblem(
        f"PostgreSQL at {shown_url(url)} cannot be used ({str(exc).strip()}). Check that the "
        "server is running and reachable from this machine, and that the user, password and "
        "database in BILANG_KARYO_DATABASE_URL are right (`bilang-karyo check` tests it)."
    )


class Postgres:
    """A pool of connections to one PostgreSQL database, opened on first use."""

    def __init__(self, url: str, *, max_size: int = 8) -> None:
        self.url = url
        self._pool: psycopg_pool.ConnectionPool[Connection] = psycopg_pool.ConnectionPool(
            url,
            connection_class=psycopg.Connection[dict[str, Any]],
            min_size=1,
            max_size=max_size,
            kwargs={"row_factory": dict_row, "connect_timeout": int(CONNECT_SECONDS)},
            open=False,
            # A connection broken by a restart of PostgreSQL is noticed before it is lent.
            check=psycopg_pool.ConnectionPool.check_connection,
            name="bilang-karyo",
        )
        self._opened = False

    def open(self) -> None:
        if not self._opened:
            self._pool.open(wait=False)
            self._opened = True

    def close(self) -> None:
        if self._opened:
            self._pool.close()
            self._opened = False

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection whose work is committed when the block ends, or rolled back on error."""
        self.open()
        try:
            with self._pool.connection(timeout=CONNECT_SECONDS) as conn:
                yield conn
        except psycopg_pool.PoolTimeout as exc:
            raise problem(self.url, _reason(self.url, exc)) from exc
        except psycopg.OperationalError as exc:
            raise problem(self.url, exc) from exc

    def schema_version(self) -> int:
        with self.connect() as conn:
            return _applied(conn)

    def upgrade(self) -> list[int]:
        """Apply every migration not applied yet, each in its own transaction; the numbers
        applied. Replicas starting together take turns (an advisory lock)."""
        done: list[int] = []
        with self.connect() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            try:
                conn.commit()
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                conn.commit()
                current = _applied(conn)
                # So that each migration below is a transaction of its own, committed
                # before the lock is let go (not a savepoint of an open one).
                conn.commit()
                if current > LATEST:
                    raise PostgresProblem(
                        f"the database at {shown_url(self.url)} has schema version {current}, "
                        f"newer than this program knows ({LATEST}): run the newer bilang-karyo "
                        "that upgraded it, on every replica."
                    )
                for number in range(current + 1, LATEST + 1):
                    with conn.transaction():
                        conn.execute(MIGRATIONS[number - 1].encode())
                        conn.execute(
                            "INSERT INTO schema_migrations (version) VALUES (%s)", (number,)
                        )
                    done.append(number)
            finally:
                conn.rollback()  # nothing half-done outlives the lock
                conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
                conn.commit()
        return done

    def require_current(self) -> None:
        """Raise unless the schema is the one this program knows (`db upgrade` makes it so)."""
        found = self.schema_version()
        if found != LATEST:
            raise PostgresProblem(
                f"the database at {shown_url(self.url)} has schema version {found}; this "
                f"program needs {LATEST}. Run `bilang-karyo db upgrade` once, then start the "
                "replicas."
            )


def _reason(url: str, timeout: BaseException) -> BaseException:
    """Why the pool got no connection: the server's own answer (wrong password, no such
    database, refused), which the pool only logs."""
    try:
        psycopg.connect(url, connect_timeout=int(CONNECT_SECONDS)).close()
    except psycopg.Error as exc:
        return exc
    return timeout  # it connects now: every pooled connection was busy


def _applied(conn: Connection) -> int:
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").fetchone()
    if row is None or not row["present"]:
        return 0
    found = conn.execute("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations").fetchone()
    return int(found["v"]) if found else 0
