"""The admin over HTTP: sign-in and out, sessions, CSRF, throttling, and every change."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import select
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from starlette.testclient import TestClient

from server.admin.context import Admin
from server.app import create_app
from server.db import DB_NAME
from server.settings import Settings
from testkit.admin_client import PASSWORD, add_account, csrf_of, form_value, log_in, refusal_key
from testkit.bad_pdfs import javascript_open_action, padded_pdf
from testkit.pdfs import make_pdf
from testkit.server import start_server
from tests.disk_state import disk_state


@pytest.fixture
def admin_settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        max_upload_mb=1,
        login_slow_after=2,
        login_delay_seconds=0.3,
        login_lock_after=4,
        login_lock_minutes=15,
    )


@pytest.fixture
def app_client(admin_settings: Settings) -> Iterator[tuple[TestClient, Admin]]:
    app = create_app(admin_settings)
    admin: Admin = app.fallback.state.admin  # type: ignore[attr-defined]
    admin.accounts.add("budi", PASSWORD, "test")
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield client, admin


@pytest.fixture
def client_in(app_client: tuple[TestClient, Admin]) -> TestClient:
    client = app_client[0]
    assert log_in(client).status_code == 200
    return client


def served_sha(client: TestClient, slug: str, lang: str) -> str:
    guides = client.get("/api/guides").json()["guides"]
    return str(next(g for g in guides if g["slug"] == slug)["files"][lang]["sha256"])


# Signing in and out -------------------------------------------------------


def test_pages_need_a_signed_in_account(app_client: tuple[TestClient, Admin]) -> None:
    client, _ = app_client
    for path in ("/admin/", "/admin/audit", "/admin/usage", "/admin/guides/antrian-paspor"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/admin/login")


def test_log_in_sets_a_strict_http_only_cookie(app_client: tuple[TestClient, Admin]) -> None:
    client, _ = app_client
    response = log_in(client)
    assert response.status_code == 200 and "data-account" in response.text
    cookie = next(
        h for h in response.history[0].headers.get_list("set-cookie") if h.startswith("bk_admin=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/admin"} <= flags
    assert "secure" not in flags  # plain HTTP here; see the HTTPS test


def test_the_cookie_is_secure_over_https(admin_settings: Settings) -> None:
    app = create_app(admin_settings)
    app.fallback.state.admin.accounts.add("budi", PASSWORD, "test")  # type: ignore[attr-defined]
    with TestClient(app, base_url="https://127.0.0.1") as client:
        response = log_in(client)
    cookie = next(
        h for h in response.history[0].headers.get_list("set-cookie") if h.startswith("bk_admin=")
    )
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}


def test_wrong_password_is_refused(app_client: tuple[TestClient, Admin]) -> None:
    client, _ = app_client
    response = log_in(client, password="salah-sekali-123")
    assert response.status_code == 401 and refusal_key(response.text) == "bad_login"
    assert client.get("/admin/", follow_redirects=False).status_code == 303


def test_log_out_ends_the_session(client_in: TestClient) -> None:
    cookie = client_in.cookies["bk_admin"]
    response = client_in.post("/admin/logout", data={"csrf": csrf_of(client_in)})
    assert response.url.path == "/admin/login"
    # The old cookie, replayed, no longer works: the session is gone on the server.
    client_in.cookies.set("bk_admin", cookie, path="/admin")
    assert client_in.get("/admin/", follow_redirects=False).status_code == 303


def test_a_session_expires_after_inactivity(
    client_in: TestClient, admin_settings: Settings
) -> None:
    assert client_in.get("/admin/", follow_redirects=False).status_code == 200
    idle = admin_settings.session_minutes * 60 + 1
    with sqlite3.connect(admin_settings.data_dir / DB_NAME) as conn:  # age the session
        conn.execute("UPDATE sessions SET last_seen = last_seen - ?", (idle,))
    conn.close()
    assert client_in.get("/admin/", follow_redirects=False).status_code == 303


def test_a_forged_session_cookie_is_refused(app_client: tuple[TestClient, Admin]) -> None:
    client, _ = app_client
    client.cookies.set("bk_admin", "made-up.value", path="/admin")
    assert client.get("/admin/", follow_redirects=False).status_code == 303


def test_removing_an_account_signs_it_out(
    client_in: TestClient, app_client: tuple[TestClient, Admin]
) -> None:
    app_client[1].accounts.remove("budi", "test")
    assert client_in.get("/admin/", follow_redirects=False).status_code == 303


# Throttling ---------------------------------------------------------------


def test_failed_logins_are_slowed_then_refused_with_retry_after(
    app_client: tuple[TestClient, Admin],
) -> None:
    client, _ = app_client
    took = []
    for _ in range(4):
        start = time.monotonic()
        assert log_in(client, password="salah-salah-salah").status_code == 401
        took.append(time.monotonic() - start)
    # After login_slow_after (2) failures, each try waits 0.3 s more than the one before.
    assert took[2] >= 0.3 and took[3] >= 0.6
    refused = log_in(client, password="salah-salah-salah")
    assert refused.status_code == 429
    assert 800 < int(refused.headers["retry-after"]) <= 900
    # Refused for a while even with the right password.
    assert log_in(client).status_code == 429


def test_failures_from_one_address_across_accounts_are_refused(
    app_client: tuple[TestClient, Admin],
) -> None:
    client, _ = app_client
    for number in range(4):
        log_in(client, name=f"tebak{number}", password="salah-salah-salah")
    assert log_in(client, name="lain").status_code == 429


# CSRF and origin ------------------------------------------------------------


def test_a_change_without_the_csrf_token_is_refused(
    client_in: TestClient, admin_settings: Settings
) -> None:
    before = disk_state(admin_settings.guides_dir, admin_settings.data_dir)
    for data in ({}, {"csrf": "not-the-token"}):
        response = client_in.post(
            "/admin/guides/izin-tinggal/retire", data={**data, "retired": "1", "confirm": "1"}
        )
        assert response.status_code == 403 and refusal_key(response.text) == "csrf"
    assert disk_state(admin_settings.guides_dir, admin_settings.data_dir) == before


def test_a_form_from_another_site_is_refused(client_in: TestClient) -> None:
    response = client_in.post(
        "/admin/reorder",
        data={"csrf": csrf_of(client_in), "order_izin-tinggal": "1"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403 and refusal_key(response.text) == "csrf"


def test_the_login_form_needs_its_token(app_client: tuple[TestClient, Admin]) -> None:
    client, _ = app_client
    response = client.post("/admin/login", data={"name": "budi", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/admin/", follow_redirects=False).status_code == 303


# No caching -----------------------------------------------------------------


def test_every_admin_response_is_no_store(client_in: TestClient) -> None:
    paths = [
        "/admin/",
        "/admin/login",
        "/admin/audit",
        "/admin/audit.csv",
        "/admin/usage",
        "/admin/usage.csv",
        "/admin/guides/new",
        "/admin/guides/antrian-paspor",
        "/admin/tidak-ada",
        "/admin/guides/tidak-ada",
    ]
    css = client_in.get("/admin/").text.split('rel="stylesheet" href="')[1].split('"')[0]
    for path in [*paths, css]:
        response = client_in.get(path, follow_redirects=False)
        assert response.headers["cache-control"] == "no-store", path


# Changes through the admin --------------------------------------------------


def test_upload_publishes_a_new_version(client_in: TestClient, admin_settings: Settings) -> None:
    data = make_pdf("Unggahan admin")
    response = client_in.post(
        "/admin/guides/antrian-paspor/upload",
        data={"csrf": csrf_of(client_in), "lang": "id"},
        files={"file": ("../../etc/passwd.pdf", data, "application/pdf")},
    )
    assert response.url.params["done"] == "published"
    assert served_sha(client_in, "antrian-paspor", "id") == hashlib.sha256(data).hexdigest()
    # The upload's own file name is never used: the guide's name is.
    assert (admin_settings.guides_dir / "antrian-paspor.id.pdf").read_bytes() == data
    assert "budi" in response.text and "v2" in response.text


def test_a_bad_upload_is_refused_with_the_reason(
    client_in: TestClient, admin_settings: Settings
) -> None:
    before = disk_state(admin_settings.guides_dir, admin_settings.data_dir)
    response = client_in.post(
        "/admin/guides/antrian-paspor/upload",
        data={"csrf": csrf_of(client_in), "lang": "id"},
        files={"file": ("panduan.pdf", javascript_open_action(), "application/pdf")},
    )
    assert response.status_code == 400
    assert refusal_key(response.text) == "pdf_javascript"
    assert "PDF berisi JavaScript" in response.text and "contains JavaScript" in response.text
    assert disk_state(admin_settings.guides_dir, admin_settings.data_dir) == before


def test_an_upload_over_the_limit_is_refused_with_413(
    client_in: TestClient, admin_settings: Settings
) -> None:
    before = disk_state(admin_settings.guides_dir, admin_settings.data_dir)
    response = client_in.post(
        "/admin/guides/antrian-paspor/upload",
        data={"csrf": csrf_of(client_in), "lang": "id"},
        files={"file": ("besar.pdf", padded_pdf(2 * 1024 * 1024), "application/pdf")},
    )
    assert response.status_code == 413 and refusal_key(response.text) == "too_large"
    assert disk_state(admin_settings.guides_dir, admin_settings.data_dir) == before


def test_a_streamed_upload_is_cut_off_at_the_limit(
    guides_dir: Path, office_file: Path, tmp_path: Path
) -> None:
    """A real server, a chunked body with no Content-Length: it counts as it reads and
    answers 413 long before the 64 MB offered have been sent."""
    data_dir = tmp_path / "data"
    add_account(data_dir)
    server = start_server(
        guides_dir,
        office_file,
        data_dir,
        tmp_path / "server.log",
        extra_env={"BILANG_KARYO_MAX_UPLOAD_MB": "1"},
    )
    try:
        with httpx2.Client(base_url=server.url) as web:
            log_in(web)
            cookie, csrf = web.cookies["bk_admin"], csrf_of(web)
        boundary = "batas"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="x.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n'
        ).encode()
        megabyte = b"0" * (1024 * 1024)
        sent = 0
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(
                b"POST /admin/guides/antrian-paspor/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + f"Cookie: bk_admin={cookie}\r\n".encode()
                + f"Content-Type: multipart/form-data; boundary={boundary}\r\n".encode()
                + b"Transfer-Encoding: chunked\r\n\r\n"
                + b"%x\r\n%s\r\n" % (len(head), head)
            )
            while sent < 64 and not select.select([sock], [], [], 0)[0]:
                try:
                    sock.sendall(b"%x\r\n%s\r\n" % (len(megabyte), megabyte))
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += 1
            answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        # Loopback socket buffers hold a few MB; the server itself stopped at 1 MB.
        assert sent < 16, f"sent {sent} MB before the server refused"
        assert server.process.poll() is None
    finally:
        server.stop()


def test_add_a_guide_with_both_languages(client_in: TestClient) -> None:
    id_pdf, en_pdf = make_pdf("Visa ID"), make_pdf("Visa EN")
    response = client_in.post(
        "/admin/guides/new",
        data={
            "csrf": csrf_of(client_in),
            "slug": "visa-kunjungan",
            "title_id": "Visa Kunjungan",
            "title_en": "Visit visa",
            "summary_id": "Syarat visa.",
            "summary_en": "Needs.",
            "sources": "Permenkumham 22/2023\n\nUU 6/2011",
            "featured_shown": "1",
            "featured": "1",
            "order": "15",
        },
        files={
            "file_id": ("a.pdf", id_pdf, "application/pdf"),
            "file_en": ("b.pdf", en_pdf, "application/pdf"),
        },
    )
    assert response.url.params["done"] == "added"
    guides = client_in.get("/api/guides").json()["guides"]
    added = next(g for g in guides if g["slug"] == "visa-kunjungan")
    assert added["title"] == {"id": "Visa Kunjungan", "en": "Visit visa"}
    assert added["featured"] and added["order"] == 15
    assert added["sources"] == ["Permenkumham 22/2023", "UU 6/2011"]
    assert added["files"]["en"]["sha256"] == hashlib.sha256(en_pdf).hexdigest()
    assert client_in.get("/en/guides/visa-kunjungan").status_code == 200


def test_adding_a_guide_with_one_bad_file_adds_nothing(
    client_in: TestClient, admin_settings: Settings
) -> None:
    before = disk_state(admin_settings.guides_dir, admin_settings.data_dir)
    response = client_in.post(
        "/admin/guides/new",
        data={
            "csrf": csrf_of(client_in),
            "slug": "visa-kunjungan",
            "title_id": "Visa",
            "title_en": "Visa",
            "summary_id": "S.",
            "summary_en": "S.",
        },
        files={
            "file_id": ("a.pdf", make_pdf("ok"), "application/pdf"),
            "file_en": ("b.pdf", b"bukan pdf", "application/pdf"),
        },
    )
    assert response.status_code == 400 and refusal_key(response.text) == "pdf_not_pdf"
    assert 'value="visa-kunjungan"' in response.text  # what was typed is kept
    assert disk_state(admin_settings.guides_dir, admin_settings.data_dir) == before


def test_edit_reorder_retire_and_restore(client_in: TestClient) -> None:
    csrf = csrf_of(client_in)
    client_in.post(
        "/admin/guides/izin-tinggal/edit",
        data={
            "csrf": csrf,
            "title_id": "Izin Tinggal Baru",
            "title_en": "New stay permits",
            "summary_id": "Ringkas.",
            "summary_en": "Short.",
            "sources": "UU 6/2011",
            "order": "40",
            "featured_shown": "1",
            "last_checked": "2026-11-20",
        },
    )
    client_in.post("/admin/reorder", data={"csrf": csrf, "order_izin-tinggal": "1"})
    guides = client_in.get("/api/guides").json()["guides"]
    assert guides[0]["slug"] == "izin-tinggal"
    assert guides[0]["title"]["en"] == "New stay permits" and not guides[0]["featured"]
    assert guides[0]["last_checked"] == "2026-11-20"

    refused = client_in.post(
        "/admin/guides/izin-tinggal/retire", data={"csrf": csrf, "retired": "1"}
    )
    assert refusal_key(refused.text) == "confirm_retire"
    client_in.post(
        "/admin/guides/izin-tinggal/retire", data={"csrf": csrf, "retired": "1", "confirm": "1"}
    )
    assert client_in.get("/guides/izin-tinggal").status_code == 404
    assert 'data-status="retired"' in client_in.get("/admin/").text
    client_in.post("/admin/guides/izin-tinggal/retire", data={"csrf": csrf, "retired": "0"})
    assert client_in.get("/guides/izin-tinggal").status_code == 200


def test_history_and_rollback_in_the_admin(client_in: TestClient) -> None:
    original = served_sha(client_in, "pembuatan-paspor", "id")
    csrf = csrf_of(client_in)
    client_in.post(
        "/admin/guides/pembuatan-paspor/upload",
        data={"csrf": csrf, "lang": "id"},
        files={"file": ("x.pdf", make_pdf("Baru"), "application/pdf")},
    )
    page = client_in.get("/admin/guides/pembuatan-paspor").text
    assert 'data-version="2"' in page and 'data-version="1"' in page
    response = client_in.post(
        "/admin/guides/pembuatan-paspor/rollback", data={"csrf": csrf, "version": "1"}
    )
    assert response.url.params["done"] == "rolled_back"
    assert served_sha(client_in, "pembuatan-paspor", "id") == original


def test_the_guide_list_flags_guides_that_need_review(
    client_in: TestClient, admin_settings: Settings
) -> None:
    csrf = csrf_of(client_in)
    old = "2025-01-02"  # more than review_days (180) before any test run of this code
    client_in.post(
        "/admin/guides/izin-tinggal/edit",
        data={
            "csrf": csrf,
            "title_id": "Izin Tinggal",
            "title_en": "Stay permits",
            "summary_id": "Ringkas.",
            "summary_en": "Short.",
            "last_checked": old,
        },
    )
    page = client_in.get("/admin/").text
    row = page.split('data-guide="izin-tinggal"')[1].split("</tr>")[0]
    assert 'data-status="needs-review"' in row and "Perlu ditinjau" in row and "Needs review" in row
    fresh = page.split('data-guide="antrian-paspor"')[1].split("</tr>")[0]
    assert 'data-status="ok"' in fresh


def test_admin_pages_carry_both_languages(client_in: TestClient) -> None:
    page = client_in.get("/admin/guides/antrian-paspor").text
    assert "Unggah versi baru" in page and "Upload a new version" in page
    assert form_value(page, "csrf")


def test_the_guide_pages_show_how_far_the_reader_pages_are(client_in: TestClient) -> None:
    data = make_pdf("Halaman pembaca", 3)
    client_in.post(
        "/admin/guides/antrian-paspor/upload",
        data={"csrf": csrf_of(client_in), "lang": "id"},
        files={"file": ("baru.pdf", data, "application/pdf")},
    )
    row = re.compile(r'<tr data-guide="antrian-paspor".*?</tr>', re.DOTALL)
    states = []
    deadline = time.monotonic() + 60
    while 'data-reader="ready"' not in (listing := row.findall(client_in.get("/admin/").text)[0]):
        states += re.findall(r'data-reader="(\w+)"', listing)
        assert time.monotonic() < deadline, listing
        time.sleep(0.05)
    assert set(states) <= {"waiting", "rendering"}
    assert "Halaman pembaca" in listing and ": 3 · siap" in listing
    page = client_in.get("/admin/guides/antrian-paspor").text
    assert re.search(r'data-reader="ready">Halaman pembaca.*?: 3 · siap', page)
