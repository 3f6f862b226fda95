"""The web app manifests, their icons and screenshots, and the install tags in the pages."""

from __future__ import annotations

import io
import math
import re
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from server.manifest import png_size

LANG_PREFIXES = {"id": "", "en": "/en"}


def manifest(client: TestClient, lang: str) -> dict[str, Any]:
    response = client.get(f"{LANG_PREFIXES[lang]}/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/manifest+json"
    data: dict[str, Any] = response.json()
    return data


def image(client: TestClient, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["content-type"] == "image/png"
    return Image.open(io.BytesIO(response.content))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_each_language_has_a_complete_manifest(client: TestClient, lang: str) -> None:
    data = manifest(client, lang)
    prefix = LANG_PREFIXES[lang]
    assert data["lang"] == lang
    assert data["start_url"] == f"{prefix}/?src=pwa"
    assert data["scope"] == "/"
    assert data["start_url"].startswith(data["scope"])
    assert data["display"] == "standalone"
    assert data["id"] == "/"
    assert data["short_name"] == "Kanim Jogja"
    assert "Kanim Jogja" in data["name"]
    assert "Kantor Imigrasi Kelas I TPI Yogyakarta" in data["description"]
    assert data["theme_color"] == "#B71C1C"
    assert re.fullmatch(r"#[0-9A-F]{6}", data["background_color"])


def test_the_two_manifests_speak_their_language(client: TestClient) -> None:
    indonesian, english = manifest(client, "id"), manifest(client, "en")
    assert "Informasi Layanan Keimigrasian" in indonesian["name"]
    assert "Immigration service information" in english["name"]
    assert indonesian["description"] != english["description"]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_icons_exist_at_the_sizes_declared(client: TestClient, lang: str) -> None:
    icons = manifest(client, lang)["icons"]
    declared = {(icon["sizes"], icon["purpose"]) for icon in icons}
    assert {("192x192", "any"), ("512x512", "any")} <= declared
    assert {("192x192", "maskable"), ("512x512", "maskable")} <= declared
    for icon in icons:
        assert icon["type"] == "image/png"
        picture = image(client, icon["src"])
        assert picture.format == "PNG"
        assert f"{picture.width}x{picture.height}" == icon["sizes"], icon["src"]


def test_maskable_icons_keep_their_art_in_the_safe_zone(client: TestClient) -> None:
    maskable = [icon for icon in manifest(client, "id")["icons"] if icon["purpose"] == "maskable"]
    assert maskable
    for icon in maskable:
        picture = image(client, icon["src"]).convert("RGBA")
        size = picture.width
        background = picture.getpixel((0, 0))
        assert isinstance(background, tuple)
        assert background[3] == 255, "a maskable icon is opaque to its edges"
        # Android may cut the icon down to the circle of radius 40% around the centre:
        # everything outside it must be plain background.
        safe = 0.4 * size
        outside = [
            picture.getpixel((x, y))
            for y in range(size)
            for x in range(size)
            if math.hypot(x + 0.5 - size / 2, y + 0.5 - size / 2) > safe
        ]
        assert set(outside) == {background}, icon["src"]
        inside = picture.crop((int(size * 0.3), int(size * 0.3), int(size * 0.7), int(size * 0.7)))
        assert len(inside.getcolors(1 << 16) or []) > 1, "the art itself is in the middle"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_screenshots_fit_chromes_richer_install_sheet(client: TestClient, lang: str) -> None:
    screenshots = manifest(client, lang)["screenshots"]
    factors = {shot["form_factor"] for shot in screenshots}
    assert factors == {"narrow", "wide"}
    for shot in screenshots:
        assert shot["src"].endswith(f".{lang}.{shot['src'].split('.')[-2]}.png")
        assert shot["label"]
        picture = image(client, shot["src"])
        width, height = picture.size
        assert f"{width}x{height}" == shot["sizes"]
        assert min(width, height) >= 320 and max(width, height) <= 3840
        assert max(width, height) <= 2.3 * min(width, height)
        assert (width < height) == (shot["form_factor"] == "narrow")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_pages_link_their_manifest_and_the_ios_tags(client: TestClient, lang: str) -> None:
    prefix = LANG_PREFIXES[lang]
    for path in (f"{prefix}/", f"{prefix}/guides/izin-tinggal", f"{prefix}/offline"):
        html = client.get(path).text
        assert f'<link rel="manifest" href="{prefix}/manifest.webmanifest">' in html
        touch_icon = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', html)
        assert touch_icon, path
        assert image(client, touch_icon[1]).size == (180, 180)
        assert '<meta name="apple-mobile-web-app-capable" content="yes">' in html
        assert '<meta name="apple-mobile-web-app-title" content="Kanim Jogja">' in html


def test_favicon_is_a_png_icon(client: TestClient) -> None:
    assert image(client, "/favicon.ico").size == (192, 192)


def test_png_size_reads_the_header_and_refuses_other_files() -> None:
    out = io.BytesIO()
    Image.new("RGB", (321, 123)).save(out, "PNG")
    assert png_size(out.getvalue()) == (321, 123)
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a" + bytes(30))
