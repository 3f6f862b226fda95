"""`bilang-karyo serve` as a real process on a free loopback port, for tests, bench and reliability.

`start_server` starts it on copies of the guides and waits until it answers (and its
reader pages are made); `LiveServer` stops or kills it by its own process id only.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.settings import PROJECT_ROOT

SAMPLE_GUIDES = PROJECT_ROOT / "guides"
SAMPLE_OFFICE = PROJECT_ROOT / "office.toml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """`bilang-karyo serve` running as a real process on a free loopback port."""

    process: subprocess.Popen[bytes]
    port: int
    guides_dir: Path
    data_dir: Path
    log_path: Path
    root_path: str = ""  # "" or "/infokanimjogja": where the site lives on the host

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def site_url(self) -> str:
        """The landing page's address, under the root path."""
        return f"{self.url}{self.root_path}/"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL: the server dies as if the machine lost power."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def start_again(server: LiveServer, office_file: Path) -> LiveServer:
    """The same server started again, after `stop()` or `kill()`: same port, folders and log,
    as when the office's machine comes back."""
    return start_server(
        server.guides_dir,
        office_file,
        server.data_dir,
        server.log_path,
        port=server.port,
        root_path=server.root_path or "/",
    )


def start_server(
    guides_dir: Path,
    office_file: Path,
    data_dir: Path,
    log_path: Path,
    port: int | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 20.0,
    root_path: str | None = "/",
) -> LiveServer:
    """`root_path`: the site's path on the host (--root-path); the root unless a test says.
    None passes no --root-path: the path of the office file's public_url."""
    port = port or free_port()
    env = {**os.environ, **(extra_env or {})}
    with log_path.open("ab") as log_file:  # the child keeps its own handle
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server.cli",
                "serve",
                "--port",
                str(port),
                "--guides",
                str(guides_dir),
                "--office",
                str(office_file),
                "--data",
                str(data_dir),
                *(["--root-path", root_path] if root_path is not None else []),
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=PROJECT_ROOT,
        )
    if root_path is None:
        from server.office import load_office

        root_path = load_office(office_file).root_path
    root = "" if root_path.strip("/") == "" else "/" + root_path.strip("/")
    server = LiveServer(process, port, guides_dir, data_dir, log_path, root)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=1):
                break
        except urllib.error.HTTPError:
            break  # it answers, if only to say the catalog is empty
        except OSError:
            time.sleep(0.05)
    else:
        server.stop()
        raise RuntimeError(f"server did not answer within {timeout}s:\n{server.log()}")
    # Each guide file whose reader pages get rendered changes the site (and its sw.js) once
    # more; tests start from the settled site, as applicants mostly do.
    wait_for_reader_pages(server.url)
    return server


def make_sample_reader(root: Path) -> Path:
    """The reader pages and text versions of every sample guide, made in `root`
    (`reader/` and `text/`, as in a data folder)."""
    from server.blobs import sha256_hex
    from server.guide_text import TextStore
    from server.reader import ReaderStore

    store, texts = ReaderStore(root / "reader"), TextStore(root / "text")
    for pdf in sorted(SAMPLE_GUIDES.glob("*.pdf")):
        data = pdf.read_bytes()
        store.render(sha256_hex(data), data, lambda done, total: None)
        texts.make(sha256_hex(data), data)
    return root


def with_sample_reader(data_dir: Path, sample_reader: Path) -> None:
    """Gives `data_dir` the sample guides' reader pages and texts, as if the server had made
    them."""
    for part in ("reader", "text"):
        shutil.copytree(sample_reader / part, data_dir / part, dirs_exist_ok=True)


def wait_for_reader_pages(base_url: str, timeout: float = 60.0) -> dict[str, Any]:
    """Until the live server shows the reader pages of every current guide file (or gave up
    on some), as `/healthz` reports; its site changes once more for each file rendered."""

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=5) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:
            body = json.load(error)
        reader: dict[str, Any] = body["reader"]
        if reader["ready"] == reader["files"] - len(reader["failed"]):
            return reader
        assert time.monotonic() < deadline, f"reader pages not ready after {timeout}s: {reader}"
        time.sleep(0.1)
