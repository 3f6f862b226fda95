"""Huge request heads and slow clients against the real server: refused while read, timed out."""

from __future__ import annotations

import socket
import threading
import time

import httpx2
import pytest

from server.http_guard import HEAD_TIMEOUT_SECONDS, KEEP_ALIVE_SECONDS
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
