"""The web app manifest that makes the site installable, one per language."""

from __future__ import annotations

import json
import struct
from typing import Any

from server.assets import Assets
from server.i18n import Messages
from server.languages import Languages, shipped_languages
from server.office import Office
from server.prebuilt import Prebuilt, prebuild
from server.root_path import SiteRoot

MANIFEST_TYPE = "application/manifest+json"
BACKGROUND_COLOR = "#FFFFFF"
# (asset name, purpose). Maskable icons are full-bleed with the art in the safe zone;
# scripts/make_icons.py draws them all.
ICONS = (
    ("icons/icon-192.png", "any"),
    ("icons/icon-512.png", "any"),
    ("icons/maskable-192.png", "maskable"),
    ("icons/maskable-512.png", "maskable"),
)
APPLE_TOUCH_ICON = "icons/apple-touch-icon-180.png"
# Browsers ask for /favicon.ico where a page names no icon, as Chrome's PDF viewer does.
FAVICON_URL = "/favicon.ico"
_FAVICON = "icons/icon-192.png"
# (asset name pattern, form factor, message of its label); scripts/make_screenshots.py
# takes them.
SCREENSHOTS = (
    ("screenshots/home-narrow.{lang}.png", "narrow", "screenshot_home"),
    ("screenshots/guide-narrow.{lang}.png", "narrow", "screenshot_guide"),
    ("screenshots/home-wide.{lang}.png", "wide", "screenshot_home"),
)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def manifest_url(lang: str, languages: Languages | None = None) -> str:
    return f"{(languages or shipped_languages()).prefix(lang)}/manifest.webmanifest"


def start_url(lang: str, root: SiteRoot | None = None, languages: Languages | None = None) -> str:
    """Where the installed app opens; `src=pwa` tells its visits apart in the usage counts."""
    prefix = (languages or shipped_languages()).prefix(lang)
    return (root or SiteRoot()).url(f"{prefix}/?src=pwa")


def web_manifest(
    lang: str, office: Office, messages: Messages, assets: Assets, root: SiteRoot | None = None
) -> bytes:
    """The manifest; under a root path its id, start_url, scope and icons all carry it, so
    that two sites on one host install as two apps, each with its own scope."""
    root = root or SiteRoot()
    languages = messages.languages

    def t(key: str) -> str:
        return messages.get(lang, key)

    body: dict[str, Any] = {
        # One app whichever language it was installed from; the language
        # switch works inside it, as the scope covers both.
        "id": root.home,
        "name": f"{office.short_name}: {t('site_tagline')}",
        "short_name": office.short_name,
        "description": f"{t('site_tagline')}: {office.name}. {t('manifest_description')}",
        "lang": lang,
        "dir": languages[lang].dir,
        "start_url": start_url(lang, root, languages),
        "scope": root.home,
        "display": "standalone",
        "theme_color": office.theme_color,
        "background_color": BACKGROUND_COLOR,
        "categories": ["government", "travel"],
        "icons": [_image(assets, root, name, purpose=purpose) for name, purpose in ICONS],
        # Screenshots only enrich the install sheet: a checkout without them still installs.
        "screenshots": [
            _image(assets, root, name, form_factor=form_factor, label=t(label))
            for pattern, form_factor, label in SCREENSHOTS
            if (name := pattern.format(lang=lang)) in assets.urls
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=1).encode()


def favicon(assets: Assets) -> Prebuilt:
    """The small PNG icon; every browser takes a PNG at this address."""
    body = assets.responses[assets.url(_FAVICON)].body
    return prebuild(body, "image/png", "public, max-age=86400")


def _image(assets: Assets, root: SiteRoot, name: str, **extra: str) -> dict[str, str]:
    url = assets.url(name)
    width, height = png_size(assets.responses[url].body)
    return {"src": root.url(url), "sizes": f"{width}x{height}", "type": "image/png", **extra}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header, so the manifest declares the sizes the files have."""
    if data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height
