"""Every public route, through the real ASGI app in-process."""

from __future__ import annotations

import gzip
import hashlib
import re
from typing import Any

import brotli
import pytest
from starlette.testclient import TestClient

from tests.test_qr import decode, svg_to_image

IDENTITY = {"Accept-Encoding": "identity"}


def api(client: TestClient) -> dict[str, Any]:
    data: dict[str, Any] = client.get("/api/guides").json()
    return data


def test_landing_page_has_the_seed_buttons_in_order(client: TestClient) -> None:
    page = client.get("/").text
    assert "Kantor Imigrasi Kelas I TPI Yogyakarta" in page
    # The service buttons; the contact section has a grey button of its own below them.
    html = page.partition('<nav class="buttons"')[2].partition("</nav>")[0]
    buttons = re.findall(r'<a class="btn[^"]*" href="([^"]+)"', html)
    assert buttons == [
        "/guides/antrian-paspor",
        "https://wa.me/628112578223?text=MENU",
        "/guides/pembuatan-paspor",
        "/guides/izin-tinggal",
    ]
    # The label's text, without the span that keeps "(M-Paspor)" on one line.
    labels = [
        re.sub(r"<[^>]+>", "", label)
        for label in re.findall(
            r'<a class="btn[^"]*" href="[^"]+"[^>]*>(.*?)(?:<small[ >]|</a>)', html
        )
    ]
    assert labels == [
        "Antrian Paspor (M-Paspor)",
        "Cek Alur Paspor",
        "Pembuatan Paspor",
        "Izin Tinggal / Stay Permit",
    ]


def test_landing_page_lists_other_guides_and_social_links(client: TestClient) -> None:
    html = client.get("/").text
    assert 'href="/guides/pelaporan-status-sipil"' in html
    for url in ("https://www.instagram.com/kanimjogja/", "https://x.com/kanimjogja"):
        assert f'href="{url}"' in html


def test_english_pages_live_under_en(client: TestClient) -> None:
    html = client.get("/en/").text
    assert '<html lang="en" dir="ltr">' in html
    assert 'href="/en/guides/izin-tinggal"' in html
    assert "Check passport status" in html
    assert client.get("/en", follow_redirects=False).headers["location"] == "/en/"


@pytest.mark.parametrize("path", ["/", "/en/", "/guides/izin-tinggal", "/en/guides/izin-tinggal"])
def test_every_page_has_a_language_switch_to_the_same_page(client: TestClient, path: str) -> None:
    html = client.get(path).text
    bare = path.removeprefix("/en")
    assert f'href="{bare}?lang=id" hreflang="id"' in html
    assert f'href="/en{bare}?lang=en" hreflang="en"' in html


def test_guide_page_shows_its_text_date_and_both_pdfs(client: TestClient) -> None:
    guide = next(g for g in api(client)["guides"] if g["slug"] == "izin-tinggal")
    html = client.get("/en/guides/izin-tinggal").text
    assert guide["summary"]["en"] in html  # the page's description
    assert '<h2 id="h-three-kinds-of-stay-permit">Three kinds of stay permit</h2>' in html
    assert "30 November 2026" in html
    assert f'href="{guide["files"]["en"]["url"]}"' in html
    assert f'href="{guide["files"]["id"]["url"]}"' in html
    assert 'href="/en/"' in html  # the way back
    indonesian = client.get("/guides/izin-tinggal").text
    assert "30 November 2026" in indonesian
    assert "Terakhir diperiksa" in indonesian


def test_indonesian_only_guide_says_so_in_english(client: TestClient) -> None:
    html = client.get("/en/guides/antrian-paspor").text
    assert "only available in" in html
    assert "/files/antrian-paspor.id." in html


def test_api_lists_files_with_url_size_and_hash(client: TestClient) -> None:
    data = api(client)
    assert len(data["guides"]) == 4
    for guide in data["guides"]:
        assert guide["last_checked"] == "2026-11-30"
        for gfile in guide["files"].values():
            body = client.get(gfile["url"]).content
            assert len(body) == gfile["size"]
            assert hashlib.sha256(body).hexdigest() == gfile["sha256"]
            assert gfile["last_checked"] == "2026-11-30"


