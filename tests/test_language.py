"""The first visit follows Accept-Language; a choice once made is respected."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from server.languages import shipped_languages


@pytest.mark.parametrize(
    ("header", "english"),
    [
        ("en-US,en;q=0.9", True),
        ("en-GB,en;q=0.9,id;q=0.8", True),
        ("id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7", False),
        ("in-ID,en;q=0.5", False),  # older Android names Indonesian "in"
        ("jv,en;q=0.8", False),
        ("de-DE,de;q=0.9,en;q=0.8", True),
        ("fr-FR", False),  # no English listed: the default stays
        ("", False),
        ("en;q=abc,id;q=0.5", False),
        ("*", False),
    ],
)
def test_prefers_english(header: str, english: bool) -> None:
    assert shipped_languages().preferred(header) == ("en" if english else "id")


NAVIGATION = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html,*/*;q=0.8"}


def first_visit(client: TestClient, accept_language: str, path: str = "/") -> str | None:
    client.cookies.clear()
    response = client.get(
        path, headers={**NAVIGATION, "Accept-Language": accept_language}, follow_redirects=False
    )
    return response.headers.get("location")


def test_english_phone_lands_on_english_keeping_the_scan_marker(client: TestClient) -> None:
    assert first_visit(client, "en-US,en;q=0.9", "/?src=qr") == "/en/?src=qr"


def test_indonesian_phone_stays_on_indonesian(client: TestClient) -> None:
    assert first_visit(client, "id-ID,id;q=0.9,en;q=0.8") is None


def test_only_the_landing_page_redirects(client: TestClient) -> None:
    assert first_visit(client, "en-US", "/guides/izin-tinggal") is None


def test_switching_to_indonesian_is_remembered(client: TestClient) -> None:
    english = {"Accept-Language": "en-US,en;q=0.9"}
    client.cookies.clear()
    chosen = client.get("/?lang=id", headers=english, follow_redirects=False)
    assert chosen.status_code == 200
    assert '<html lang="id" dir="ltr">' in chosen.text
    set_cookie = chosen.headers["set-cookie"]
    assert set_cookie.startswith("bk_lang=id;") and "HttpOnly" in set_cookie
    # Later, scanning the QR code again: the choice wins over the phone's language.
    again = client.get("/?src=qr", headers=english, follow_redirects=False)
    assert again.status_code == 200 and '<html lang="id" dir="ltr">' in again.text


def test_switching_to_english_is_remembered(client: TestClient) -> None:
    client.cookies.clear()
    chosen = client.get(
        "/en/guides/izin-tinggal?lang=en", headers={"Accept-Language": "id"}, follow_redirects=False
    )
    assert chosen.headers["set-cookie"].startswith("bk_lang=en;")
    later = client.get(
        "/?src=qr", headers={**NAVIGATION, "Accept-Language": "id"}, follow_redirects=False
    )
    assert later.status_code == 302 and later.headers["location"] == "/en/?src=qr"


def test_no_cookie_unless_the_applicant_chooses(client: TestClient) -> None:
    client.cookies.clear()
    for path in ("/", "/en/", "/guides/izin-tinggal", "/?src=qr"):
        assert "set-cookie" not in client.get(path, follow_redirects=False).headers


def test_landing_page_varies_by_language_and_cookie(client: TestClient) -> None:
    vary = client.get("/", headers={"Accept-Encoding": "gzip"}).headers["vary"]
    assert "Accept-Language" in vary and "Cookie" in vary


def test_the_service_worker_precache_fetch_is_never_redirected(client: TestClient) -> None:
    """The worker fetches `/` to precache it; a redirect there would fail its install."""
    client.cookies.clear()
    for headers in (
        {"Sec-Fetch-Mode": "same-origin", "Accept": "*/*"},
        {"Accept": "*/*"},  # a browser that sends no Sec-Fetch headers
    ):
        response = client.get(
            "/", headers={**headers, "Accept-Language": "en-US"}, follow_redirects=False
        )
        assert response.status_code == 200
    no_sec_fetch = client.get(
        "/", headers={"Accept": "text/html", "Accept-Language": "en-US"}, follow_redirects=False
    )
    assert no_sec_fetch.status_code == 302
