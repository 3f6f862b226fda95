"""uvicorn's httptools protocol with the limits it lacks: request head size and read time.

httptools sets no limit of its own on the request line and headers: uvicorn
gathers them all before the app sees any (200 MB of headers cost 487 MB of
memory), and waits for them forever. This protocol counts the bytes of each
request head as they arrive and answers 431 as soon as they pass the limit,
and closes a connection whose request head is not complete within
`HEAD_TIMEOUT_SECONDS` (a silent or trickling client). Between requests,
uvicorn's own keep-alive timeout applies.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 16 * 1024
HEAD_TIMEOUT_SECONDS = 15.0
KEEP_ALIVE_SECONDS = 5
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 31\r\n"
    b"x-content-type-options: nosniff\r\n"
    b"connection: close\r\n\r\n"
    b"Request headers are too large.\n"
)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._reading_head = True
        self._head_timer: asyncio.TimerHandle | None = None
        self._heads = 0  # requests begun on this connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # Judged after parsing each read (at most 256 KB): a read that completes the head
        # may carry the start of the body, which is no part of the head.
        heads_before = self._heads
        super().data_received(data)
        if not self._reading_head or self.transport.is_closing():
            return
        if self._heads != heads_before:
            self._head_bytes = 0  # a new request began inside this read; count it from the next
            return
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            self._refuse()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_head_timer()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # The next request's head counts from its first byte.
        self._reading_head = True
        self._head_bytes = 0
        self._heads += 1

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._stop_head_timer()
        super().on_headers_complete()

    def _start_head(self) -> None:
        self._reading_head = True
        self._head_bytes = 0
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT_SECONDS, self._head_too_slow)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        # Between two requests the keep-alive timeout governs; this one is for a request
        # that was begun (or a connection that never sent a byte) and is not finished.
        if self._reading_head and not self.transport.is_closing():
            self.transport.close()

    def _refuse(self) -> None:
        self._reading_head = False
        self._stop_head_timer()
        if not self.transport.is_closing():
            self.transport.write(_TOO_LARGE)
            self.transport.close()
