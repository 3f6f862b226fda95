"""Replicas for tests and the bench: real server processes sharing one real PostgreSQL."""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testkit.server import (
    SAMPLE_GUIDES,
    LiveServer,
    start_server,
    with_sample_reader,
)


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
