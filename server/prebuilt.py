"""Responses built once per catalog version and served from memory, pre-compressed."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass

import brotli

from server.security import SECURITY_HEADERS

HTML = "text/html; charset=utf-8"
NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
# `/` may redirect to `/en/` by the applicant's language (server/language.py).
LANDING_VARY = "Accept-Encoding, Accept-Language, Cookie"
# Below this, compression costs more bytes (headers, framing) than it saves.
_MIN_COMPRESS = 512
_COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/manifest+json",
    "image/svg+xml",
)

Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Prebuilt:
    """One resource with its body in each encoding and its ready-made headers."""

    body: bytes
    gzip: bytes | None
    br: bytes | None
    etag: str
    headers: Headers  # everything but Content-Length, Content-Encoding and ETag

    def variant(self, accept_encoding: str) -> tuple[bytes, bytes | None, str]:
        """The body to send, its Content-Encoding, and its ETag."""
        if self.br is not None and accepts(accept_encoding, "br"):
            return self.br, b"br", f'"{self.etag}-br"'
        if self.gzip is not None and accepts(accept_encoding, "gzip"):
            return self.gzip, b"gzip", f'"{self.etag}-gz"'
        return self.body, None, f'"{self.etag}"'

    def matches(self, if_none_match: str) -> bool:
        """True when the client already holds some encoding of these exact bytes."""
        if if_none_match.strip() == "*":
            return True
        for tag in if_none_match.split(","):
            tag = tag.strip().removeprefix("W/").strip('"')
            if tag in (self.etag, f"{self.etag}-br", f"{self.etag}-gz"):
                return True
        return False


_compressed: dict[tuple[str, str], bytes] = {}


def _compress(kind: str, body: bytes, digest: str) -> bytes:
    # Most pages are unchanged from one catalog version to the next; keep
    # their compressed forms so a reload only pays for what changed.
    key = (kind, digest)
    if key not in _compressed:
        if kind == "br":
            _compressed[key] = brotli.compress(body, quality=11)
        else:
            _compressed[key] = gzip.compress(body, compresslevel=9, mtime=0)
    return _compressed[key]


def prebuild(
    body: bytes,
    content_type: str,
    cache_control: str = NO_CACHE,
    extra_headers: Headers | None = None,
    vary: str = "Accept-Encoding",
) -> Prebuilt:
    digest = hashlib.sha256(body).hexdigest()
    compressible = len(body) >= _MIN_COMPRESS and content_type.startswith(_COMPRESSIBLE)
    gz = _compress("gzip", body, digest) if compressible else None
    br = _compress("br", body, digest) if compressible else None
    headers: Headers = [
        (b"content-type", content_type.encode()),
        (b"cache-control", cache_control.encode()),
    ]
    if compressible:
        headers.append((b"vary", vary.encode()))
    headers.extend(extra_headers or [])
    headers.extend(SECURITY_HEADERS)
    return Prebuilt(
        body=body,
        gzip=gz if gz is not None and len(gz) < len(body) else None,
        br=br if br is not None and len(br) < len(body) else None,
        etag=digest[:32],
        headers=headers,
    )


def accepts(accept_encoding: str, coding: str) -> bool:
    """Whether the Accept-Encoding header allows `coding` (`q=0` refuses it)."""
    for item in accept_encoding.lower().split(","):
        name, _, params = item.partition(";")
        if name.strip() != coding:
            continue
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False
