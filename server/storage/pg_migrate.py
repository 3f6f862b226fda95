"""`bilang-karyo migrate-data`: copy a single-machine install (SQLite + folders) into PostgreSQL.

Everything is copied in one transaction into an empty database, or nothing is: the
accounts, every guide version with its file, the audit log, usage counts, feedback,
notices and catalog texts, then the catalog of guides/ as the one in force. The
SQLite file is only read. PDFs of guides/ that no version holds yet are recorded as the
site would at its next start. Sessions and login throttling are not copied (staff sign in
again); reader pages and text versions are made again by each replica.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from server.catalog_file import CATALOG_NAME
from server.errors import ConfigError
from server.storage.files import sha256_hex
from server.storage.pg_db import Connection, Postgres
from server.storage.pg_journal import add_audit, announce, insert_version, save_snapshot
from server.storage.rows import AuditRecord, Version, utc_now

# Who the versions of files found in guides/ are recorded by (as the folder watcher does).
FOLDER_ACTOR = "folder"

SQLITE_NAME = "bilang-karyo.sqlite3"
SECRET_NAME = "secret.key"
FILES_FOLDER = "blobs"
# Copied as they are (ids kept, so the audit log and notices keep their numbers).
_TABLES = {
    "accounts": ("name", "password_hash", "created_at", "password_changed_at"),
    "versions": ("id", "slug", "number", "lang", "sha256", "size", "pages", "created_at",
                 "actor", "action", "restored_from", "last_checked"),
    "audit": ("id", "at", "actor", "action", "guide", "lang", "old_sha256", "new_sha256",
              "detail"),
    "usage_daily": ("day", "metric", "guide", "lang", "count"),
    "notices": ("id", "text_id", "text_en", "starts_at", "ends_at", "created_at", "created_by",
                "removed_at", "removed_by"),
    "feedback": ("id", "day", "guide", "lang", "section", "helpful", "comment"),
}  # fmt: skip
_SEQUENCES = ("versions", "audit", "notices")


class MigrateError(ConfigError):
    """The copy cannot be made; nothing was written. The message says what to do.

    A ConfigError because it is met only by `bilang-karyo migrate-data`, before any
    server starts on the new database: the install or the database URL must be fixed.
    """


@dataclass
class Copied:
    files: int = 0
    file_bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    catalog_version: int = 0


def migrate(data_dir: Path, guides_dir: Path, db: Postgres) -> Copied:
    source = data_dir / SQLITE_NAME
    if not source.is_file():
        raise MigrateError(
            f"there is no database to copy at {source}; give the data folder of the install "
            "with --data (or BILANG_KARYO_DATA)"
        )
    db.upgrade()
    sqlite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    sqlite.row_factory = sqlite3.Row
    try:
        pending = sqlite.execute("SELECT COUNT(*) FROM pending").fetchone()[0]
        if pending:
            raise MigrateError(
                f"{source} holds a publish that was not finished; start the site once with "
                "this data folder (it finishes it), stop it, then migrate"
            )
        with db.connect() as conn:
            _require_empty(conn, db)
            copied = Copied()
            _copy_files(conn, data_dir, guides_dir, sqlite, copied)
            for table, columns in _TABLES.items():
                copied.rows[table] = _copy_table(conn, sqlite, table, columns)
            for table in _SEQUENCES:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)".encode()
                )
            _copy_usage_seen(conn, sqlite, copied)
            for row in sqlite.execute(
                "SELECT text, saved_at FROM catalog_snapshots ORDER BY saved_at"
            ):
                save_snapshot(conn, row["text"], row["saved_at"])
            copied.rows["catalog_snapshots"] = _count(conn, "catalog_snapshots")
            catalog = guides_dir / CATALOG_NAME
            text = catalog.read_text(encoding="utf-8") if catalog.exists() else ""
            copied.rows["versions"] += _record_folder_files(conn, guides_dir, text)
            digest = save_snapshot(conn, text, utc_now())
            secret = data_dir / SECRET_NAME
            if secret.exists():
                # Login throttling keys and signed forms stay as they were.
                conn.execute(
                    "INSERT INTO site_secrets (name, value) VALUES ('cookies', %s)",
                    (secret.read_text().strip(),),
                )
            copied.catalog_version = announce(conn, digest)
    finally:
        sqlite.close()
    return copied


def _record_folder_files(conn: Connection, guides_dir: Path, catalog_text: str) -> int:
    """Files of guides/ no version holds yet (copied in by hand, and the site not started
    since): recorded as versions, as the site would at its next start; the number recorded.
    Replicas serve what the versions say, not what one machine's folder holds."""
    from server.catalog_file import CatalogError, parse_catalog
    from server.publish_checks import PublishError, check_pdf

    try:
        entries = parse_catalog(catalog_text, guides_dir / CATALOG_NAME)
    except CatalogError as exc:
        raise MigrateError(f"{exc}; fix catalog.toml, then migrate. Nothing was copied.") from None
    recorded = 0
    for entry in entries:
        for lang, name in entry.files.items():
            path = guides_dir / name
            if not path.is_file():
                continue
            data = path.read_bytes()
            digest = sha256_hex(data)
            row = conn.execute(
                "SELECT sha256, number FROM versions WHERE slug = %s AND lang = %s"
                " ORDER BY number DESC LIMIT 1",
                (entry.slug, lang),
            ).fetchone()
            if row is not None and row["sha256"] == digest:
                continue
            try:
                pages = check_pdf(data, digest)
            except PublishError as exc:
                raise MigrateError(f"{path}: {exc.detail}; nothing was copied") from None
            number = (row["number"] if row else 0) + 1
            now, checked = utc_now(), entry.last_checked.isoformat()
            version = Version(0, entry.slug, number, lang, digest, len(data), pages, now,
                              FOLDER_ACTOR, "publish", None, checked)  # fmt: skip
            insert_version(conn, version)
            old = row["sha256"] if row else ""
            entry_audit = AuditRecord(FOLDER_ACTOR, "publish", entry.slug, lang, old, digest,
                                      f"v{number} {name}")  # fmt: skip
            add_audit(conn, entry_audit, now)
            recorded += 1
    return recorded


