"""`bilang-karyo migrate-data`, `db upgrade`, `db check` and `check` with PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx2
import psycopg

from server.settings import PROJECT_ROOT
from testkit.admin_client import form_value
from testkit.pdfs import make_pdf
from testkit.postgres import PostgresCluster
from testkit.replicas import base, served_files, start_replica


def cli(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=PROJECT_ROOT,
    )


def make_install(tmp_path: Path, guides_dir: Path, office_file: Path) -> list[str]:
    """A data folder made by the current code through its own commands."""
    common = [
        "--guides",
        str(guides_dir),
        "--office",
        str(office_file),
        "--data",
        str(tmp_path / "data"),
    ]
    added = cli("user", "add", "tikkim", *common, stdin="a-long-enough-password-1\n")
    assert added.returncode == 0, added.stderr
    pdf = tmp_path / "new.pdf"
    pdf.write_bytes(make_pdf("Paspor baru: versi uji migrasi"))
    published = cli("publish", str(pdf), "--guide", "pembuatan-paspor", "--lang", "id", *common)
    assert published.returncode == 0, published.stderr
    return common


def test_an_install_is_copied_whole_into_an_empty_database(
    tmp_path: Path, guides_dir: Path, office_file: Path, database_url: str
) -> None:
    common = make_install(tmp_path, guides_dir, office_file)
    source = sqlite3.connect(tmp_path / "data" / "bilang-karyo.sqlite3")
    versions = source.execute(
        "SELECT slug, lang, number, sha256, action FROM versions ORDER BY id"
    ).fetchall()
    audit = source.execute("SELECT id, actor, action, guide FROM audit ORDER BY id").fetchall()
    source.close()
    assert any(row[4] == "publish" for row in versions)

    done = cli("migrate-data", *common, env={"BILANG_KARYO_DATABASE_URL": database_url})
    assert done.returncode == 0, done.stderr
    assert "catalog version 1" in done.stdout

    with psycopg.connect(database_url) as conn:
        found = conn.execute(
            "SELECT slug, lang, number, sha256, action FROM versions ORDER BY id"
        ).fetchall()
        # Every version copied as it was; then the sample PDFs the site never recorded (it
        # was not started), as its folder watcher would have: one version each.
        assert found[: len(versions)] == versions
        current = {(row[0], row[1]): row[3] for row in found}
        for name in ("antrian-paspor.id.pdf", "izin-tinggal.en.pdf"):
            slug, lang, _ = name.split(".")
            expected = hashlib.sha256((guides_dir / name).read_bytes()).hexdigest()
            assert current[(slug, lang)] == expected
        logged = conn.execute("SELECT id, actor, action, guide FROM audit ORDER BY id").fetchall()
        assert logged[: len(audit)] == audit
        assert {row[1] for row in logged[len(audit) :]} == {"folder"}
        assert [r[0] for r in conn.execute("SELECT name FROM accounts")] == ["tikkim"]
        # Every version's file is there, byte for byte.
        stored: dict[str, bytes] = dict(
            conn.execute("SELECT sha256, data FROM guide_files").fetchall()
        )
        assert {row[3] for row in versions} <= set(stored)
        for pdf in guides_dir.glob("*.pdf"):
            assert bytes(stored[hashlib.sha256(pdf.read_bytes()).hexdigest()]) == pdf.read_bytes()
        latest = conn.execute(
            "SELECT text FROM catalog_snapshots ORDER BY saved_order DESC LIMIT 1"
        ).fetchone()
        assert latest is not None and latest[0] == (guides_dir / "catalog.toml").read_text()
        # A new audit entry gets a new number, after the copied ones.
        conn.execute(
            "INSERT INTO audit (at, actor, action) VALUES ('2026-12-01T00:00:00', 'x', 'edit')"
        )
        new_id = conn.execute("SELECT MAX(id) FROM audit").fetchone()
        assert new_id is not None and new_id[0] == logged[-1][0] + 1
        conn.rollback()

    again = cli("migrate-data", *common, env={"BILANG_KARYO_DATABASE_URL": database_url})
    assert again.returncode == 1
    assert "empty database only" in again.stderr


def test_migrate_data_without_a_database_url_says_what_to_set(
    tmp_path: Path, guides_dir: Path, office_file: Path
) -> None:
    common = [
        "--guides",
        str(guides_dir),
        "--office",
        str(office_file),
        "--data",
        str(tmp_path / "data"),
    ]
    env = {k: v for k, v in os.environ.items() if k != "BILANG_KARYO_DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "migrate-data", *common],
        capture_output=True, text=True, timeout=60, env=env, cwd=PROJECT_ROOT,
    )  # fmt: skip
    assert done.returncode == 2
    assert "BILANG_KARYO_DATABASE_URL=postgresql://" in done.stderr


def test_db_upgrade_makes_the_schema(database_url: str, tmp_path: Path) -> None:
    env = {"BILANG_KARYO_DATABASE_URL": database_url}
    first = cli("db", "upgrade", "--data", str(tmp_path / "data"), env=env)
    assert first.returncode == 0, first.stderr
    assert "applied migration(s) 1" in first.stdout
    assert "postgresql://bilang:***@" in first.stdout
    second = cli("db", "upgrade", "--data", str(tmp_path / "data"), env=env)
    assert "nothing to do" in second.stdout


def test_check_and_db_check_test_the_connection(
    tmp_path: Path,
    guides_dir: Path,
    office_file: Path,
    database_url: str,
    postgres: PostgresCluster,
) -> None:
    common = ["--guides", str(guides_dir), "--office", str(office_file), "--data",
              str(tmp_path / "data")]  # fmt: skip
    env = {"BILANG_KARYO_DATABASE_URL": database_url}
    before = cli("check", *common, env=env)
    assert before.returncode == 1
    assert "schema version 0" in before.stdout and "db upgrade" in before.stdout
    assert cli("db", "upgrade", *common, env=env).returncode == 0
    after = cli("check", *common, env=env)
    assert after.returncode == 0, after.stdout
    assert "database: PostgreSQL at postgresql://bilang:***@" in after.stdout
    counted = cli("db", "check", *common, env=env)
    assert counted.returncode == 0 and "0 account(s)" in counted.stdout
    wrong = {"BILANG_KARYO_DATABASE_URL": database_url.replace(postgres.password, "wrong")}
    refused = cli("db", "check", *common, env=wrong)
    assert refused.returncode == 1
    assert "password authentication failed" in refused.stderr
    assert "wrong" not in refused.stderr.replace("password authentication failed", "")
    assert cli("db", "new", *common, env=env).returncode == 2


def test_a_replica_on_the_migrated_database_serves_the_install_and_its_accounts(
    tmp_path: Path, guides_dir: Path, office_file: Path, database_url: str, sample_reader: Path
) -> None:
    common = make_install(tmp_path, guides_dir, office_file)
    assert (
        cli("migrate-data", *common, env={"BILANG_KARYO_DATABASE_URL": database_url}).returncode
        == 0
    )
    replica = start_replica(
        tmp_path / "replica", office_file, database_url, sample_reader, seed=False
    )
    try:
        served = served_files(replica)
        for (slug, lang), sha256 in served.items():
            name = f"{slug}.{lang}.pdf"
            assert hashlib.sha256((guides_dir / name).read_bytes()).hexdigest() == sha256
        assert len(served) == len(list(guides_dir.glob("*.pdf")))
        with httpx2.Client(base_url=base(replica), follow_redirects=True, timeout=30) as client:
            page = client.get("/admin/login")
            signed = client.post(
                "/admin/login",
                data={"token": form_value(page.text, "token"), "name": "tikkim",
                      "password": "a-long-enough-password-1"},
            )  # fmt: skip
            assert signed.status_code == 200 and "tikkim" in signed.text
    finally:
        replica.stop()