def test_guide_file_is_immutable_with_strong_etag(client: TestClient) -> None:
    gfile = api(client)["guides"][0]["files"]["id"]
    response = client.get(gfile["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["etag"] == f'"{gfile["sha256"]}"'
    again = client.get(gfile["url"], headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_range_requests_get_206_and_the_right_bytes(client: TestClient) -> None:
    gfile = api(client)["guides"][0]["files"]["id"]
    whole = client.get(gfile["url"]).content
    part = client.get(gfile["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == whole[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"
    tail = client.get(gfile["url"], headers={"Range": "bytes=-10"})
    assert tail.content == whole[-10:]
    beyond = client.get(gfile["url"], headers={"Range": f"bytes={len(whole)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(whole)}"
    stale = client.get(gfile["url"], headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200 and stale.content == whole


def test_head_sends_headers_without_body(client: TestClient) -> None:
    gfile = api(client)["guides"][0]["files"]["id"]
    response = client.head(gfile["url"])
    assert response.status_code == 200
    assert response.headers["content-length"] == str(gfile["size"])
    assert response.content == b""


def test_old_file_url_redirects_to_the_current_version(client: TestClient) -> None:
    gfile = api(client)["guides"][0]["files"]["id"]
    old = re.sub(r"\.[0-9a-f]{16}\.pdf$", ".0000000000000000.pdf", gfile["url"])
    response = client.get(old, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == gfile["url"]
    assert client.get("/files/tidak-ada.id.0000000000000000.pdf").status_code == 404


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [("br, gzip", "br"), ("gzip", "gzip"), ("gzip, br;q=0", "gzip"), ("identity", None)],
)
def test_pages_are_compressed_by_accept_encoding(
    client: TestClient, accept: str, encoding: str | None
) -> None:
    plain = client.get("/", headers=IDENTITY).content
    response = client.get("/", headers={"Accept-Encoding": accept})
    assert "Accept-Encoding" in response.headers["vary"]
    assert response.headers.get("content-encoding") == encoding
    # httpx decodes the body; the raw length shows it was compressed on the wire.
    assert response.content == plain
    raw_length = int(response.headers["content-length"])
    assert (raw_length < len(plain)) == (encoding is not None)


def test_compressed_bodies_decode_to_the_page(client: TestClient) -> None:
    app = client.app
    site = app.live.site  # type: ignore[attr-defined]
    page = site.responses["/"]
    assert page.br is not None and brotli.decompress(page.br) == page.body
    assert page.gzip is not None and gzip.decompress(page.gzip) == page.body


def test_pages_revalidate_with_etags(client: TestClient) -> None:
    first = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(
        "/", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["etag"] == first.headers["etag"]
    changed = client.get("/", headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200


def test_static_assets_are_hashed_and_immutable(client: TestClient) -> None:
    html = client.get("/").text
    css = re.search(r'href="(/static/app\.[0-9a-f]{10}\.css)"', html)
    assert css is not None
    response = client.get(css.group(1))
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("text/css")


def test_no_third_party_requests_in_pages(client: TestClient) -> None:
    for path in ("/", "/en/", "/guides/izin-tinggal", "/poster"):
        html = client.get(path).text
        for attr in re.findall(r'(?:src|href)="([^"]+)"', html):
            if attr.startswith(("http://", "https://")):
                # Outbound links are fine; nothing is loaded from elsewhere.
                assert not re.search(rf'(?:src|rel="stylesheet" href)="{re.escape(attr)}"', html)


def test_unknown_page_is_a_friendly_404_in_the_right_language(client: TestClient) -> None:
    response = client.get("/en/guides/nope")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Halaman tidak ditemukan" in client.get("/tidak-ada").text


def test_healthz_reports_the_catalog_and_unconfirmed_values(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["catalog"]["guides"] == 4
    assert body["catalog"]["files"] == 6
    assert body["last_error"] is None
    assert body["status"] == "warn"
    assert any("whatsapp.number" in w for w in body["warnings"])
    # Every sample guide file has its text version, made as it was recorded.
    assert body["text"] == {"shown": 6, "files": 6, "awaiting_review": [], "without_text": []}


def test_security_headers_on_every_kind_of_response(client: TestClient) -> None:
    gfile = api(client)["guides"][0]["files"]["id"]
    for path in ("/", "/healthz", gfile["url"], "/nope", "/qr.svg"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert "referrer-policy" in headers and "permissions-policy" in headers


def test_poster_has_office_both_lines_qr_and_url(client: TestClient) -> None:
    html = client.get("/poster").text
    assert "Kantor Imigrasi Kelas I TPI Yogyakarta" in html
    assert "Scan untuk informasi layanan keimigrasian" in html
    assert "Scan for immigration service information" in html
    assert 'src="/qr.svg"' in html
    # The short address to type, without the scheme.
    assert "<strong>imigo.dev/infokanimjogja</strong>" in html
    # What the site holds: every red button's title, in both languages.
    text = re.sub(r"<[^>]+>", "", html)
    for title in ("Cek Alur Paspor", "Check passport status"):
        assert title in html
    for guide in api(client)["guides"]:
        if guide["featured"]:
            assert guide["title"]["id"] in text and guide["title"]["en"] in text


def test_counter_cards_one_per_guide_and_a_sheet_of_all(client: TestClient) -> None:
    guides = api(client)["guides"]
    sheet = client.get("/cards").text
    for guide in guides:
        slug = guide["slug"]
        card = client.get(f"/poster/{slug}")
        assert card.status_code == 200
        assert f'src="/qr/{slug}.svg"' in card.text and f'src="/qr/{slug}.svg"' in sheet
        shown = re.sub(r"<[^>]+>", "", card.text)
        assert guide["title"]["id"] in shown and guide["title"]["en"] in shown
        assert f"imigo.dev/infokanimjogja/guides/{slug}" in card.text
        code = client.get(f"/qr/{slug}.svg")
        assert code.headers["content-type"] == "image/svg+xml"
        assert decode(svg_to_image(code.content)) == [
            f"https://imigo.dev/infokanimjogja/guides/{slug}?src=qr"
        ]
    assert client.get("/poster/no-such-guide").status_code == 404


def test_first_visit_fits_the_30_kb_budget(client: TestClient) -> None:
    """Everything the landing page loads, compressed as a phone would get it."""
    headers = {"Accept-Encoding": "br, gzip"}
    page = client.get("/", headers=headers)
    total = int(page.headers["content-length"])
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        total += int(client.get(url, headers=headers).headers["content-length"])
    assert total <= 30 * 1024
