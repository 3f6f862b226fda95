"""uvicorn's httptools protocol with the limits it lacks: request head size and read time.

httptools sets no limit of its own on the request line and headers: uvicorn
gathers them all before the app sees any (200 MB of headers cost 487 MB of
memory), and waits for them forever. This protocol counts the bytes of each
request head as they arrive and answers 431 as soon as they pass the limit,
and closes a connection whose request head is not complete within
`HEAD_TIMEOUT_SECONDS` (a silent or trickling client). Between requests,
uvicorn's own keep-alive timeout applies.

It also sends each response's head and the body's first write in one socket write
(`JoinedWrites`): uvicorn writes them apart, which on uvloop costs two send(2) calls
and two TCP segments per response.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

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
# A body up to this size is copied behind its head (one buffer: uvloop's quickest write);
# a larger one goes out beside it in the same writev(2), uncopied.
_JOIN_COPY_BYTES = 64 * 1024


class JoinedWrites:
    """A connection's transport that holds a response head back until the body's first write,
    and sends the two in one socket write.

    Only a head the protocol expects (`expect_head`) is held, never an interim answer
    (`100 Continue`). Whatever is held goes out first at the next write, at the end of the
    response (`flush`) and before the connection is closed, so nothing is reordered or lost;
    everything else is the transport's own (`__getattr__`).
    """

    __slots__ = ("_expect_head", "_head", "transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self._head: bytes | None = None
        self._expect_head = False

    def expect_head(self) -> None:
        self._expect_head = True

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            if len(data) <= _JOIN_COPY_BYTES:
                self.transport.write(head + data)
            else:
                self.transport.writelines((head, data))
            return
        if self._expect_head and data.startswith(b"HTTP/1.1 ") and data[9:10] != b"1":
            self._expect_head = False
            self._head = bytes(data)
            return
        self.transport.write(data)

    def is_closing(self) -> bool:  # asked on every request: not through __getattr__
        return self.transport.is_closing()

    def flush(self) -> None:
        head = self._head
        if head is not None:
            self._head = None
            if not self.transport.is_closing():
                self.transport.write(head)

    def discard(self) -> None:
        """The connection is gone: nothing held can be sent."""
        self._head = None

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._reading_head = True
        # When the request head being read began (loop time), None between requests. One
        # timer per connection checks it, re-armed only when it fires: arming and cancelling
        # a timer for every request cost more than the rest of the guard.
        self._head_began: float | None = None
        self._head_timer: asyncio.TimerHandle | None = None
        self._heads = 0  # requests begun on this connection
        self._joined: JoinedWrites | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._joined = JoinedWrites(transport)
        self.transport = cast(asyncio.Transport, self._joined)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_began = None
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        if self._joined is not None:
            self._joined.discard()
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
        self._watch_head()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # The next request's head counts from its first byte.
        self._reading_head = True
        self._head_bytes = 0
        self._heads += 1

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._head_began = None
        if self._joined is not None:
            self._joined.expect_head()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        if self._joined is not None:
            self._joined.flush()  # a head with no body written (HEAD, an empty answer)
            self._joined.expect_head()  # a pipelined request's, started by uvicorn below
        super().on_response_complete()

    def _start_head(self) -> None:
        self._reading_head = True
        self._head_bytes = 0
        self._watch_head()

    def _watch_head(self) -> None:
        self._head_began = self.loop.time()
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(HEAD_TIMEOUT_SECONDS, self._check_head)

    def _check_head(self) -> None:
        # Between two requests the keep-alive timeout governs; this one is for a request
        # that was begun (or a connection that never sent a byte) and is not finished.
        self._head_timer = None
        began = self._head_began
        if began is None or not self._reading_head or self.transport.is_closing():
            return
        left = began + HEAD_TIMEOUT_SECONDS - self.loop.time()
        if left <= 0:
            self.transport.close()
        else:  # a later head than the one this timer was armed for
            self._head_timer = self.loop.call_later(left, self._check_head)

    def _refuse(self) -> None:
        self._reading_head = False
        self._head_began = None
        if not self.transport.is_closing():
            self.transport.write(_TOO_LARGE)
            self.transport.close()
