"""Huge request heads and slow clients against the real server: refused while read, timed out."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpx2
import pytest
from starlette.types import Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.server import ServerState

from server.http_guard import HEAD_TIMEOUT_SECONDS, KEEP_ALIVE_SECONDS, GuardedHttpToolsProtocol
from testkit.event_loop import run_to_end
from testkit.server import LiveServer
from tests.process_memory import PeakRss, rss_bytes

ATTEMPT_BYTES = 200 * 1024 * 1024
CHUNK = 64 * 1024


def send_until_refused(port: int, start: bytes) -> tuple[int, bytes]:
    """Send `start`, then filler, up to 200 MB or until the server stops reading or answers.

    The bytes sent and the server's first answer."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(start)
        sock.settimeout(0.5)
        filler = b"a" * CHUNK
        try:
            while sent < ATTEMPT_BYTES:
                sock.sendall(filler)
                sent += CHUNK
        except OSError:
            pass  # refused: the server closed the connection
        sock.settimeout(5)
        try:
            answer = sock.recv(4096)
        except OSError:
            answer = b""
    return sent, answer


@pytest.mark.parametrize(
    "start",
    [b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ", b"GET /"],
    ids=["200MB-of-headers", "200MB-URL"],
)
def test_a_huge_request_head_is_refused_while_it_arrives(
    live_server: LiveServer, start: bytes
) -> None:
    pid = live_server.process.pid
    before = rss_bytes(pid)
    latencies: list[float] = []
    done = threading.Event()

    def applicant() -> None:
        while not done.is_set():
            began = time.monotonic()
            assert httpx2.get(live_server.url + "/", timeout=30).status_code == 200
            latencies.append(time.monotonic() - began)
            time.sleep(0.05)

    reader = threading.Thread(target=applicant)
    with PeakRss(pid) as peak:
        reader.start()
        sent, answer = send_until_refused(live_server.port, start)
        time.sleep(0.3)
        done.set()
        reader.join()
    print(
        f"\n{start[:12]!r}...: refused after {sent / 2**20:.1f} MB sent (socket buffers "
        f"included); RSS {before / 2**20:.0f} -> peak {peak.bytes / 2**20:.0f} MB; GET / "
        f"{max(latencies) * 1000:.0f} ms at most over {len(latencies)} requests"
    )
    assert sent < 32 * 2**20, "the server kept reading"
    assert answer.startswith(b"HTTP/1.1 431") or answer == b"", answer[:100]
    assert peak.bytes - before < 32 * 2**20
    assert latencies and live_server.process.poll() is None


def test_request_heads_up_to_the_limit_are_served(live_server: LiveServer) -> None:
    headers = {f"X-Pad-{n}": "p" * 900 for n in range(14)}  # about 13 KB
    assert httpx2.get(live_server.url + "/", headers=headers, timeout=10).status_code == 200


def test_a_silent_connection_is_closed(live_server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=60) as sock:
        began = time.monotonic()
        assert sock.recv(10) == b""
        waited = time.monotonic() - began
    assert waited < HEAD_TIMEOUT_SECONDS + 5, waited


def test_a_trickling_request_head_is_closed(live_server: LiveServer) -> None:
    """One byte every second (slowloris) does not keep the connection: the whole head must
    arrive within the head timeout."""
    began = time.monotonic()
    closed = False
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for _ in range(int(HEAD_TIMEOUT_SECONDS) + 10):
            try:
                sock.sendall(b"X")
                time.sleep(1)
            except OSError:
                closed = True
                break
    assert closed, "the server waited for the head forever"
    assert time.monotonic() - began < HEAD_TIMEOUT_SECONDS + 5


def test_an_idle_keep_alive_connection_is_closed(live_server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=30) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        began = time.monotonic()
        while sock.recv(4096):
            pass
        assert time.monotonic() - began < KEEP_ALIVE_SECONDS + 3


# The response head and body in one write: the protocol driven in-process, its transport the
# only thing replaced (a socket cannot show how many writes made its bytes).


class RecordingTransport(asyncio.Transport):
    """Records each write call of the protocol (one call is one send(2) on uvloop)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[bytes]] = []
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.calls.append([bytes(data)])

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        self.calls.append([bytes(d) for d in list_of_data])

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def sent(self) -> bytes:
        return b"".join(b"".join(call) for call in self.calls)


async def _answer(scope: Scope, receive: Receive, send: Send) -> None:
    """200 with a body of the size the path names (`/bytes/N`), read after the request body."""
    request = await receive()
    size = int(scope["path"].rsplit("/", 1)[1])
    body = (b"x" * size) if size else request.get("body", b"")
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _exchange(request: bytes, then: bytes = b"") -> RecordingTransport:
    config = Config(app=_answer, http=GuardedHttpToolsProtocol, lifespan="off", log_level="error")
    state = ServerState()
    protocol = GuardedHttpToolsProtocol(config=config, server_state=state, app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(request)
    for _ in range(50):  # the app runs as a task of the loop
        await asyncio.sleep(0)
    if then:
        protocol.data_received(then)
        for _ in range(50):
            await asyncio.sleep(0)
    protocol.connection_lost(None)
    return transport


def test_a_small_answer_leaves_in_one_write() -> None:
    transport = run_to_end(_exchange(b"GET /bytes/1000 HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert len(transport.calls) == 1, [len(b"".join(c)) for c in transport.calls]
    head, _, body = transport.sent().partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"content-length: 1000" in head
    assert body == b"x" * 1000


def test_a_large_answer_leaves_beside_its_head_uncopied() -> None:
    transport = run_to_end(_exchange(b"GET /bytes/2000000 HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert len(transport.calls) == 1 and len(transport.calls[0]) == 2
    head, body = transport.calls[0]
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n")
    assert body == b"x" * 2_000_000


def test_a_head_request_gets_its_head_when_the_answer_ends() -> None:
    transport = run_to_end(_exchange(b"HEAD /bytes/1000 HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert transport.sent().startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.sent().endswith(b"content-length: 1000\r\n\r\n")


def test_pipelined_requests_are_answered_whole_and_in_order() -> None:
    both = b"GET /bytes/3 HTTP/1.1\r\nHost: x\r\n\r\nGET /bytes/5 HTTP/1.1\r\nHost: x\r\n\r\n"
    sent = run_to_end(_exchange(both)).sent()
    first, second = sent.split(b"HTTP/1.1 200 OK\r\n")[1:]
    assert first.endswith(b"\r\n\r\nxxx") and second.endswith(b"\r\n\r\nxxxxx")


def test_100_continue_is_sent_at_once_not_held_for_the_answer() -> None:
    async def run() -> list[list[bytes]]:
        transport = await _exchange(
            b"POST /bytes/0 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
            b"Expect: 100-continue\r\n\r\n",
            then=b"ping",
        )
        return transport.calls

    calls = run_to_end(run())
    assert calls[0] == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    assert b"".join(calls[1]).startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"".join(calls[1]).endswith(b"\r\n\r\nping")
