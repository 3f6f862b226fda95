"""Responses built once per catalog version and served from memory, pre-compressed."""

from __future__ import annotations

import functools
import gzip
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field

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
class Encoded:
    """One encoding of a prebuilt body, with every header of its answer made in advance."""

    body: bytes
    coding: bytes | None  # the Content-Encoding, None for the body as it is
    etag: str
    headers: Headers  # for a 200, Content-Length included
    not_modified: Headers  # for a 304


@dataclass(frozen=True)
class Prebuilt:
    """One resource with its body in each encoding and its ready-made headers."""

    body: bytes
    gzip: bytes | None
    br: bytes | None
    etag: str
    headers: Headers  # everything but Content-Length, Content-Encoding and ETag
    is_page: bool = field(init=False)
    _encoded: dict[str, Encoded] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The hot path only picks one of these; nothing is assembled per request.
        encoded = {"identity": self._encode(self.body, None, f'"{self.etag}"')}
        if self.gzip is not None:
            encoded["gzip"] = self._encode(self.gzip, b"gzip", f'"{self.etag}-gz"')
        if self.br is not None:
            encoded["br"] = self._encode(self.br, b"br", f'"{self.etag}-br"')
        object.__setattr__(self, "_encoded", encoded)
        is_page = any(n == b"content-type" and v.startswith(b"text/html") for n, v in self.headers)
        object.__setattr__(self, "is_page", is_page)

    def _encode(self, body: bytes, coding: bytes | None, etag: str) -> Encoded:
        not_modified = [*self.headers, (b"etag", etag.encode())]
        headers = list(not_modified)
        if coding is not None:
            headers.append((b"content-encoding", coding))
        headers.append((b"content-length", str(len(body)).encode()))
        return Encoded(body, coding, etag, headers, not_modified)

    def variant(self, accept_encoding: str) -> Encoded:
        """The encoding to send for this Accept-Encoding header."""
        takes_br, takes_gzip = _accepted(accept_encoding)
        if takes_br and "br" in self._encoded:
            return self._encoded["br"]
        if takes_gzip and "gzip" in self._encoded:
            return self._encoded["gzip"]
        return self._encoded["identity"]

    def matches(self, if_none_match: str) -> bool:
        """True when the client already holds some encoding of these exact bytes."""
        if if_none_match.strip() == "*":
            return True
        for tag in if_none_match.split(","):
            tag = tag.strip().removeprefix("W/").strip('"')
            if tag in (self.etag, f"{self.etag}-br", f"{self.etag}-gz"):
                return True
        return False


@functools.lru_cache(maxsize=256)
def _accepted(accept_encoding: str) -> tuple[bool, bool]:
    # Browsers send a handful of distinct values; parse each one once.
    return accepts(accept_encoding, "br"), accepts(accept_encoding, "gzip")


class _CompressedForms:
    """Compressed bodies by (encoding, sha256), least recently used dropped first.

    Most responses are unchanged from one catalog version to the next, so a
    reload only pays for what changed. The byte budget keeps a server that
    runs for months of publishing from holding every version ever built.
    """

    def __init__(self, budget: int = 32 * 1024 * 1024) -> None:
        self.budget = budget
        self._held: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._held_bytes = 0

    def get(self, kind: str, body: bytes, digest: str) -> bytes:
        key = (kind, digest)
        if (data := self._held.get(key)) is not None:
            self._held.move_to_end(key)
            return data
        if kind == "br":
            data = brotli.compress(body, quality=11)
        else:
            data = gzip.compress(body, compresslevel=9, mtime=0)
        self._held[key] = data
        self._held_bytes += len(data)
        while self._held_bytes > self.budget and len(self._held) > 1:
            _, dropped = self._held.popitem(last=False)
            self._held_bytes -= len(dropped)
        return data


_compressed = _CompressedForms()


def prebuild(
    body: bytes,
    content_type: str,
    cache_control: str = NO_CACHE,
    extra_headers: Headers | None = None,
    vary: str = "Accept-Encoding",
) -> Prebuilt:
    digest = hashlib.sha256(body).hexdigest()
    compressible = len(body) >= _MIN_COMPRESS and content_type.startswith(_COMPRESSIBLE)
    gz = _compressed.get("gzip", body, digest) if compressible else None
    br = _compressed.get("br", body, digest) if compressible else None
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
