"""This machine's copies of guide files: held in memory, streamed from disk, copied in once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
from starlette.types import Message

from server.storage.files import CHUNK, sha256_hex
from server.storage.local_files import LocalGuideFiles
from server.storage.served import ServedFiles


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int


def body_of(served: ServedFiles, sha256: str, start: int, length: int) -> tuple[bytes, bool]:
    """The bytes `stream` sent, and whether its last message closed the body."""
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    anyio.run(served.stream, send, sha256, start, length)
    return b"".join(m["body"] for m in sent), not sent[-1].get("more_body", False)


def test_small_files_are_held_in_memory_and_large_ones_streamed(tmp_path: Path) -> None:
    files = LocalGuideFiles(tmp_path / "blobs")
    small, large = secrets.token_bytes(1000), secrets.token_bytes(3 * CHUNK + 5)
    small_sha, large_sha = files.put(small), files.put(large)
    served = ServedFiles(files, largest=CHUNK)
    assert served.cached(Stored(small_sha, len(small))) == small
    files.path_for(small_sha).unlink()  # held: no disk read any more
    assert served.cached(Stored(small_sha, len(small))) == small
    assert served.cached(Stored(large_sha, len(large))) is None
    assert body_of(served, large_sha, 0, len(large)) == (large, True)
    assert body_of(served, large_sha, CHUNK - 10, CHUNK + 20) == (
        large[CHUNK - 10 : 2 * CHUNK + 10],
        True,
    )


def test_the_memory_budget_drops_the_least_recently_served(tmp_path: Path) -> None:
    files = LocalGuideFiles(tmp_path / "blobs")
    datas = [secrets.token_bytes(400) for _ in range(3)]
    shas = [files.put(d) for d in datas]
    served = ServedFiles(files, budget=900, largest=500)
    served.cached(Stored(shas[0], 400))
    served.cached(Stored(shas[1], 400))
    served.cached(Stored(shas[0], 400))  # used again: the newest
    served.cached(Stored(shas[2], 400))  # over budget: the oldest (shas[1]) goes
    files.path_for(shas[1]).unlink()
    files.path_for(shas[0]).unlink()
    assert served.cached(Stored(shas[0], 400)) == datas[0]
    with pytest.raises(FileNotFoundError):
        served.cached(Stored(shas[1], 400))


def test_a_file_kept_elsewhere_is_copied_in_once_and_served_from_here(tmp_path: Path) -> None:
    elsewhere = LocalGuideFiles(tmp_path / "shared")  # stands in for a store on a server
    here = LocalGuideFiles(tmp_path / "cache")
    data = secrets.token_bytes(2 * CHUNK + 1)
    digest = elsewhere.put(data)
    served = ServedFiles(elsewhere, here)
    served.make_local(digest)
    assert here.read(digest) == data and sha256_hex(here.read(digest)) == digest
    elsewhere.remove(digest)
    served.make_local(digest)  # already here: the store is not asked again
    assert body_of(served, digest, 0, len(data)) == (data, True)
