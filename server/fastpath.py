"""The hot path: pre-built pages and hashed guide files, served without routing.

Applicants' requests almost all land here. It is a plain ASGI app that looks
the path up in the current `Site` and answers from memory; everything else
falls through to the Starlette app.
"""

from __future__ import annotations

from itertools import chain

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.catalog import GuideFile
from server.language import choice_cookie, landing_redirect, navigating
from server.prebuilt import IMMUTABLE, LANDING_VARY, Headers, Prebuilt
from server.ranges import Unsatisfiable, parse_range
from server.reader import ReaderImage
from server.security import SECURITY_HEADERS, with_hsts
from server.site import LiveSite
from server.storage.served import ServedFiles
from server.usage import request_kind
from server.usage_api import routed_pages
from server.usage_counter import UsageCounter

# httptools, unlike h11, sets no limit of its own on request headers.
MAX_HEADER_BYTES = 16 * 1024
_TOO_LARGE = b"Request headers are too large.\n"
_TOO_LARGE_HEADERS: Headers = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", str(len(_TOO_LARGE)).encode()),
    *SECURITY_HEADERS,
]
_LANDING_VARY = LANDING_VARY.encode()
# Guide files whose headers are kept; more than any catalog holds, so it is never cleared
# but by a server that publishes for months.
_MAX_FILE_ANSWERS = 1024


class FastPath:
    def __init__(
        self,
        live: LiveSite,
        bodies: ServedFiles,
        fallback: ASGIApp,
        usage: UsageCounter | None = None,
    ) -> None:
        self.live = live
        self.bodies = bodies
        self.fallback = fallback
        self.usage = usage
        self._file_answers: dict[str, tuple[GuideFile, Headers, Headers]] = {}
        self.languages = live.languages
        self.routed_pages = routed_pages(live.languages)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.fallback(scope, receive, send)
            return
        if scope.get("scheme") == "https":
            # Behind a trusted HTTPS proxy (uvicorn sets the scheme from its headers).
            send = with_hsts(send)
        raw_headers = scope["headers"]
        query: bytes = scope.get("query_string", b"")
        if sum(map(len, chain.from_iterable(raw_headers))) + len(query) > MAX_HEADER_BYTES:
            await _respond(send, 431, _TOO_LARGE_HEADERS, _TOO_LARGE, head=False)
            return
        method = scope["method"]
        if method == "GET" or method == "HEAD":
            # The few headers the answers depend on, gathered once (the last of a repeated one).
            headers: dict[bytes, bytes] = dict(raw_headers)
            site = self.live.site
            path: str = scope["path"]
            if (
                path == "/"
                and navigating(headers)
                and (location := landing_redirect(scope, self.live.root, self.languages))
                is not None
            ):
                await _respond(send, 302, _landing_headers(location), b"", head=True)
                return
            prebuilt = site.responses.get(path)
            routed_page = path in self.routed_pages
            if query and path in site.query_pages:
                prebuilt, routed_page = None, True  # `/search?q=…` is answered by its route
            if routed_page and self.usage is not None:
                await self._counted_fallback(scope, receive, send, self.usage)
                return
            if prebuilt is not None:
                await self._send_prebuilt(scope, send, prebuilt, headers, query)
                # Counted once the response is out, in memory only (see usage_counter.py).
                if self.usage is not None and prebuilt.is_page and method == "GET":
                    kind = request_kind(headers)
                    if kind is not None:
                        self.usage.count_view(kind, path, query)
                return
            gfile = site.files.get(path)
            if gfile is not None:
                await self._send_file(scope, send, gfile, path, headers)
                if self.usage is not None and method == "GET":
                    kind = request_kind(headers)
                    if kind is not None:
                        self.usage.count_file_view(
                            kind, gfile, headers.get(b"range"), headers.get(b"referer")
                        )
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

    async def _send_prebuilt(
        self,
        scope: Scope,
        send: Send,
        prebuilt: Prebuilt,
        headers: dict[bytes, bytes],
        query: bytes,
    ) -> None:
        accept_encoding = headers.get(b"accept-encoding")
        encoded = prebuilt.variant(accept_encoding.decode("latin-1") if accept_encoding else "")
        if_none_match = headers.get(b"if-none-match")
        if if_none_match and prebuilt.matches(if_none_match.decode("latin-1")):
            status, answer, body = 304, encoded.not_modified, b""
        else:
            status, answer, body = 200, encoded.headers, encoded.body
        if query and (cookie := choice_cookie(scope, self.live.root, self.languages)) is not None:
            answer = [*answer, (b"set-cookie", cookie)]
        await _respond(send, status, answer, body, head=scope["method"] == "HEAD")

    async def _send_file(
        self, scope: Scope, send: Send, gfile: GuideFile, path: str, headers: dict[bytes, bytes]
    ) -> None:
        common, whole = self._file_headers(path, gfile)
        head = scope["method"] == "HEAD"
        status, start, length, answer = 200, 0, gfile.size, whole
        if b"if-none-match" in headers or b"range" in headers:
            # Only a request that asks for it pays for parsing these.
            if_none_match = headers.get(b"if-none-match")
            if if_none_match is not None and _etag_listed(
                if_none_match.decode("latin-1"), gfile.sha256
            ):
                await _respond(send, 304, common, b"", head=True)
                return
            range_header = headers.get(b"range")
            if_range = headers.get(b"if-range")
            if range_header is not None and (
                if_range is None or if_range.decode("latin-1").strip() == f'"{gfile.sha256}"'
            ):
                try:
                    byte_range = parse_range(range_header.decode("latin-1"), gfile.size)
                except Unsatisfiable:
                    unsatisfiable = [
                        *common,
                        (b"content-range", f"bytes */{gfile.size}".encode()),
                        (b"content-length", b"0"),
                    ]
                    await _respond(send, 416, unsatisfiable, b"", head=True)
                    return
                if byte_range is not None:
                    status, start, length = 206, byte_range.start, byte_range.length
                    content_range = f"bytes {byte_range.start}-{byte_range.end}/{gfile.size}"
                    answer = [
                        *common,
                        (b"content-range", content_range.encode()),
                        (b"content-length", str(length).encode()),
                    ]
        data = self.bodies.cached(gfile)
        if data is not None:
            body = data if status == 200 else data[start : start + length]
            await _respond(send, status, answer, body, head=head)
            return
        await send({"type": "http.response.start", "status": status, "headers": answer})
        if head:
            await send({"type": "http.response.body", "body": b""})
            return
        await self.bodies.stream(send, gfile.sha256, start, length)

    def _file_headers(self, path: str, gfile: GuideFile) -> tuple[Headers, Headers]:
        """A guide file's headers, made once per file (its path names its content)."""
        held = self._file_answers.get(path)
        if held is not None and held[0] is gfile:
            return held[1], held[2]
        if len(self._file_answers) >= _MAX_FILE_ANSWERS:
            self._file_answers.clear()
        common, whole = _file_headers(gfile)
        self._file_answers[path] = (gfile, common, whole)
        return common, whole

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


def _landing_headers(location: str) -> Headers:
    return [
        (b"location", location.encode("latin-1")),
        (b"cache-control", b"no-cache"),
        (b"vary", _LANDING_VARY),
        (b"content-length", b"0"),
        *SECURITY_HEADERS,
    ]


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
