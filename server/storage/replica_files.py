"""A replica's guide files: every file in the shared store, with a local copy to serve from.

Files are put in the shared store first (so that other replicas can fetch them before
any record names them) and then kept locally. A read of a file this replica has not
seen yet fetches it once from the shared store and keeps it, checked against its hash.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from server.storage.files import FileMissing, GuideFiles, StoredFile, sha256_hex
from server.storage.local_files import LocalGuideFiles


class ReplicaFiles:
    """The `GuideFiles` interface over a shared store (`origin`) and a local cache."""

    def __init__(self, local: LocalGuideFiles, origin: GuideFiles) -> None:
        self.local = local
        self.origin = origin

    def put(self, data: bytes, sha256: str | None = None) -> str:
        digest = sha256 or sha256_hex(data)
        # A local copy is only ever made of a file the shared store has: nothing to send.
        if not self.local.has(digest):
            self.origin.put(data, digest)
            self.local.put(data, digest)
        return digest

    def put_stream(self, source: BinaryIO, sha256: str | None = None) -> str:
        data = source.read()
        digest = sha256_hex(data)
        if sha256 is not None and digest != sha256:
            raise ValueError(f"the bytes hash to {digest}, not to {sha256}; not stored")
        return self.put(data, digest)

    def fetch(self, sha256: str) -> None:
        """Keep a local copy of a file of the shared store (FileMissing if it has none)."""
        if not self.local.has(sha256):
            data = self.origin.read(sha256)  # checked against its hash there
            self.local.put(data, sha256)

    def has(self, sha256: str) -> bool:
        return self.local.has(sha256) or self.origin.has(sha256)

    def size(self, sha256: str) -> int:
        self.fetch(sha256)
        return self.local.size(sha256)

    def read(self, sha256: str) -> bytes:
        self.fetch(sha256)
        return self.local.read(sha256)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.local.open(sha256)
        except FileMissing:
            return io.BytesIO(self.read(sha256))

    def read_range(self, sha256: str, start: int, length: int) -> bytes:
        self.fetch(sha256)
        return self.local.read_range(sha256, start, length)

    def list(self) -> Iterator[StoredFile]:
        return self.origin.list()

    def remove(self, sha256: str) -> None:
        self.origin.remove(sha256)
        if not self.origin.has(sha256):
            self.local.remove(sha256)

    def tidy(self) -> None:
        self.local.tidy()

    def room_needed(self, new_bytes: int) -> tuple[tuple[Path, int], ...]:
        return self.local.room_needed(new_bytes)
