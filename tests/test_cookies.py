"""The one cookie policy: every cookie set or cleared carries HttpOnly, SameSite, Secure
over HTTPS, and a Path under the site's root path."""

from __future__ import annotations

import dataclasses

import httpx2
from starlette.testclient import TestClient

from server.app import create_app
from server.cookies import Cookie, CookiePolicy
from server.root_path import SiteRoot
from server.settings import Settings
from testkit.admin_client import PASSWORD, csrf_of, log_in

HTTPS = {"type": "http", "scheme": "https"}
HTTP = {"type": "http", "scheme": "http"}


def flags(header: str) -> dict[str, str]:
    parts = [part.strip() for part in header.split(";")[1:]]
    return {k.lower(): v for k, _, v in (part.partition("=") for part in parts)}


def test_a_cookie_gets_every_flag_and_a_path_under_the_root() -> None:
    policy = CookiePolicy(SiteRoot("/infokanimjogja"))
    session = Cookie("bk_admin", "/admin", "Strict")
    header = policy.set_header(session, "token.value", HTTPS).decode()
    assert header.startswith("bk_admin=token.value;")
    assert flags(header) == {
        "httponly": "",
        "secure": "",
        "samesite": "Strict",
        "path": "/infokanimjogja/admin",
    }
    plain = flags(policy.set_header(session, "token.value", HTTP).decode())
    assert "secure" not in plain and plain["path"] == "/infokanimjogja/admin"


def test_clearing_a_cookie_sends_the_same_flags_and_ends_it() -> None:
    policy = CookiePolicy(SiteRoot())
    language = Cookie("bk_lang", "/", "Lax", max_age=3600)
    set_flags = flags(policy.set_header(language, "en", HTTPS).decode())
    cleared = flags(policy.clear_header(language, HTTPS).decode())
    assert set_flags["max-age"] == "3600" and cleared["max-age"] == "0"
    assert "1970" in cleared["expires"]
    for flag in ("httponly", "secure", "samesite", "path"):
        assert cleared[flag] == set_flags[flag], flag


def set_cookies(response: httpx2.Response) -> list[str]:
    return [v for r in [*response.history, response] for v in r.headers.get_list("set-cookie")]


def test_every_set_cookie_of_a_visit_follows_the_policy(settings: Settings) -> None:
    """Sign-in form, sign-in (which also clears the form's cookie), language, sign-out:
    under a root path and over HTTPS, each carries every flag and the root's path."""
    rooted = dataclasses.replace(settings, root_path="/infokanimjogja")
    app = create_app(rooted)
    app.app.fallback.state.admin.accounts.add("budi", PASSWORD, "test")  # type: ignore[attr-defined]
    with TestClient(app, base_url="https://127.0.0.1/infokanimjogja") as client:
        headers = set_cookies(client.get("/admin/login"))
        headers += set_cookies(log_in(client))
        headers += set_cookies(client.get("/?lang=en", follow_redirects=False))
        headers += set_cookies(client.post("/admin/logout", data={"csrf": csrf_of(client)}))
    names = [header.partition("=")[0] for header in headers]
    assert sorted(set(names)) == ["bk_admin", "bk_lang", "bk_login"]
    assert names.count("bk_login") >= 2 and names.count("bk_admin") >= 2  # set, then cleared
    for header in headers:
        cookie = flags(header)
        assert {"httponly", "secure"} <= cookie.keys(), header
        assert cookie["samesite"].lower() in ("strict", "lax"), header
        assert cookie["path"].startswith("/infokanimjogja"), header
