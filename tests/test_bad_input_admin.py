"""The admin's bad-input battery: every hostile or malformed request is refused with a clear
4xx and the reason, and nothing changes in guides/, the blob store or the database.

The same refusals one level down (the publishing path alone) are in test_publish_refusals.py;
malformed requests to the public site are in test_bad_input_http.py.
"""

# The battery is a table, one case a line, however long.
# ruff: noqa: E501

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx2
import pytest
from itsdangerous import Signer
from starlette.testclient import TestClient

from server.admin.context import Admin
from server.app import create_app
from server.db import DB_NAME
from server.settings import PROJECT_ROOT, Settings
from testkit import bad_pdfs
from testkit.admin_client import PASSWORD, csrf_of, form_value, log_in, refusal_key
from testkit.pdfs import make_encrypted_pdf, make_pdf
from testkit.server import SAMPLE_GUIDES, SAMPLE_OFFICE
from tests.disk_state import disk_state

GOOD = make_pdf("Baik")
UPLOAD = "/admin/guides/antrian-paspor/upload"
EDIT = "/admin/guides/izin-tinggal/edit"
TEXTS = {"title_id": "Judul", "title_en": "Title", "summary_id": "Ringkas.", "summary_en": "Short."}

Send = Callable[[TestClient, str], httpx2.Response]


@dataclass
class Battery:
    client: TestClient
    admin: Admin
    settings: Settings

    def state(self) -> dict[str, str]:
        return disk_state(self.settings.guides_dir, self.settings.data_dir)


@pytest.fixture(scope="module")
def battery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Battery]:
    """One signed-in admin for the whole battery: refusals change nothing, so they add up
    to nothing either."""
    root = tmp_path_factory.mktemp("battery")
    shutil.copytree(SAMPLE_GUIDES, root / "guides", ignore=shutil.ignore_patterns("README.md"))
    settings = Settings(
        guides_dir=root / "guides",
        office_file=SAMPLE_OFFICE,
        data_dir=root / "data",
        watch=False,
        max_upload_mb=1,
        root_path="",
    )
    app = create_app(settings)
    admin: Admin = app.fallback.state.admin  # type: ignore[attr-defined]
    admin.accounts.add("budi", PASSWORD, "test")
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert log_in(client).status_code == 200
        yield Battery(client, admin, settings)


def upload(data: bytes, lang: str = "id", path: str = UPLOAD, name: str = "panduan.pdf") -> Send:
    def send(client: TestClient, csrf: str) -> httpx2.Response:
        return client.post(
            path,
            data={"csrf": csrf, "lang": lang},
            files={"file": (name, data, "application/pdf")},
        )

    return send


def new_guide(slug: str, **fields: str) -> Send:
    def send(client: TestClient, csrf: str) -> httpx2.Response:
        return client.post(
            "/admin/guides/new",
            data={"csrf": csrf, "slug": slug, **TEXTS, **fields},
            files={"file_id": ("a.pdf", GOOD, "application/pdf")},
        )

    return send


def post(path: str, **fields: str) -> Send:
    return lambda client, csrf: client.post(path, data={"csrf": csrf, **fields})


def edit(**fields: str) -> Send:
    return post(EDIT, **{**TEXTS, **fields})


HOSTILE = PROJECT_ROOT.parent / "shared" / "pdf-corpus" / "hostile"

