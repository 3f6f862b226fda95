"""CPU time of our app alone per request, called in-process as wrk asks: no server, no socket.

`python -m bench.hot_path [requests]` prints microseconds per request for the landing
page and the sample guide PDF, beside a floor app (one dict lookup and two sends).
Unlike wrk on a shared machine, process CPU time barely moves with other load, so
two versions of the hot path can be compared run against run.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bench.guides import SAMPLE_GUIDES, SAMPLE_OFFICE
from server.app import create_app
from server.settings import Settings

# What wrk sends (bench/wrk.py).
WRK_HEADERS = [(b"host", b"127.0.0.1:8000"), (b"accept-encoding", b"gzip, deflate, br, zstd")]
_REPEATS = 5


def _scope(path: str) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": list(WRK_HEADERS),
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Message) -> None:
    return None


def _floor_app(path: str) -> ASGIApp:
    answers: dict[str, tuple[list[tuple[bytes, bytes]], bytes]] = {path: ([], b"")}

    async def floor(scope: Scope, receive: Receive, send: Send) -> None:
        headers, body = answers[scope["path"]]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return floor


def _microseconds(app: ASGIApp, path: str, requests: int) -> float:
    """The best of a few runs, in CPU microseconds per request."""

    async def run() -> float:
        for _ in range(min(requests, 500)):  # warm caches (file bodies, headers)
            await app(_scope(path), _receive, _send)
        best = float("inf")
        for _ in range(_REPEATS):
            started = time.process_time()
            for _ in range(requests):
                await app(_scope(path), _receive, _send)
            best = min(best, (time.process_time() - started) / requests * 1e6)
        return best

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(run())
    finally:
        loop.close()


def measure(requests: int = 20_000) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="bk-hot-path-") as tmp:
        work = Path(tmp)
        guides = work / "guides"
        shutil.copytree(SAMPLE_GUIDES, guides, ignore=shutil.ignore_patterns("README.md"))
        settings = Settings(
            guides_dir=guides,
            office_file=SAMPLE_OFFICE,
            data_dir=work / "data",
            watch=False,
            root_path="",
        )
        app = create_app(settings)
        results: dict[str, dict[str, float]] = {}
        with TestClient(app) as client:  # runs the lifespan: the site is built
            guide = client.get("/api/guides").json()["guides"][0]
            pdf = str(next(iter(guide["files"].values()))["url"])
            for label, path in (("landing page /", "/"), ("guide PDF", pdf)):
                ours = _microseconds(app, path, requests)
                floor = _microseconds(_floor_app(path), path, requests)
                results[label] = {"ours_us": round(ours, 2), "floor_app_us": round(floor, 2)}
        return results


def main(argv: list[str]) -> int:
    requests = int(argv[0]) if argv else 20_000
    print(json.dumps(measure(requests)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
