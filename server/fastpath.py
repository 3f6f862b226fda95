"""The hot path: pre-built pages and hashed guide files, served without routing.

Applicants' requests almost all land here. It is a plain ASGI app that looks
the path up in the current `Site` and answers from memory; everything else
falls through to the Starlette app.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from pathlib import Path

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.blobs import BlobStore
from server.catalog import GuideFile
from server.language import choice_cookie, landing_redirect
from server.prebuilt import IMMUTABLE, LANDING_VARY, Headers, Prebuilt
from server.ranges import ByteRange, Unsatisfiable, parse_range
from server.reader import ReaderImage
from server.security import SECURITY_HEADERS, with_hsts
from server.site import LiveSite
from server.usage import UsageCounter
from server.usage_api import ROUTED_PAGES

_CHUNK = 256 * 1024
# httptools, unlike h11, sets no limit of its own on request headers.
MAX_HEADER_BYTES = 16 * 1024


class FileBodies:
    """Keeps the bytes of recently served small guide files in memory."""

    def __init__(
        self, store: BlobStore, budget: int = 48 * 1024 * 1024, largest: int = 4 * 1024 * 1024
    ) -> None:
        self.store = store
        self.budget = budget
        self.largest = largest
        self._held: OrderedDict[str, bytes] = OrderedDict()
        self._held_bytes = 0

    def path(self, sha256: str) -> Path:
        return self.store.path_for(sha256)

    def cached(self, gfile: GuideFile) -> bytes | None:
        return self.held(gfile.sha256, self.path(gfile.sha256), gfile.size)

    def held(self, key: str, path: Path, size: int) -> bytes | None:
        """The bytes of `path`, kept under `key`; None when too large to keep."""
        data = self._held.get(key)
        if data is not None:
            self._held.move_to_end(key)
            return data
        if size > self.largest:
            return None
        data = path.read_bytes()
        self._held[key] = data
        self._held_bytes += len(data)
        while self._held_bytes > self.budget:
            _, dropped = self._held.popitem(last=False)
            self._held_bytes -= len(dropped)
        return data


class FastPath:
    def __init__(
        self,
        live: LiveSite,
        bodies: FileBodies,
        fallback: ASGIApp,
        usage: UsageCounter | None = None,
    ) -> None:
        self.live = live
        self.bodies = bodies
        self.fallback = fallback
        self.usage = usage

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("scheme") == "https":
            # Behind a trusted HTTPS proxy (uvicorn sets the scheme from its headers).
            send = with_hsts(send)
        if scope["type"] == "http" and _header_bytes(scope) > MAX_HEADER_BYTES:
            await _respond(
                send,
                431,
                [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", b"31"),
                    *SECURITY_HEADERS,
                ],
                b"Request headers are too large.\n",
                head=False,
            )
            return
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            site = self.live.site
            path: str = scope["path"]
            if path == "/" and (location := landing_redirect(scope, self.live.root)) is not None:
                await _respond(
                    send,
                    302,
                    [
                        (b"location", location.encode("latin-1")),
                        (b"cache-control", b"no-cache"),
                        (b"vary", LANDING_VARY.encode()),
                        (b"content-length", b"0"),
                        *SECURITY_HEADERS,
                    ],
                    b"",
                    head=True,
                )
                return
            prebuilt = site.responses.get(path)
            routed_page = path in ROUTED_PAGES
            if path in site.query_pages and scope.get("query_string"):
                prebuilt, routed_page = None, True  # `/search?q=…` is answered by its route
            if routed_page and self.usage is not None:
                await self._counted_fallback(scope, receive, send, self.usage)
                return
            if prebuilt is not None:
                await self._send_prebuilt(scope, send, prebuilt)
                # Counted once the response is out, in memory only (see usage.py).
                if self.usage is not None and prebuilt.is_page:
                    self.usage.count_page(scope)
                return
            gfile = site.files.get(path)
            if gfile is not None:
                await self._send_file(scope, send, gfile)
                if self.usage is not None:
                    self.usage.count_file(scope, gfile)
                return
            image = site.images.get(path)
            if image is not None:
                await self._send_image(scope, send, image)
                return
        await self.fallback(scope, receive, send)

    async def _counted_fallback(
        self, scope: Scope, receive: Receive, send: Send, usage: UsageCounter
    ) -> None:
        """A page Starlette answers (search results, privacy): counted as the others are,
        when it was shown."""
        status = 0

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.fallback(scope, receive, noting_status)
        if status in (200, 304):
            usage.count_page(scope)

    async def _send_prebuilt(self, scope: Scope, send: Send, prebuilt: Prebuilt) -> None:
        accept_encoding = if_none_match = ""
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept_encoding = value.decode("latin-1")
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        encoded = prebuilt.variant(accept_encoding)
        if if_none_match and prebuilt.matches(if_none_match):
            status, headers, body = 304, encoded.not_modified, b""
        else:
            status, headers, body = 200, encoded.headers, encoded.body
        if scope["query_string"] and (cookie := choice_cookie(scope, self.live.root)) is not None:
            headers = [*headers, (b"set-cookie", cookie)]
        await _respond(send, status, headers, body, head=scope["method"] == "HEAD")

    async def _send_file(self, scope: Scope, send: Send, gfile: GuideFile) -> None:
        range_header = if_none_match = if_range = None
        for name, value in scope["headers"]:
            if name == b"range":
                range_header = value.decode("latin-1")
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
            elif name == b"if-range":
                if_range = value.decode("latin-1")
        etag = f'"{gfile.sha256}"'
        headers, whole = _file_headers(gfile)
        if if_none_match is not None and _etag_listed(if_none_match, gfile.sha256):
            await _respond(send, 304, headers, b"", head=True)
            return
        byte_range: ByteRange | None = None
        if range_header is not None and (if_range is None or if_range.strip() == etag):
            try:
                byte_range = parse_range(range_header, gfile.size)
            except Unsatisfiable:
                unsatisfiable = [
                    *headers,
                    (b"content-range", f"bytes */{gfile.size}".encode()),
                    (b"content-length", b"0"),
                ]
                await _respond(send, 416, unsatisfiable, b"", head=True)
                return
        status, start, length = 200, 0, gfile.size
        if byte_range is None:
            headers = whole
        else:
            status, start, length = 206, byte_range.start, byte_range.length
            content_range = f"bytes {byte_range.start}-{byte_range.end}/{gfile.size}"
            headers = [
                *headers,
                (b"content-range", content_range.encode()),
                (b"content-length", str(length).encode()),
            ]
        head = scope["method"] == "HEAD"
        data = self.bodies.cached(gfile)
        if data is not None:
            await _respond(send, status, headers, data[start : start + length], head=head)
            return
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if head:
            await send({"type": "http.response.body", "body": b""})
            return
        await _stream_file(send, self.bodies.path(gfile.sha256), start, length)

    async def _send_image(self, scope: Scope, send: Send, image: ReaderImage) -> None:
        """A reader page: its URL names the PDF's hash and the page, so it never changes."""
        headers: Headers = [
            (b"content-type", b"image/webp"),
            (b"cache-control", IMMUTABLE.encode()),
            (b"etag", image.etag.encode()),
            *SECURITY_HEADERS,
        ]
        for name, value in scope["headers"]:
            if name == b"if-none-match" and image.etag in value.decode("latin-1"):
                await _respond(send, 304, headers, b"", head=True)
                return
        data = self.bodies.held(image.etag, image.path, image.size)
        if data is None:  # a huge scanned page: read it for this request only
            data = await anyio.Path(image.path).read_bytes()
        headers.append((b"content-length", str(len(data)).encode()))
        await _respond(send, 200, headers, data, head=scope["method"] == "HEAD")


