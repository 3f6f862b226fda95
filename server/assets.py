"""The app's own static files (CSS, JS, icons), served at URLs that carry their hash."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from server.prebuilt import IMMUTABLE, Prebuilt, prebuild

_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
}


@dataclass(frozen=True)
class Assets:
    urls: dict[str, str]  # "app.css" -> "/static/app.1a2b3c4d5e.css"
    responses: dict[str, Prebuilt]  # hashed URL -> response

    def url(self, name: str) -> str:
        try:
            return self.urls[name]
        except KeyError:
            raise KeyError(f"no static asset named {name!r} in pwa/static") from None


def load_assets(static_dir: Path) -> Assets:
    urls: dict[str, str] = {}
    responses: dict[str, Prebuilt] = {}
    for path in sorted(static_dir.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        name = path.relative_to(static_dir).as_posix()
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:10]
        stem, dot, suffix = name.rpartition(".")
        url = f"/static/{stem}.{digest}.{suffix}" if dot else f"/static/{name}.{digest}"
        content_type = _TYPES.get(path.suffix) or (
            mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        urls[name] = url
        responses[url] = prebuild(data, content_type, IMMUTABLE)
    return Assets(urls, responses)
