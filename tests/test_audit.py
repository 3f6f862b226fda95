"""The audit log: what each action writes, that it is append-only, filtering and CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.accounts import Accounts
from server.app import create_app
from server.audit import AuditEntry, AuditFilter, AuditLog, audit_csv, record, shorten_address
from server.db import DB_NAME, SIGN_IN_RETENTION_DAYS, Database
from server.publish import Publisher
from server.publish_checks import GuideTexts
from server.settings import Settings
from testkit.admin_client import PASSWORD, csrf_of, log_in
from testkit.pdfs import make_pdf


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entries(publisher: Publisher) -> list[AuditEntry]:
    return list(reversed(AuditLog(publisher.db).entries(limit=None)))


def test_each_guide_action_writes_who_what_and_both_hashes(
    guides_dir: Path, tmp_path: Path
) -> None:
    publisher = Publisher(guides_dir, tmp_path / "data")
    old = (guides_dir / "antrian-paspor.id.pdf").read_bytes()
    new = make_pdf("Baru")
    publisher.publish("antrian-paspor", "id", io.BytesIO(new), "budi")
    publisher.rollback("antrian-paspor", "siti", to=1)
    publisher.edit("antrian-paspor", "siti", GuideTexts(sources=("UU 6/2011",)))
    publisher.reorder("budi", {"antrian-paspor": 5})
    publisher.set_retired("antrian-paspor", "budi")
    publisher.set_retired("antrian-paspor", "budi", retired=False)
    publisher.publish(
        "visa",
        "en",
        io.BytesIO(make_pdf("Visa")),
        "siti",
        GuideTexts(title={"id": "Visa", "en": "Visa"}, summary={"id": "S.", "en": "S."}),
    )

    log = [(e.actor, e.action, e.guide, e.lang) for e in entries(publisher)]
    assert log == [
        ("folder", "publish", "antrian-paspor", "id"),  # the file found before the publish
        ("budi", "publish", "antrian-paspor", "id"),
        ("siti", "rollback", "antrian-paspor", "id"),
        ("siti", "edit", "antrian-paspor", ""),
        ("budi", "reorder", "", ""),
        ("budi", "retire", "antrian-paspor", ""),
        ("budi", "restore", "antrian-paspor", ""),
        ("siti", "add_guide", "visa", ""),
        ("siti", "publish", "visa", "en"),
    ]
    published, rolled_back = entries(publisher)[1:3]
    assert (published.old_sha256, published.new_sha256) == (sha(old), sha(new))
    assert (rolled_back.old_sha256, rolled_back.new_sha256) == (sha(new), sha(old))
    edit = entries(publisher)[3]
    assert edit.old_sha256 and edit.new_sha256 and edit.old_sha256 != edit.new_sha256
    assert all(e.at.endswith("+00:00") for e in entries(publisher))


def test_account_changes_are_logged(tmp_path: Path, guides_dir: Path) -> None:
    publisher = Publisher(guides_dir, tmp_path / "data")
    accounts = Accounts(publisher.db)
    accounts.add("budi", "kata-sandi-rahasia", "cli:root")
    accounts.set_password("budi", "kata-sandi-lain-1", "cli:root")
    accounts.remove("budi", "cli:root")
    assert [(e.actor, e.action, e.detail) for e in entries(publisher)] == [
        ("cli:root", "user_add", "budi"),
        ("cli:root", "user_passwd", "budi"),
        ("cli:root", "user_remove", "budi"),
    ]


def test_logins_failures_and_logouts_are_logged(settings: Settings) -> None:
    app = create_app(settings)
    admin = app.fallback.state.admin  # type: ignore[attr-defined]
    admin.accounts.add("budi", PASSWORD, "test")
    with TestClient(app) as client:
        log_in(client, password="salah-salah-salah")
        log_in(client)
        client.post("/admin/logout", data={"csrf": csrf_of(client)})
    log = [(e.actor, e.action) for e in admin.audit.entries(limit=None)][::-1]
    assert log[-3:] == [("budi", "login_failed"), ("budi", "login"), ("budi", "logout")]


def test_the_log_is_append_only(guides_dir: Path, tmp_path: Path) -> None:
    publisher = Publisher(guides_dir, tmp_path / "data")
    publisher.reorder("budi", {"antrian-paspor": 5})
    conn = sqlite3.connect(tmp_path / "data" / DB_NAME)
    try:
        for statement in ("UPDATE audit SET actor = 'x'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
    finally:
        conn.close()
    assert len(entries(publisher)) == 1


def test_filter_and_csv_export_in_the_admin(settings: Settings) -> None:
    app = create_app(settings)
    admin = app.fallback.state.admin  # type: ignore[attr-defined]
    admin.accounts.add("budi", PASSWORD, "test")
    admin.publisher.reorder('=HYPERLINK("x")', {"antrian-paspor": 5})
    admin.publisher.set_retired("izin-tinggal", "budi")
    with TestClient(app) as client:
        log_in(client)
        page = client.get("/admin/audit", params={"action": "retire"}).text
        assert page.count('data-action="retire"') == 1 and 'data-action="reorder"' not in page
        response = client.get("/admin/audit.csv", params={"guide": "izin-tinggal", "actor": "budi"})
    assert response.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["actor"], r["action"], r["guide"]) for r in rows] == [
        ("budi", "retire", "izin-tinggal")
    ]
    everything = audit_csv(admin.audit.entries(AuditFilter(action="reorder"), None))
    # A spreadsheet must not run what someone typed as a name.
    assert "'=HYPERLINK" in everything


# Addresses and retention (issue 11) --------------------------------------------------


def test_sign_in_records_keep_the_network_not_the_address() -> None:
    assert shorten_address("203.0.113.77") == "203.0.113.0/24"
    assert shorten_address("2001:db8:1:2:3::9") == "2001:db8:1::/48"
    assert shorten_address("testclient") == "unknown"


def test_old_sign_in_records_are_pruned_and_nothing_else_can_be(tmp_path: Path) -> None:
    db = Database(tmp_path / "data")
    old = (datetime.now(UTC) - timedelta(days=SIGN_IN_RETENTION_DAYS + 5)).isoformat()
    with db.connect() as conn:
        for action in ("login", "login_failed", "logout", "publish"):
            record(conn, "budi", action, detail="203.0.113.0/24", at=old)
        record(conn, "budi", "login_failed", detail="203.0.113.0/24")
    log = AuditLog(db)
    assert log.prune_sign_ins() == 3
    assert sorted(e.action for e in log.entries()) == ["login_failed", "publish"]
    with db.connect() as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("DELETE FROM audit WHERE action = 'publish'")
    with db.connect() as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("DELETE FROM audit WHERE action = 'login_failed'")  # a recent one


def test_a_version_1_database_has_its_addresses_shortened(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    conn = sqlite3.connect(data_dir / DB_NAME)
    conn.executescript(
        """
        CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
            actor TEXT NOT NULL, action TEXT NOT NULL, guide TEXT NOT NULL DEFAULT '',
            lang TEXT NOT NULL DEFAULT '', old_sha256 TEXT NOT NULL DEFAULT '',
            new_sha256 TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '');
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        INSERT INTO audit (at, actor, action, detail) VALUES
            ('2026-11-01T00:00:00+00:00', 'budi', 'login_failed', '198.51.100.23 (locked)'),
            ('2026-11-01T00:00:01+00:00', 'budi', 'login', '198.51.100.23'),
            ('2026-11-01T00:00:02+00:00', 'budi', 'publish', 'v3');
        PRAGMA user_version = 1;
        """
    )
    conn.close()
    details = [e.detail for e in AuditLog(Database(data_dir)).entries()]
    assert details == ["v3", "198.51.100.0/24", "198.51.100.0/24 (locked)"]