def _require_empty(conn: Connection, db: Postgres) -> None:
    from server.settings import shown_url

    for table in ("accounts", "versions", "audit", "guide_files", "catalog_state"):
        if _count(conn, table):
            raise MigrateError(
                f"the database at {shown_url(db.url)} already holds {table}; migrate-data "
                "copies into an empty database only, so that nothing is mixed or overwritten"
            )


def _count(conn: Connection, table: str) -> int:
    row = conn.execute(f"SELECT COUNT(*) AS n FROM {table}".encode()).fetchone()
    return int(row["n"]) if row else 0


def _copy_files(
    conn: Connection, data_dir: Path, guides_dir: Path, sqlite: sqlite3.Connection, copied: Copied
) -> None:
    """Every stored version's file (from the data folder) and every PDF in guides/."""
    candidates = sorted((data_dir / FILES_FOLDER).glob("*/*.pdf")) + sorted(
        guides_dir.glob("*.pdf")
    )
    stored: set[str] = set()
    for path in candidates:
        data = path.read_bytes()
        digest = sha256_hex(data)
        if path.parent.parent == data_dir / FILES_FOLDER and path.stem != digest:
            raise MigrateError(
                f"{path} is damaged (its bytes do not match its name); nothing copied"
            )
        if digest in stored:
            continue
        conn.execute(
            "INSERT INTO guide_files (sha256, size, data) VALUES (%s, %s, %s)",
            (digest, len(data), data),
        )
        stored.add(digest)
        copied.files += 1
        copied.file_bytes += len(data)
    named = {row[0] for row in sqlite.execute("SELECT DISTINCT sha256 FROM versions")}
    missing = sorted(named - stored)
    if missing:
        raise MigrateError(
            f"{len(missing)} guide version(s) have no file in {data_dir / FILES_FOLDER} "
            f"(first: {missing[0]}); restore the data folder from its backup, then migrate. "
            "Nothing was copied."
        )


def _copy_table(
    conn: Connection, sqlite: sqlite3.Connection, table: str, columns: tuple[str, ...]
) -> int:
    names = ", ".join(columns)
    marks = ", ".join(["%s"] * len(columns))
    rows = [tuple(row) for row in sqlite.execute(f"SELECT {names} FROM {table} ORDER BY rowid")]
    if rows:
        with conn.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})".encode(), rows)
    return len(rows)


def _copy_usage_seen(conn: Connection, sqlite: sqlite3.Connection, copied: Copied) -> None:
    rows = [tuple(r) for r in sqlite.execute("SELECT id, day FROM usage_seen ORDER BY rowid")]
    if rows:
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO usage_seen (id, day) VALUES (%s, %s)", rows)
    copied.rows["usage_seen"] = len(rows)
