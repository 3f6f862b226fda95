"""A slow network on loopback: a TCP proxy with a shared bandwidth and a round-trip delay.

Chromium's own throttling (CDP Network.emulateNetworkConditions) applies to the page but
not to its service worker's requests; this proxy slows everything the browser sends and
receives, the worker's precache included, as the service room's crowded Wi-Fi does.
Each direction is one link shared by all connections: bytes leave at `bits_per_second`
in segments of one packet, and arrive half a round trip later. A new connection first
waits one round trip (the TCP handshake).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from testkit.proxy import LoopbackProxy

SEGMENT = 1460  # one TCP packet's payload


class Link:
    """One direction of the slow link, shared by every connection."""

    def __init__(self, bits_per_second: float, one_way_delay: float) -> None:
        self.bytes_per_second = bits_per_second / 8
        self.delay = one_way_delay
        self.free_at = 0.0

    def send(self, size: int) -> float:
        """When `size` bytes sent now arrive at the other end (loop time)."""
        now = asyncio.get_running_loop().time()
        start = max(now, self.free_at)
        self.free_at = start + size / self.bytes_per_second
        return self.free_at + self.delay


class ThrottlingProxy(LoopbackProxy):
    def __init__(self, upstream_port: int, bits_per_second: float, rtt_seconds: float) -> None:
        self.upstream_port = upstream_port
        self.rtt = rtt_seconds
        self.down = Link(bits_per_second, rtt_seconds / 2)
        self.up = Link(bits_per_second, rtt_seconds / 2)
        self.bytes_down = 0
        # (loop time, request line) of every request that went through, for the report.
        self.requests: list[tuple[float, str]] = []
        super().__init__()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await asyncio.sleep(self.rtt)  # the handshake
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            await asyncio.gather(
                self._pipe(client_r, server_w, self.up, False),
                self._pipe(server_r, client_w, self.down, True),
            )
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            client_w.close()
            self._tasks.discard(task)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Link, down: bool
    ) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                arrival, chunk = await queue.get()
                if not chunk:
                    break
                await asyncio.sleep(max(arrival - loop.time(), 0))
                writer.write(chunk)
                await writer.drain()
            with contextlib.suppress(OSError):
                writer.write_eof()

        delivering = asyncio.create_task(deliver())
        try:
            while True:
                # Wait for the link to be nearly free, so connections take turns on it.
                await asyncio.sleep(max(link.free_at - loop.time() - 0.002, 0))
                chunk = await reader.read(SEGMENT)
                if not chunk:
                    break
                if down:
                    self.bytes_down += len(chunk)
                elif chunk[:4] in (b"GET ", b"POST", b"HEAD"):
                    line = chunk.split(b"\r\n", 1)[0].decode(errors="replace")
                    self.requests.append((loop.time(), line))
                queue.put_nowait((link.send(len(chunk)), chunk))
        except OSError:
            pass
        finally:
            queue.put_nowait((0.0, b""))
            with contextlib.suppress(OSError):
                await delivering


@contextlib.asynccontextmanager
async def throttled(
    upstream_port: int, bits_per_second: float, rtt_seconds: float
) -> AsyncIterator[tuple[ThrottlingProxy, int]]:
    proxy = ThrottlingProxy(upstream_port, bits_per_second, rtt_seconds)
    port = await proxy.start()
    try:
        yield proxy, port
    finally:
        await proxy.close()
