"""The PostgreSQL database of a replicated install: connecting, and the schema's upgrades."""

from __future__ import annotations

import threading

import pytest

from server.storage.pg_db import Postgres, PostgresProblem
from server.storage.pg_schema import LATEST
from testkit.postgres import PostgresCluster


def test_upgrade_makes_the_schema_once(database_url: str) -> None:
    db = Postgres(database_url)
    try:
        assert db.schema_version() == 0
        assert db.upgrade() == list(range(1, LATEST + 1))
        assert db.schema_version() == LATEST
        assert db.upgrade() == []  # a second replica's start changes nothing
        with db.connect() as conn:
            tables = {
                row["tablename"]
                for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")
            }
        assert {"accounts", "sessions", "versions", "audit", "guide_files"} <= tables
    finally:
        db.close()


def test_replicas_starting_together_upgrade_once(database_url: str) -> None:
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def start() -> None:
        db = Postgres(database_url)
        try:
            results.append(db.upgrade())
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results, key=len) == [[], [], list(range(1, LATEST + 1))]


def test_the_audit_log_stays_append_only(database_url: str) -> None:
    db = Postgres(database_url)
    try:
        db.upgrade()
        with db.connect() as conn:
            conn.execute(
                "INSERT INTO audit (at, actor, action)"
                " VALUES ('2026-01-01T00:00:00', 'a', 'publish')"
            )
        with pytest.raises(Exception, match="append-only"), db.connect() as conn:
            conn.execute("DELETE FROM audit")
    finally:
        db.close()


def test_a_wrong_password_is_a_clear_problem_without_the_password(
    postgres: PostgresCluster,
) -> None:
    url = postgres.url().replace(postgres.password, "not-the-password")
    db = Postgres(url)
    try:
        with pytest.raises(PostgresProblem) as caught:
            db.schema_version()
    finally:
        db.close()
    message = str(caught.value)
    assert "not-the-password" not in message
    assert "password authentication failed" in message
    assert "BILANG_KARYO_DATABASE_URL" in message
