"""Version numbers per language file, and a rollback that brings back its own check date."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.admin.context import Admin
from server.app import create_app
from server.db import DB_NAME, Database
from server.settings import Settings
from testkit.admin_client import PASSWORD, csrf_of, log_in, refusal_key
from testkit.pdfs import make_pdf

CHECKED_FIRST, CHECKED_LATER = "2025-11-27", "2025-11-30"


@pytest.fixture
def staff(settings: Settings) -> Iterator[TestClient]:
    """A fresh install on the sample guides, with a member of staff signed in to the admin."""
    app = create_app(settings)
    admin: Admin = app.fallback.state.admin  # type: ignore[attr-defined]
    admin.accounts.add("budi", PASSWORD, "test")
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert log_in(client).status_code == 200
        yield client


def files_served(client: TestClient, slug: str) -> list[str]:
    """The "Files served" cell of a guide in the admin's list, as staff read it."""
    page = client.get("/admin/").text
    row = page.split(f'data-guide="{slug}"', 1)[1].split("</tr>", 1)[0]
    return re.findall(r'<span class="file">([A-Z]{2}: v\d+)', row)


def upload(client: TestClient, slug: str, lang: str, text: str, checked: str) -> None:
    response = client.post(
        f"/admin/guides/{slug}/upload",
        data={"csrf": csrf_of(client), "lang": lang, "last_checked": checked},
        files={"file": ("x.pdf", make_pdf(text), "application/pdf")},
    )
    assert refusal_key(response.text) is None, response.text


def checked_on_public_pages(client: TestClient, slug: str) -> set[str]:
    guides = client.get("/api/guides").json()["guides"]
    api = next(g for g in guides if g["slug"] == slug)
    dates = {api["last_checked"], *(f["last_checked"] for f in api["files"].values())}
    for path in (f"/guides/{slug}", f"/en/guides/{slug}"):
        dates |= set(re.findall(r'<time datetime="([0-9-]+)"', client.get(path).text))
    return dates


def test_a_fresh_install_numbers_each_language_file_from_v1(staff: TestClient) -> None:
    assert files_served(staff, "pembuatan-paspor") == ["ID: v1"]
    assert files_served(staff, "izin-tinggal") == ["ID: v1", "EN: v1"]
    upload(staff, "izin-tinggal", "en", "English, second", CHECKED_LATER)
    assert files_served(staff, "izin-tinggal") == ["ID: v1", "EN: v2"]


def test_a_rollback_brings_back_the_date_that_version_was_checked(staff: TestClient) -> None:
    slug = "pembuatan-paspor"
    upload(staff, slug, "id", "Diperiksa 27 November", CHECKED_FIRST)  # v2
    upload(staff, slug, "id", "Diperiksa 30 November", CHECKED_LATER)  # v3
    assert checked_on_public_pages(staff, slug) == {CHECKED_LATER}

    response = staff.post(
        f"/admin/guides/{slug}/rollback", data={"csrf": csrf_of(staff), "version": "2"}
    )
    assert response.url.params["done"] == "rolled_back"
    assert checked_on_public_pages(staff, slug) == {CHECKED_FIRST}
    page = staff.get(f"/admin/guides/{slug}").text
    assert f"Last checked</span>: {CHECKED_FIRST}</p>" in page  # the guide's own line
    listed = staff.get("/admin/").text.split(f'data-guide="{slug}"', 1)[1].split("</tr>", 1)[0]
    assert f'<time datetime="{CHECKED_FIRST}">' in listed
    # The history: who, when, what, and the date that came back with it.
    row = page.split('data-version="4" data-lang="id"', 1)[1].split("</tr>", 1)[0]
    assert "budi" in row and "WIB" in row
    assert "dipulihkan dari versi" in row and "v2" in row
    assert re.search(rf"check date restored to</span> {CHECKED_FIRST}", row)
    assert re.search(rf'<td class="checked"[^>]*><time datetime="{CHECKED_FIRST}">', row)
    assert "v4 = v2" in staff.get("/admin/audit").text


def test_a_number_both_languages_have_needs_the_language(staff: TestClient) -> None:
    upload(staff, "izin-tinggal", "id", "Kedua", CHECKED_LATER)
    upload(staff, "izin-tinggal", "en", "Second", CHECKED_LATER)
    response = staff.post(
        "/admin/guides/izin-tinggal/rollback", data={"csrf": csrf_of(staff), "version": "1"}
    )
    assert refusal_key(response.text) == "which_language"
    response = staff.post(
        "/admin/guides/izin-tinggal/rollback",
        data={"csrf": csrf_of(staff), "version": "1", "lang": "en"},
    )
    assert response.url.params["done"] == "rolled_back"
    assert files_served(staff, "izin-tinggal") == ["ID: v2", "EN: v3"]


OLD_VERSIONS = """
CREATE TABLE versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, slug TEXT NOT NULL, number INTEGER NOT NULL,
    lang TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, pages INTEGER NOT NULL,
    created_at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    restored_from INTEGER, UNIQUE (slug, number)
);
"""


def test_a_data_folder_from_before_is_renumbered_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / DB_NAME)
    conn.executescript(OLD_VERSIONS)
    rows = [  # numbered per guide, as before: en v1, id v2, id v3, en v4 = en v1
        ("a", 1, "en", "1" * 64, None),
        ("a", 2, "id", "2" * 64, None),
        ("a", 3, "id", "3" * 64, None),
        ("a", 4, "en", "1" * 64, 1),
        ("b", 1, "id", "4" * 64, None),
    ]
    for slug, number, lang, sha, restored in rows:
        action = "rollback" if restored else "publish"
        conn.execute(
            "INSERT INTO versions (slug, number, lang, sha256, size, pages, created_at, actor,"
            " action, restored_from) VALUES (?, ?, ?, ?, 1, 1, '2025-11-27T02:00:00+00:00',"
            " 'budi', ?, ?)",
            (slug, number, lang, sha, action, restored),
        )
    conn.commit()
    conn.close()

    for _ in range(2):  # the second start finds nothing to do
        Database(data)
    conn = sqlite3.connect(data / DB_NAME)
    try:
        found = conn.execute(
            "SELECT slug, lang, number, sha256, restored_from, last_checked FROM versions"
            " ORDER BY id"
        ).fetchall()
        audit = conn.execute("SELECT actor, action, guide, detail FROM audit").fetchall()
    finally:
        conn.close()
    assert found == [
        ("a", "en", 1, "1" * 64, None, None),
        ("a", "id", 1, "2" * 64, None, None),
        ("a", "id", 2, "3" * 64, None, None),
        ("a", "en", 2, "1" * 64, 1, None),
        ("b", "id", 1, "4" * 64, None, None),
    ]
    assert audit == [
        ("upgrade", "renumber", "a", "en v1 -> v1, en v4 -> v2, id v2 -> v1, id v3 -> v2")
    ]
