"""The path the public reaches the site under (`/infokanimjogja`): the one place that knows it.

Behind a reverse proxy the site may live under a path of the office's domain,
`https://imigo.dev/infokanimjogja/`. The prefix is `public_url`'s path unless
`--root-path` / `BILANG_KARYO_ROOT_PATH` says otherwise ("/" for the root).

Inside the app every route and prebuilt response keeps its root-relative path
(`/guides/paspor-baru`); `RootPathStrip` takes the prefix off each request as
it arrives, so that a proxy may pass the prefix on or strip it itself. Whatever
the app *emits* (links, asset URLs, redirects, cookie paths, the manifest,
sw.js's URLs and cache names) goes through `SiteRoot.url()`; templates get it
as `root` (and `prefix`, the language's prefix under it), app.js and search.js
read it from `<html data-root>`, sw.js from `BUILD.root`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import ConfigError
from server.security import SECURITY_HEADERS

# One or more path segments of plain URL characters; no dots, so no "..".
_ROOT_PATH = re.compile(r"^(/[A-Za-z0-9_~-]+)+$")


class RootPathError(ConfigError, ValueError):
    """A root path that cannot be a URL prefix."""


def normalize_root(raw: str) -> str:
    """`/infokanimjogja/` -> `/infokanimjogja`; `/` and `` -> `` (the site at the root)."""
    value = raw.strip().rstrip("/")
    if not value:
        return ""
    if not value.startswith("/"):
        value = "/" + value
    if not _ROOT_PATH.fullmatch(value):
        raise RootPathError(
            f"root path must look like /infokanimjogja (letters, digits, - _ ~ "
            f"between slashes), got {raw!r}"
        )
    return value


def root_of_url(public_url: str) -> str:
    """The path part of the public URL, as a root path."""
    return normalize_root(urlsplit(public_url).path)


@dataclass(frozen=True)
class SiteRoot:
    """Where the site lives under its host: `path` is "" at the root, else `/name`."""

    path: str = ""

    def url(self, path: str) -> str:
        """The public URL path of an app-relative path (`/sw.js` -> `/infokanimjogja/sw.js`)."""
        return self.path + path

    @property
    def home(self) -> str:
        """The landing page, always with its trailing slash (the worker's scope)."""
        return self.path + "/"

    def cookie_path(self, path: str = "/") -> str:
        """A cookie's Path, so that two sites on one host never see each other's cookies."""
        return (self.path + path).rstrip("/") or "/"

    def app_path(self, path: str) -> str | None:
        """The app-relative path of a request's path; None when it is outside the root."""
        if not self.path:
            return path
        if path == self.path:
            return "/"
        if path.startswith(self.path + "/"):
            return path[len(self.path) :]
        return None


class RootPathStrip:
    """Takes the root path off each request, so that routes see `/guides/...`.

    A request that arrives without the prefix is served too: some proxies
    (nginx's `proxy_pass http://app/;`) strip it before passing the request on.
    """

    def __init__(self, app: ASGIApp, root: SiteRoot) -> None:
        self.app = app
        self.root = root

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.root.path:
            # `/infokanimjogja` -> `/infokanimjogja/`: the worker's scope, and where relative
            # addresses resolve, begin at the slash.
            query = scope.get("query_string", b"")
            location = self.root.home.encode() + (b"?" + query if query else b"")
            await send(
                {
                    "type": "http.response.start",
                    "status": 308,
                    "headers": [
                        (b"location", location),
                        (b"content-length", b"0"),
                        (b"cache-control", b"no-cache"),
                        *SECURITY_HEADERS,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        if self.root.path and scope["type"] in ("http", "websocket"):
            inner = self.root.app_path(scope["path"])
            if inner is not None:
                scope = dict(scope)
                scope["path"] = inner
                raw = scope.get("raw_path")
                prefix = self.root.path.encode()
                if isinstance(raw, bytes) and raw.startswith(prefix):
                    scope["raw_path"] = raw[len(prefix) :] or b"/"
            if scope["type"] == "http":
                send = self._rooted_redirects(send)
        await self.app(scope, receive, send)

    def _rooted_redirects(self, send: Send) -> Send:
        """A redirect the app made from a request's own path (Starlette's trailing-slash
        redirect) names an app path; the browser needs it under the root path."""
        prefix = self.root.path.encode()

        async def send_rooted(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                message["headers"] = [
                    (name, self._rooted(value, prefix) if name.lower() == b"location" else value)
                    for name, value in message.get("headers", [])
                ]
            await send(message)

        return send_rooted

    @staticmethod
    def _rooted(location: bytes, prefix: bytes) -> bytes:
        if not location.startswith(b"/") or location.startswith(b"//"):
            return location  # another site, or already absolute
        if location == prefix or location.startswith((prefix + b"/", prefix + b"?")):
            return location
        return prefix + location
