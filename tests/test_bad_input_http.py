"""Hostile or malformed HTTP requests get a clear 4xx (or a safe 200), never a 5xx or a leak."""

from __future__ import annotations

import http.client
import socket
from typing import Any

import pytest
from starlette.testclient import TestClient

from testkit.server import LiveServer


def first_file(client: TestClient) -> dict[str, Any]:
    data: dict[str, Any] = client.get("/api/guides").json()["guides"][0]["files"]["id"]
    return data


@pytest.mark.parametrize(
    "header",
    [
        "bytes=abc",
        "bytes=5-1",
        "bytes=0-1,5-9",
        "pages=1-2",
        "bytes=--1",
        "bytes=" + "9" * 500,
        "",
    ],
)
def test_malformed_range_serves_the_whole_file(client: TestClient, header: str) -> None:
    gfile = first_file(client)
    response = client.get(gfile["url"], headers={"Range": header})
    assert response.status_code == 200
    assert len(response.content) == gfile["size"]


@pytest.mark.parametrize("header", ["bytes=99999999-", "bytes=-0"])
def test_unsatisfiable_range_is_416(client: TestClient, header: str) -> None:
    assert client.get(first_file(client)["url"], headers={"Range": header}).status_code == 416


@pytest.mark.parametrize("tag", ['"', "W/", ",,,,", '"x" , W/"y"', "\x7f" * 10, "a" * 5000])
def test_junk_if_none_match_is_ignored(client: TestClient, tag: str) -> None:
    for url in ("/", first_file(client)["url"]):
        assert client.get(url, headers={"If-None-Match": tag}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/fr/",
        "/xx/guides/izin-tinggal",
        "/en/en/",
        "/guides/../office.toml",
        "/files/..%2f..%2foffice.toml",
        "/static/../../server/app.py",
        "/static/app.css",
        "/guides/%00",
        "/guides/izin-tinggal%2f..%2f..",
        "/data/blobs",
        "/.git/config",
    ],
)
def test_unknown_and_traversal_paths_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "Kantor Imigrasi" in response.text  # our friendly page, not a stack trace


@pytest.mark.parametrize(
    "query", ["?%zz", "?src=" + "x" * 6000, "?a=1&a=2&&&==", "?src=qr%00", "?lang=<script>"]
)
def test_odd_query_strings_still_serve_the_page(client: TestClient, query: str) -> None:
    response = client.get("/" + query)
    assert response.status_code == 200
    assert "<script>" not in response.text


@pytest.mark.parametrize(
    "path", ["/EN/", "/id/", "/en-us/", "/jv/guides/izin-tinggal", "/en/fr/", "/%65n/x"]
)
def test_unknown_language_prefixes_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "Kantor Imigrasi" in response.text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"[" * 16_000, 400),  # deeper than the JSON parser goes; was a 500
        (b"\xff\xfe{}", 400),  # not UTF-8
        (b'["events"]', 400),
        (b'{"events": {"id": 1}}', 400),
        (b"", 400),
        (b"{" + b" " * 17_000 + b"}", 413),
    ],
)
def test_malformed_usage_reports_are_refused_and_count_nothing(
    client: TestClient, body: bytes, status: int
) -> None:
    response = client.post("/api/usage", content=body)
    assert response.status_code == status
    assert "error" in response.json()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_writes_to_public_pages_are_refused(client: TestClient, method: str) -> None:
    assert client.request(method, "/").status_code in {404, 405}


def raw_request(server: LiveServer, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_huge_header_is_refused_and_the_server_keeps_serving(live_server: LiveServer) -> None:
    answer = raw_request(
        live_server, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n"
    )
    assert answer == b"" or answer.split(b" ")[1][:1] == b"4"
    connection = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=10)
    try:
        connection.request("GET", "/")
        assert connection.getresponse().status == 200
    finally:
        connection.close()


def test_garbage_request_line_is_a_400(live_server: LiveServer) -> None:
    answer = raw_request(live_server, b"\x16\x03\x01garbage\r\n\r\n")
    assert answer == b"" or b" 400 " in answer.split(b"\r\n")[0]
