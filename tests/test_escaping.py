"""HTML and script typed into any text field come out escaped on every page that shows it,
public or admin. (/api/guides and /sw.js carry the same texts as JSON, which is safe as is.)"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from testkit.admin_client import PASSWORD, csrf_of, form_value, log_in
from testkit.pdfs import make_pdf
from testkit.server import SAMPLE_GUIDES, SAMPLE_OFFICE

SLUG = "izin-tinggal"


def payload(field: str) -> str:
    """Breaks out of an attribute or a text node, if it is not escaped."""
    return f"\"'><script>x_{field}()</script>"


def raw(field: str) -> str:
    return f"<script>x_{field}()"


def escaped(field: str) -> str:
    return f"&lt;script&gt;x_{field}()"


GUIDE = f"/guides/{SLUG}"
ADMIN_GUIDE = f"/admin/guides/{SLUG}"
AUDIT_QUERY = (
    f"/admin/audit?guide={quote(payload('audit_guide'))}&actor={quote(payload('audit_actor'))}"
)
LOGIN_NEXT = f"/admin/login?next={quote('/admin/' + payload('next'))}"
# Where each field is shown: there it must appear escaped; on no page may it appear raw.
SHOWN: dict[str, set[str]] = {
    "title_id": {"/", GUIDE, "/admin/", ADMIN_GUIDE, "/admin/usage"},
    "title_en": {"/en/", f"/en{GUIDE}", "/admin/", ADMIN_GUIDE},
    "summary_id": {GUIDE, ADMIN_GUIDE},
    "summary_en": {f"/en{GUIDE}", ADMIN_GUIDE},
    "source": {GUIDE, f"/en{GUIDE}", ADMIN_GUIDE},
    "office_name": {"/", "/en/", GUIDE, "/poster"},
    "office_short_name": {"/", "/en/", "/admin/", "/admin/audit"},
    "office_address": {"/", "/en/"},
    "hours_id": {"/"},
    "hours_en": {"/en/"},
    "notice_id": {"/", "/admin/notices", "/admin/audit"},
    "notice_en": {"/en/", "/admin/notices"},
    "contact_id": {"/public-service"},
    "contact_en": {"/en/public-service"},
    "login_name": {"/admin/audit"},
    "audit_guide": {AUDIT_QUERY},
    "next": {LOGIN_NEXT},
    "file_name": {"/admin/"},
}  # fmt: skip


@dataclass
class Pages:
    html: dict[str, str]  # path -> body


def hostile_office(source: Path, target: Path) -> None:
    text = source.read_text(encoding="utf-8")
    for key, field in (("name", "office_name"), ("short_name", "office_short_name"),
                       ("address", "office_address")):  # fmt: skip
        text = re.sub(rf'(?m)^{key} = ".*"$', f"{key} = {json.dumps(payload(field))}", text)
    # A closure's label, listed under the hours; far ahead, so that it is always upcoming.
    closure = (
        f"[[hours.closed]]\ndate = 2999-01-01\nid = {json.dumps(payload('hours_id'))}\n"
        f"en = {json.dumps(payload('hours_en'))}\n\n[[hours.closed]]"
    )
    text = text.replace("[[hours.closed]]", closure, 1)
    contact = f"id = {json.dumps(payload('contact_id'))}\nen = {json.dumps(payload('contact_en'))}"
    text = text.replace('id = ""\nen = ""', contact)
    target.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pages]:
    root = tmp_path_factory.mktemp("escaping")
    shutil.copytree(SAMPLE_GUIDES, root / "guides", ignore=shutil.ignore_patterns("README.md"))
    hostile_office(SAMPLE_OFFICE, root / "office.toml")
    # A file whose very name is markup; the admin lists it among the warnings.
    (root / "guides" / f"{payload('file_name').replace('/', '')}.pdf").write_bytes(make_pdf())
    settings = Settings(
        guides_dir=root / "guides", office_file=root / "office.toml", data_dir=root / "data",
        watch=False, root_path="",
    )  # fmt: skip
    app = create_app(settings)
    app.fallback.state.admin.accounts.add("budi", PASSWORD, "test")  # type: ignore[attr-defined]
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        # Anyone may type markup as a login name; it lands in the audit log.
        log_in(client, name=payload("login_name"), password="salah-sekali")
        assert log_in(client).status_code == 200
        edited = client.post(
            f"{ADMIN_GUIDE}/edit",
            data={
                "csrf": csrf_of(client),
                **{f: payload(f) for f in ("title_id", "title_en", "summary_id", "summary_en")},
                "sources": payload("source"),
            },
        )
        assert edited.url.params["done"] == "edited", edited.text
        posted = client.post(
            "/admin/notices/add",
            data={
                "csrf": csrf_of(client),
                "text_id": payload("notice_id"),
                "text_en": payload("notice_en"),
                "starts": f"{date.today() - timedelta(days=2)} 00:00",
                "ends": f"{date.today() + timedelta(days=300)} 00:00",
            },
        )
        assert posted.url.params["done"] == "notice_added", posted.text
        opened = {"id": "o" * 20, "type": "guide_open", "guide": SLUG, "lang": "id"}
        assert client.post("/api/usage", json={"events": [opened]}).json()["counted"] == 1
        first_line = client.get("/sw.js").text.split("\n", 1)[0]
        build = json.loads(first_line.removeprefix("const BUILD = ").rstrip(";"))
        public = {e["url"] for e in build["precache"] if not e["url"].startswith("/static/")}
        admin = {"/admin/", ADMIN_GUIDE, "/admin/audit", AUDIT_QUERY, "/admin/usage"}
        admin |= {"/admin/guides/new", "/admin/notices", "/admin/feedback"}
        html = {}
        for path in public | admin | {"/poster", "/privacy"}:
            response = client.get(path)
            if response.headers["content-type"].startswith("text/html"):
                html[path] = response.text
        # Once signed out: the login page reflects `next`, the new-guide form what was typed.
        refused_slug = client.post(
            "/admin/guides/new",
            data={"csrf": csrf_of(client), "slug": payload("slug"), "title_id": "x"},
            files={"file_id": ("a.pdf", make_pdf(), "application/pdf")},
        )
        assert refused_slug.status_code == 400
        html["/admin/guides/new (refused)"] = refused_slug.text
        client.post("/admin/logout", data={"csrf": csrf_of(client)})
        html[LOGIN_NEXT] = client.get(LOGIN_NEXT).text
        assert form_value(html[LOGIN_NEXT], "next")
    yield Pages(html)


# Typed, but shown nowhere but in the refused form (slug) or not at all (an unknown actor).
@pytest.mark.parametrize("field", [*SHOWN, "slug", "audit_actor"])
def test_markup_never_comes_out_raw(pages: Pages, field: str) -> None:
    leaks = [path for path, body in pages.html.items() if raw(field) in body]
    assert leaks == []


def test_the_battery_reads_every_page(pages: Pages) -> None:
    assert {"/", "/en/", "/offline", "/poster", "/admin/", "/admin/audit"} <= set(pages.html)
    assert len(pages.html) >= 20


@pytest.mark.parametrize("field", sorted(SHOWN))
def test_markup_comes_out_escaped_where_it_is_shown(pages: Pages, field: str) -> None:
    missing = [path for path in SHOWN[field] if escaped(field) not in pages.html[path]]
    assert missing == []


def test_a_refused_guide_name_is_shown_back_escaped(pages: Pages) -> None:
    assert escaped("slug") in pages.html["/admin/guides/new (refused)"]
