"""The servers under test: ours, nginx and a naive StaticFiles app, each stopped by its PID."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from server.http_guard import KEEP_ALIVE_SECONDS
from server.settings import PROJECT_ROOT
from testkit.server import free_port

# What a current Chrome on a phone sends; every server is asked with it.
BROWSER_ACCEPT_ENCODING = "gzip, deflate, br, zstd"
GUARDED_PROTOCOL = "server.http_guard:GuardedHttpToolsProtocol"


class ServerError(Exception):
    """A server under test did not start or answered wrongly; the message has its log."""


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # as sent on the wire: compressed where the server compressed it

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def fetch(
    port: int, path: str, accept_encoding: str = BROWSER_ACCEPT_ENCODING, timeout: float = 10
) -> Response:
    """One GET on loopback; the body is returned undecoded."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": accept_encoding})
        answer = conn.getresponse()
        return Response(answer.status, answer.getheaders(), answer.read())
    finally:
        conn.close()


@dataclass
class Running:
    """A process the bench started; `stop()` ends it by its own PID."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    started: float  # time.monotonic() at launch

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def wait_until(
        self, path: str, ready: Callable[[Response], bool], timeout: float = 60
    ) -> float:
        """Poll `path` until `ready` says yes; return the seconds since the process started."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                if ready(fetch(self.port, path, timeout=2)):
                    return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.01)
        self.stop()
        raise ServerError(f"{self.name} was not ready within {timeout}s:\n{self.log()}")


def _launch(
    name: str,
    argv: list[str],
    port: int,
    log_path: Path,
    env: dict[str, str],
    source: Path = PROJECT_ROOT,
) -> Running:
    """Start `argv` in `source`: `python -m` imports the `server` and `bench` packages found
    there, so another checkout of the project (an older commit) can be measured alike."""
    with log_path.open("ab") as log_file:  # the child keeps its own handle
        started = time.monotonic()
        process = subprocess.Popen(
            argv, stdout=log_file, stderr=subprocess.STDOUT, env=env, cwd=source
        )
    return Running(name, process, port, log_path, started)


def start_ours(
    guides: Path,
    data: Path,
    log_path: Path,
    office: Path,
    workers: int = 1,
    watch: bool = True,
    ready: Callable[[Response], bool] | None = None,
    timeout: float = 120,
    source: Path = PROJECT_ROOT,
) -> tuple[Running, float]:
    """`bilang-karyo serve` as deployed (uvicorn, uvloop, httptools, no access log).

    Returns the server and its start-up time: from launch until `/healthz` passes `ready`
    (by default: it answers at all).
    """
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "server.cli",
        "serve",
        "--port",
        str(port),
        "--guides",
        str(guides),
        "--data",
        str(data),
        "--office",
        str(office),
        "--workers",
        str(workers),
        # At the host's root, as every run before the root path existed: the bench's URLs
        # and figures stay comparable (the path costs one prefix check per request).
        "--root-path",
        "/",
    ]
    if not watch:
        argv.append("--no-watch")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILANG_KARYO_")}
    server = _launch(f"bilang-karyo ({workers} worker(s))", argv, port, log_path, env, source)
    seconds = server.wait_until("/healthz", ready or (lambda r: r.status > 0), timeout)
    return server, seconds


def _start_uvicorn_app(
    name: str,
    factory: str,
    env: dict[str, str],
    log_path: Path,
    workers: int = 1,
    source: Path = PROJECT_ROOT,
) -> Running:
    """An app of the bench's own under the same uvicorn, loop and protocol class as ours."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        # The protocol class ours serves with (server/cli.py), so that ours against these
        # apps measures our app's own per-request path and nothing of the protocol.
        "--http",
        GUARDED_PROTOCOL,
        "--timeout-keep-alive",
        str(KEEP_ALIVE_SECONDS),
        "--no-access-log",
        "--no-server-header",
        "--workers",
        str(workers),
    ]
    server = _launch(name, argv, port, log_path, {**os.environ, **env}, source)
    server.wait_until("/", lambda r: r.status > 0, timeout=60)
    return server


def start_naive(root: Path, log_path: Path) -> Running:
    """Starlette's StaticFiles on the same files."""
    return _start_uvicorn_app(
        "naive StaticFiles",
        "bench.naive_app:create_app",
        {"BENCH_STATIC_ROOT": str(root)},
        log_path,
    )


def start_floor(
    root: Path, log_path: Path, workers: int = 1, source: Path = PROJECT_ROOT
) -> Running:
    """The trivial ASGI app that answers our bytes from a dict (bench/floor_app.py), under
    the protocol class of the checkout in `source`."""
    return _start_uvicorn_app(
        "uvicorn floor",
        "bench.floor_app:create_app",
        {"BENCH_FLOOR_ROOT": str(root)},
        log_path,
        workers,
        source,
    )


def serving_guides(count: int) -> Callable[[Response], bool]:
    """A readiness check: `/healthz` answers 200 and lists `count` guides."""

    def ready(answer: Response) -> bool:
        if answer.status != 200:
            return False
        listed: int = json.loads(answer.body)["catalog"]["guides"]
        return listed == count

    return ready


def settled(answer: Response) -> bool:
    """A readiness check: `/healthz` answers and the reader pages of every guide file are
    made (or failed), so no rendering or rebuilding in the background skews a measurement."""
    if answer.status != 200:
        return False
    reader = json.loads(answer.body).get("reader", {})
    done = int(reader.get("ready", 0)) + len(reader.get("failed", []))
    return int(reader.get("pending", 1)) == 0 and done >= int(reader.get("files", 0))


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


def nginx_version() -> str:
    binary = nginx_binary()
    if binary is None:
        return "not installed"
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10)
    return (out.stderr or out.stdout).strip().removeprefix("nginx version: ")


def start_nginx(config_dir: Path, config_text: str, port: int, log_path: Path) -> Running:
    """nginx in the foreground with the bench's own config; nothing outside `config_dir`."""
    binary = nginx_binary()
    if binary is None:
        raise ServerError("nginx is not installed (make bench installs it)")
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (config_dir / "temp" / temp).mkdir(parents=True, exist_ok=True)
    conf = config_dir / "nginx.conf"
    conf.write_text(config_text, encoding="utf-8")
    argv = [
        binary,
        "-p",
        str(config_dir),
        "-c",
        str(conf),
        "-e",
        str(config_dir / "error.log"),
        "-g",
        "daemon off;",
    ]
    server = _launch("nginx", argv, port, log_path, dict(os.environ))
    server.wait_until("/", lambda r: r.status > 0, timeout=30)
    return server


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (nginx's or uvicorn's workers)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]
