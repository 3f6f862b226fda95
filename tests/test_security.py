"""Security of every response: headers on every kind of answer, HSTS only over HTTPS from a
trusted proxy, cookie flags, and a service worker that keeps nothing private."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from server.app import create_app
from server.settings import Settings
from testkit.admin_client import PASSWORD, add_account, csrf_of, form_value, log_in
from testkit.server import LiveServer, start_server

Fetch = Callable[[TestClient], httpx2.Response]
PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}


def first_file(client: TestClient) -> dict[str, Any]:
    data: dict[str, Any] = client.get("/api/guides").json()["guides"][0]["files"]["id"]
    return data


def etag_of(client: TestClient, path: str) -> str:
    return client.get(path).headers["etag"]


def stale_url(client: TestClient) -> str:
    return re.sub(r"\.[0-9a-f]{16}\.pdf$", ".0000000000000000.pdf", first_file(client)["url"])


# Every kind of answer the two layers give: the fast path (pages, files, 304, 206, 416, 431)
# and Starlette (health, redirects, error pages, the admin, the usage endpoint).
RESPONSES: list[tuple[str, Fetch]] = [
    ("page", lambda c: c.get("/")),
    ("english page", lambda c: c.get("/en/guides/izin-tinggal")),
    ("head of a page", lambda c: c.head("/")),
    ("page not modified", lambda c: c.get("/", headers={"If-None-Match": etag_of(c, "/")})),
    ("guide file", lambda c: c.get(first_file(c)["url"])),
    ("file range", lambda c: c.get(first_file(c)["url"], headers={"Range": "bytes=0-9"})),
    ("past the end", lambda c: c.get(first_file(c)["url"], headers={"Range": "bytes=90000-"})),
    ("file not modified", lambda c: c.get(first_file(c)["url"], headers={"If-None-Match": "*"})),
    ("stale file redirect", lambda c: c.get(stale_url(c), follow_redirects=False)),
    ("api", lambda c: c.get("/api/guides")),
    ("service worker", lambda c: c.get("/sw.js")),
    ("health", lambda c: c.get("/healthz")),
    ("not found", lambda c: c.get("/tidak-ada")),
    ("headers too large", lambda c: c.get("/", headers={"X-Big": "a" * 20_000})),
    ("en redirect", lambda c: c.get("/en", follow_redirects=False)),
    ("admin login", lambda c: c.get("/admin/login")),
    ("admin redirect", lambda c: c.get("/admin/", follow_redirects=False)),
    ("usage report refused", lambda c: c.post("/api/usage", content=b"{")),
    ("method not allowed", lambda c: c.post("/")),
]  # fmt: skip


def assert_security_headers(response: httpx2.Response, https: bool) -> None:
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["permissions-policy"]
    if https:
        assert headers["strict-transport-security"].startswith("max-age=31536000")
    else:
        assert "strict-transport-security" not in headers


def headers_missing(client: TestClient, https: bool) -> list[str]:
    """The kinds of response whose security headers are wrong, with what is wrong."""
    wrong = []
    for kind, fetch in RESPONSES:
        try:
            assert_security_headers(fetch(client), https)
        except (AssertionError, KeyError) as exc:
            wrong.append(f"{kind}: {exc!r}")
    return wrong


def test_every_kind_of_response_carries_the_headers_but_no_hsts_over_http(
    client: TestClient,
) -> None:
    assert headers_missing(client, https=False) == []


def test_every_kind_of_response_carries_hsts_over_https(settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="https://127.0.0.1") as client:
        assert headers_missing(client, https=True) == []


# Cookies ------------------------------------------------------------------------------


def cookie_flags(response: httpx2.Response, name: str) -> set[str]:
    responses = [*response.history, response]
    values = [v for r in responses for v in r.headers.get_list("set-cookie")]
    value = next(v for v in values if v.startswith(f"{name}="))
    return {part.strip().lower() for part in value.split(";")[1:]}


def test_every_cookie_is_http_only_same_site_and_secure_over_https(settings: Settings) -> None:
    app = create_app(settings)
    app.fallback.state.admin.accounts.add("budi", PASSWORD, "test")  # type: ignore[attr-defined]
    with TestClient(app, base_url="https://127.0.0.1") as client:
        login_form = client.get("/admin/login")
        signed_in = log_in(client)
        language = client.get("/?lang=en", follow_redirects=False)
        signed_out = client.post("/admin/logout", data={"csrf": csrf_of(client)})
    for response, name in (
        (login_form, "bk_login"),
        (signed_in, "bk_admin"),
        (language, "bk_lang"),
        (signed_out, "bk_admin"),
    ):
        flags = cookie_flags(response, name)
        assert {"httponly", "secure"} <= flags, (name, flags)
        assert flags & {"samesite=strict", "samesite=lax"}, (name, flags)


def test_public_pages_set_no_cookie(client: TestClient) -> None:
    for path in ("/", "/en/", "/guides/izin-tinggal", first_file(client)["url"], "/api/guides"):
        assert "set-cookie" not in client.get(path).headers, path


# Forwarded headers: trusted only from the configured proxies --------------------------


@pytest.fixture
def proxied(
    tmp_path: Path, guides_dir: Path, office_file: Path
) -> Iterator[Callable[[str], LiveServer]]:
    """`bilang-karyo serve` trusting forwarded headers from the given proxy addresses."""
    data_dir = tmp_path / "data"
    add_account(data_dir)
    servers: list[LiveServer] = []

    def start(allow: str) -> LiveServer:
        env = {"BILANG_KARYO_FORWARDED_ALLOW_IPS": allow}
        log_path = tmp_path / f"server-{len(servers)}.log"
        servers.append(start_server(guides_dir, office_file, data_dir, log_path, extra_env=env))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_https_from_a_trusted_proxy_gets_hsts_and_secure_cookies(
    proxied: Callable[[str], LiveServer],
) -> None:
    server = proxied("127.0.0.1")
    with httpx2.Client(base_url=server.url, headers=PROXY) as web:
        guide_file = web.get("/api/guides").json()["guides"][0]["files"]["id"]["url"]
        for path in ("/", guide_file, "/healthz", "/admin/login"):
            assert_security_headers(web.get(path), https=True)
        # The client speaks plain HTTP to the server, so it will not send a Secure
        # cookie back by itself: hand the login cookie over as the proxy would.
        form = web.get("/admin/login")
        assert "secure" in cookie_flags(form, "bk_login")
        signed_in = web.post(
            "/admin/login",
            data={"token": form_value(form.text, "token"), "name": "budi", "password": PASSWORD},
            headers={"Cookie": f"bk_login={form.cookies['bk_login']}"},
        )
        assert signed_in.status_code == 303
        assert "secure" in cookie_flags(signed_in, "bk_admin")


def test_forwarded_headers_from_an_untrusted_address_are_ignored(
    proxied: Callable[[str], LiveServer],
) -> None:
    server = proxied("192.0.2.1")  # the proxy is elsewhere; 127.0.0.1 is not it
    with httpx2.Client(base_url=server.url, headers=PROXY) as web:
        guide_file = web.get("/api/guides").json()["guides"][0]["files"]["id"]["url"]
        for path in ("/", guide_file, "/healthz", "/admin/login"):
            assert_security_headers(web.get(path), https=False)
        assert "secure" not in cookie_flags(log_in(web), "bk_admin")


@pytest.mark.parametrize(
    ("trusted", "expected"), [("192.0.2.1", [401] * 4 + [429]), ("*", [401] * 5)]
)
def test_forwarded_for_counts_in_the_login_throttle_only_from_a_trusted_proxy(
    settings: Settings, trusted: str, expected: list[int]
) -> None:
    """Failed logins count against the sender's address. From an untrusted client, a
    different X-Forwarded-For each time does not make a new address; from a trusted
    proxy (the control case) it does."""
    fast = dataclasses.replace(
        settings, login_slow_after=100, login_lock_after=4, login_lock_minutes=15
    )
    # uvicorn's middleware, as `serve` installs it; its ASGI types are stricter than Starlette's.
    app = ProxyHeadersMiddleware(create_app(fast), trusted_hosts=trusted)  # type: ignore[arg-type]
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:  # type: ignore[arg-type]
        statuses = []
        for number in range(5):
            client.headers["X-Forwarded-For"] = f"198.51.100.{number}"
            response = log_in(client, name=f"tebak{number}", password="salah-sekali")
            statuses.append(response.status_code)
    assert statuses == expected


# The service worker -------------------------------------------------------------------

PRIVATE = ("/admin", "/api/usage", "/healthz")


def test_the_worker_precaches_only_public_pages_and_assets(client: TestClient) -> None:
    """What the worker may ever store: its precache list and the hashed guide files.
    (tests/browser/test_admin_publish.py checks in chromium that /admin leaves nothing.)"""
    # Each rendered guide rebuilds the site; take the worker of the settled build.
    queue = client.app.live.reader_queue  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while queue.pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    first_line = client.get("/sw.js").text.split("\n", 1)[0]
    build = json.loads(first_line.removeprefix("const BUILD = ").rstrip(";"))
    urls = [entry["url"] for entry in build["precache"]] + [f["url"] for f in build["files"]]
    assert urls
    for url in urls:
        assert not url.startswith(PRIVATE), url
        response = client.get(url)  # no cookie: anyone may fetch it
        assert response.status_code == 200, url
        assert "no-store" not in response.headers.get("cache-control", ""), url


@pytest.mark.parametrize("path", ["/admin/audit/", "/admin/login/", "/privacy/", "/en/privacy/"])
def test_trailing_slash_redirects_never_carry_the_requests_host(
    client: TestClient, path: str
) -> None:
    response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code in (301, 307, 308)
    location = response.headers["location"]
    assert location == path.rstrip("/") and "evil" not in location
