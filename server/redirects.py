"""Redirects name only a path: never the `Host` a request claimed (cache poisoning, phishing)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RelativeRedirects:
    """Rewrites an absolute `Location` (Starlette's trailing-slash redirects build one from
    the request's Host header) to the path and query alone, which browsers resolve against
    the address they actually asked."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        host = next((v for k, v in scope["headers"] if k == b"host"), b"").decode("latin-1")

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                message["headers"] = [
                    (name, relative(value, host) if name.lower() == b"location" else value)
                    for name, value in message.get("headers", [])
                ]
            await send(message)

        await self.app(scope, receive, send_relative)


def relative(location: bytes, host: str) -> bytes:
    """`location` as a path, when it points at the host the request named."""
    parts = urlsplit(location.decode("latin-1"))
    if not parts.netloc or parts.netloc.lower() != host.lower():
        return location
    path = parts.path or "/"
    if path.startswith("//"):
        path = "/" + path.lstrip("/")  # never a scheme-relative address
    return (path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")
