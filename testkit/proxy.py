"""A loopback TCP proxy that counts the bytes a browser receives, per requested path.

It sits between a real browser and our server, so every byte on the wire is
counted (headers and compressed bodies, the service worker's fetches too). A
browser sends one HTTP/1.1 request at a time per connection, so the bytes
coming back belong to the last request sent on that connection.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter


class LoopbackProxy:
    """A listener on a free loopback port; `_handle` serves each connection."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class CountingProxy(LoopbackProxy):
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.received: Counter[str] = Counter()  # path -> bytes sent to the browser
        self.requests: Counter[str] = Counter()  # path -> requests made
        self.last_activity = time.monotonic()
        super().__init__()

    def snapshot(self) -> dict[str, int]:
        return dict(self.received)

    async def wait_idle(self, quiet: float, timeout: float) -> bool:
        """Wait until nothing has moved for `quiet` seconds; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if time.monotonic() - self.last_activity >= quiet:
                return True
            await asyncio.sleep(0.05)
        return False

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None, "a connection handler runs in a task"
        self._tasks.add(task)
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_w.close()
            self._tasks.discard(task)
            return
        current = ["?"]
        try:
            await asyncio.gather(
                self._requests(client_r, server_w, current),
                self._responses(server_r, client_w, current),
            )
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for writer in (client_w, server_w):
                writer.close()
            self._tasks.discard(task)

    async def _requests(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, current: list[str]
    ) -> None:
        pending = b""
        body_left = 0
        while data := await reader.read(65536):
            self.last_activity = time.monotonic()
            pending += data
            while pending:
                if body_left:
                    taken = min(body_left, len(pending))
                    body_left -= taken
                    pending = pending[taken:]
                    continue
                end = pending.find(b"\r\n\r\n")
                if end < 0:
                    break
                head, pending = pending[:end], pending[end + 4 :]
                lines = head.decode("latin-1").split("\r\n")
                parts = lines[0].split(" ")
                path = parts[1] if len(parts) > 1 else "?"
                current[0] = path
                self.requests[path] += 1
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        body_left = int(value.strip() or 0)
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

    async def _responses(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, current: list[str]
    ) -> None:
        while data := await reader.read(65536):
            self.last_activity = time.monotonic()
            self.received[current[0]] += len(data)
            writer.write(data)
            await writer.drain()
        writer.close()