# (what, request, status, refusal key)
# A key of None: the site's own not-found page (no admin route takes the path).
REFUSED: list[tuple[str, Send, int, str | None]] = [
    # Files that are not PDFs we may publish.
    ("HTML named .pdf", upload(b"<html><script>alert(1)</script></html>"), 400, "pdf_not_pdf"),
    ("PNG named .pdf", upload(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), 400, "pdf_not_pdf"),
    ("truncated PDF", upload(GOOD[: len(GOOD) // 2]), 400, "pdf_incomplete"),
    ("encrypted PDF", upload(make_encrypted_pdf()), 400, "pdf_encrypted"),
    ("PDF running JavaScript on open", upload(bad_pdfs.javascript_open_action()), 400, "pdf_javascript"),
    ("PDF with a JavaScript link", upload(bad_pdfs.javascript_in_page_annotation()), 400, "pdf_javascript"),
    ("PDF with a launch action", upload(bad_pdfs.launch_action()), 400, "pdf_launch"),
    ("PDF with an embedded file", upload(bad_pdfs.embedded_file()), 400, "pdf_embedded_file"),
    ("PDF without pages", upload(bad_pdfs.no_pages()), 400, "pdf_no_pages"),
    ("empty file", upload(b""), 400, "pdf_empty"),
    # Issue 11's hostile classes: each was a 500 or accepted before.
    ("AES-encrypted PDF (attack run)", upload((HOSTILE / "aes-encrypted.pdf").read_bytes()), 400, "pdf_encrypted"),
    ("PDF tripping a parser assertion", upload((HOSTILE / "assertion-bad35.pdf").read_bytes()), 400, "pdf_unreadable"),
    ("link with two /A (attack run)", upload((HOSTILE / "duplicate-action-key.pdf").read_bytes()), 400, "pdf_action"),
    ("AES-256 without a user password", upload(bad_pdfs.encrypted("AES-256", "")), 400, "pdf_encrypted"),
    ("RC4-40 with a user password", upload(bad_pdfs.encrypted("RC4-40", "sandi")), 400, "pdf_encrypted"),
    ("duplicate /Names, the last with JavaScript", upload(bad_pdfs.duplicate_names_javascript()), 400, "pdf_javascript"),
    ("duplicate page /AA", upload(bad_pdfs.duplicate_additional_actions()), 400, "pdf_javascript"),
    ("SubmitForm link", upload(bad_pdfs.action_of_kind(b"<< /S /SubmitForm /F (https://x.example/) >>")), 400, "pdf_action"),
    ("XFA form", upload(bad_pdfs.xfa_form()), 400, "pdf_xfa"),
    ("deeply nested PDF", upload(bad_pdfs.deep_nesting()), 400, "pdf_unreadable"),
    ("no file chosen", post(UPLOAD, lang="id"), 400, "no_file"),
    ("upload over the limit", upload(bad_pdfs.padded_pdf(2 * 1024 * 1024)), 413, "too_large"),
    # Languages and guide names: nothing may leave guides/ or pass for another name.
    ("language not offered", upload(GOOD, lang="fr"), 400, "bad_lang"),
    ("fullwidth language", upload(GOOD, lang="\uff49\uff44"), 400, "bad_lang"),
    ("language with a NUL", upload(GOOD, lang="id\x00"), 400, "bad_lang"),
    ("language as a path", upload(GOOD, lang="../id"), 400, "bad_lang"),
    ("guide name with a newline", upload(GOOD, path="/admin/guides/antrian-paspor%0A/upload"), 404, None),
    ("guide name climbing out", new_guide("../etc"), 400, "bad_slug"),
    ("guide name with a fullwidth dot", new_guide("visa\uff0ebaru"), 400, "bad_slug"),
    ("guide name with an RTL override", new_guide("visa\u202eurab"), 400, "bad_slug"),
    ("guide name with a NUL", new_guide("visa\x00baru"), 400, "bad_slug"),
    ("guide name with a Cyrillic homoglyph", new_guide("v\u0456sa-baru"), 400, "bad_slug"),
    ("guide name with a zero-width joiner", new_guide("visa\u200dbaru"), 400, "bad_slug"),
    ("guide name with a ligature", new_guide("\ufb01le-baru"), 400, "bad_slug"),
    ("guide name with a space and capitals", new_guide("Visa Baru"), 400, "bad_slug"),
    ("guide name over 64 characters", new_guide("a" * 65), 400, "bad_slug"),
    ("guide name of two dots", new_guide(".."), 400, "bad_slug"),
    ("guide that exists already", new_guide("izin-tinggal"), 400, "guide_exists"),
    # Texts and numbers.
    ("title over 2000 characters", edit(title_id="x" * 2001), 400, "bad_texts"),
    ("summary over 2000 characters", edit(summary_en="y" * 2001), 400, "bad_texts"),
    ("source over 2000 characters", edit(sources="z" * 2001), 400, "bad_texts"),
    ("blank title", edit(title_en="   "), 400, "bad_texts"),
    ("order that is not a number", edit(order="sepuluh"), 400, "bad_order"),
    ("order beyond what TOML holds", edit(order="9" * 30), 400, "bad_texts"),
    ("31 February", edit(last_checked="2026-02-31"), 400, "bad_date"),
    ("check date in the future", edit(last_checked="2999-01-01"), 400, "bad_date"),
    ("form of 300 KB", edit(summary_id="s" * 300_000), 413, "too_large"),
    ("form of 100 fields", post(EDIT, **{f"f{n}": "1" for n in range(100)}), 400, "bad_form"),
    ("reorder to a word", post("/admin/reorder", **{"order_izin-tinggal": "1e3"}), 400, "bad_order"),
    ("reorder an unknown guide", post("/admin/reorder", order_tidak_ada="1"), 400, "unknown_guide"),
    ("rollback to SQL", post("/admin/guides/antrian-paspor/rollback", version="1; DROP TABLE versions"), 400, "no_version"),
    ("rollback to a version that is not there", post("/admin/guides/antrian-paspor/rollback", version="99"), 400, "no_version"),
    ("retire without confirming", post("/admin/guides/izin-tinggal/retire", retired="1"), 400, "confirm_retire"),
    # Forged requests.
    ("no CSRF token", lambda c, csrf: c.post(EDIT, data=TEXTS), 403, "csrf"),
    ("forged CSRF token", lambda c, csrf: c.post(EDIT, data={**TEXTS, "csrf": csrf[:-2] + "xx"}), 403, "csrf"),
    ("form from another site", lambda c, csrf: c.post(EDIT, data={**TEXTS, "csrf": csrf}, headers={"Origin": "https://evil.example"}), 403, "csrf"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("send", "status", "key"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_refused_with_a_clear_reason_and_nothing_changed(
    battery: Battery, send: Send, status: int, key: str | None
) -> None:
    before = battery.state()
    response = send(battery.client, csrf_of(battery.client))
    assert (response.status_code, refusal_key(response.text)) == (status, key)
    assert battery.state() == before


# Sessions that are not (or no longer) valid ---------------------------------------------


def age_newest_session(settings: Settings, column: str, seconds: float) -> None:
    conn = sqlite3.connect(settings.data_dir / DB_NAME)
    try:
        with conn:
            conn.execute(
                f"UPDATE sessions SET {column} = {column} - ?"
                " WHERE rowid = (SELECT MAX(rowid) FROM sessions)",
                (seconds,),
            )
    finally:
        conn.close()


@contextlib.contextmanager
def second_client(battery: Battery) -> Iterator[TestClient]:
    """Another browser on the same running app (its lifespan is already running)."""
    client = TestClient(battery.client.app, base_url="http://127.0.0.1:8000")
    try:
        yield client
    finally:
        client.close()


@pytest.mark.parametrize(
    "spoil",
    ["forged", "signed with another key", "idle too long", "past the working day", "signed out"],
)
def test_a_change_with_a_spoiled_session_is_refused(battery: Battery, spoil: str) -> None:
    with second_client(battery) as client:
        assert log_in(client).status_code == 200
        csrf = csrf_of(client)
        if spoil.startswith(("forged", "signed with")):
            client.cookies.clear()
        if spoil == "forged":
            client.cookies.set("bk_admin", "x" * 43 + ".forged", path="/admin")
        elif spoil == "signed with another key":
            signer = Signer(b"not-the-server-key-" * 3, salt="bilang-karyo admin session")
            client.cookies.set("bk_admin", signer.sign("a" * 43).decode(), path="/admin")
        elif spoil == "idle too long":
            idle = battery.settings.session_minutes * 60 + 1
            age_newest_session(battery.settings, "last_seen", idle)
        elif spoil == "past the working day":
            age_newest_session(battery.settings, "created_at", 12 * 3600 + 1)
        else:
            cookie = client.cookies["bk_admin"]
            client.post("/admin/logout", data={"csrf": csrf})
            client.cookies.set("bk_admin", cookie, path="/admin")
        before = battery.state()
        response = upload(GOOD)(client, csrf)
        assert (response.status_code, refusal_key(response.text)) == (401, "session_ended")
        assert battery.state() == before
        assert client.get("/admin/", follow_redirects=False).status_code == 303


def test_the_csrf_token_of_another_session_is_refused(battery: Battery) -> None:
    with second_client(battery) as other:
        assert log_in(other).status_code == 200
        before = battery.state()
        response = upload(GOOD)(battery.client, csrf_of(other))
    assert (response.status_code, refusal_key(response.text)) == (403, "csrf")
    assert battery.state() == before


# Signing in -------------------------------------------------------------------------------


@pytest.fixture
def login_app(settings: Settings) -> Iterator[tuple[TestClient, Settings]]:
    fast = dataclasses.replace(settings, login_slow_after=100, login_lock_after=100)
    app = create_app(fast)
    app.fallback.state.admin.accounts.add("budi", PASSWORD, "test")  # type: ignore[attr-defined]
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield client, fast


def publishing_state(settings: Settings) -> dict[str, str]:
    """Everything but the audit log, where a refused sign-in is recorded on purpose."""
    state = disk_state(settings.guides_dir, settings.data_dir)
    del state["table:audit"]
    return state


def test_hostile_sign_ins_are_refused(login_app: tuple[TestClient, Settings]) -> None:
    client, settings = login_app
    before = publishing_state(settings)
    cases = [
        ("token from another form", {"token": "TOKENx", "name": "budi", "password": PASSWORD}, 403),
        ("name of 10 000 characters", {"token": "TOKEN", "name": "b" * 10_000, "password": "x"}, 413),
        ("name with a NUL", {"token": "TOKEN", "name": "budi\x00", "password": PASSWORD}, 401),
        ("Cyrillic homoglyph name", {"token": "TOKEN", "name": "bud\u0456", "password": PASSWORD}, 401),
        ("fullwidth name", {"token": "TOKEN", "name": "\uff42udi", "password": PASSWORD}, 401),
        ("password of 7 KB", {"token": "TOKEN", "name": "budi", "password": "p" * 7000}, 401),
    ]  # fmt: skip
    for what, data, status in cases:
        token = form_value(client.get("/admin/login").text, "token")  # one per form shown
        data = {k: v.replace("TOKEN", token) for k, v in data.items()}
        response = client.post("/admin/login", data=data)
        assert response.status_code == status, what
        assert client.get("/admin/", follow_redirects=False).status_code == 303, what
    assert publishing_state(settings) == before


@pytest.mark.parametrize(
    "path",
    [
        "/admin/usage.csv?days=abc",  # was a 500
        "/admin/usage.csv?days=-5",
        "/admin/usage.csv?days=99999999999",
        "/admin/audit?since=%ff&until=2026-13-45&action=%3Cx%3E",
        "/admin/audit.csv?guide=" + "g" * 5000,
        "/admin/guides/tidak-ada",
        "/admin/guides/%2e%2e%2fsecret.key",
    ],
)
def test_bad_query_strings_and_paths_get_an_answer_not_an_error(
    battery: Battery, path: str
) -> None:
    response = battery.client.get(path, follow_redirects=False)
    assert response.status_code in (200, 404)
    secret = (battery.settings.data_dir / "secret.key").read_bytes().strip()
    assert secret not in response.content