async def _respond(send: Send, status: int, headers: Headers, body: bytes, head: bool) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def _stream_file(send: Send, path: Path, start: int, length: int) -> None:
    async with await anyio.open_file(path, "rb") as handle:
        await handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = await handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})
    if remaining > 0:
        # The blob is content-addressed and never shrinks; end the body cleanly anyway.
        await send({"type": "http.response.body", "body": b""})


def _header_bytes(scope: Scope) -> int:
    return sum(len(name) + len(value) for name, value in scope["headers"]) + len(
        scope.get("query_string", b"")
    )


@functools.lru_cache(maxsize=1024)
def _file_headers(gfile: GuideFile) -> tuple[Headers, Headers]:
    """A guide file's headers common to every answer, and those of a whole 200."""
    common: Headers = [
        (b"content-type", b"application/pdf"),
        (b"cache-control", IMMUTABLE.encode()),
        (b"etag", f'"{gfile.sha256}"'.encode()),
        (b"accept-ranges", b"bytes"),
        (b"content-disposition", f'inline; filename="{gfile.download_name}"'.encode()),
        *SECURITY_HEADERS,
    ]
    return common, [*common, (b"content-length", str(gfile.size).encode())]


def _etag_listed(if_none_match: str, sha256: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    return any(
        tag.strip().removeprefix("W/").strip('"') == sha256 for tag in if_none_match.split(",")
    )
