"""Two real replica processes on one real PostgreSQL, behind deploy/replicas/nginx.conf."""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.servers import start_nginx
from server.settings import PROJECT_ROOT
from tests.conftest import (
    SAMPLE_GUIDES,
    LiveServer,
    free_port,
    start_server,
    with_sample_reader,
)
from tests.nginx_proxy import Proxy, nginx_config, self_signed_cert

REPLICAS_NGINX = PROJECT_ROOT / "deploy" / "replicas" / "nginx.conf"


@dataclass
class Replicas:
    a: LiveServer
    b: LiveServer
    database_url: str
    office_file: Path

    def env(self) -> dict[str, str]:
        return replica_env(self.database_url)


def replica_env(database_url: str) -> dict[str, str]:
    return {"BILANG_KARYO_DATABASE_URL": database_url, "BILANG_KARYO_WATCH": "false"}


def start_replica(
    folder: Path, office_file: Path, database_url: str, sample_reader: Path, seed: bool
) -> LiveServer:
    """A replica with its own data folder and guides/; `seed`: the sample guides in it (the
    first replica of a new install publishes them), else an empty guides/ it fills from
    PostgreSQL. Each has the sample guides' reader pages already, as other tests do."""
    with_sample_reader(folder / "data", sample_reader)
    guides = folder / "guides"
    if seed:
        shutil.copytree(SAMPLE_GUIDES, guides, ignore=shutil.ignore_patterns("README.md"))
    else:
        guides.mkdir(parents=True)
    return start_server(
        guides,
        office_file,
        folder / "data",
        folder / "server.log",
        extra_env=replica_env(database_url),
        timeout=120,
        root_path=None,  # under the office's path, as behind the example nginx
    )


def json_of(url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as error:
        body = json.load(error)
    return body


def base(server: LiveServer) -> str:
    """The replica's own address of the site, under its root path."""
    return server.url + server.root_path


def served_files(server: LiveServer) -> dict[tuple[str, str], str]:
    """(slug, lang) -> the sha256 of the file the replica serves for it."""
    guides = json_of(base(server) + "/api/guides")["guides"]
    return {
        (guide["slug"], lang): file["sha256"]
        for guide in guides
        for lang, file in guide["files"].items()
    }


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> float:
    """Polls `check` every 10 ms; the seconds it took. Fails after `timeout`."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, f"{what}: not within {timeout}s"
        time.sleep(0.01)
    return time.monotonic() - start


def replica_blocks(example: str, https_port: int, http_port: int, cert: Path, key: Path,
                   ports: list[int]) -> str:  # fmt: skip
    """The example with only what a test machine must change: ports, certificate, replicas."""
    text = re.sub(r"^\s*listen \[::\]:.*\n", "", example, flags=re.M)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", text)
    text = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", text)
    servers = re.findall(r"^    server 10\.0\.0\.\d+:8000 (.*);$", text, flags=re.M)
    assert len(servers) == len(ports), "deploy/replicas/nginx.conf lost its replicas"
    for port in ports:
        text = re.sub(
            r"^    server 10\.0\.0\.\d+:8000 ",
            f"    server 127.0.0.1:{port} ",
            text,
            count=1,
            flags=re.M,
        )
    return text


@contextmanager
def nginx_before_replicas(folder: Path, ports: list[int]) -> Iterator[Proxy]:
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed_cert(folder)
    https_port, http_port = free_port(), free_port()
    blocks = replica_blocks(
        REPLICAS_NGINX.read_text(encoding="utf-8"), https_port, http_port, cert, key, ports
    )
    process = start_nginx(folder, nginx_config(folder, blocks), http_port, folder / "nginx.log")
    proxy = Proxy(process, https_port, http_port)
    try:
        yield proxy
    finally:
        proxy.stop()
