"""The guide-file interface: PDFs named by sha256, put once, read whole, as a stream or a range.

A stored file never changes (its name is its content), so every reader may keep a
copy. The embedded default keeps them in a local folder (`local_files.LocalGuideFiles`);
a server store (a database, object storage) implements the same methods, and each
replica then serves from its own local copy (`served.ServedFiles`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

# Streams are read and written in pieces this large.
CHUNK = 256 * 1024


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileMissing(FileNotFoundError):
    """No file with this sha256 is stored (or what is stored no longer matches it)."""

    def __init__(self, sha256: str, detail: str = "not stored") -> None:
        super().__init__(f"guide file {sha256}: {detail}")
        self.sha256 = sha256


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    stored_at: float  # seconds since the epoch; clean-up spares files put moments ago


class GuideFiles(Protocol):
    """Where published PDFs are kept, content-addressed by sha256."""

    def put(self, data: bytes, sha256: str | None = None) -> str:
        """Store `data` unless already stored; its sha256. On disk (durable) when it returns.

        `sha256`, when the caller already hashed `data`, saves hashing it again; it must be
        right. A failure (a full disk) leaves nothing half-written behind."""
        ...

    def put_stream(self, source: BinaryIO, sha256: str | None = None) -> str:
        """Store what `source` holds, read in pieces; its sha256. With `sha256` given, bytes
        that do not hash to it are refused (ValueError) and nothing is stored."""
        ...

    def has(self, sha256: str) -> bool:
        """True when the file is stored (cheap: no bytes are read)."""
        ...

    def size(self, sha256: str) -> int:
        """The stored file's size in bytes; FileMissing when it is not stored."""
        ...

    def read(self, sha256: str) -> bytes:
        """The whole file; FileMissing when it is not stored."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """The file as a stream to read from (the caller closes it); FileMissing."""
        ...

    def read_range(self, sha256: str, start: int, length: int) -> bytes:
        """`length` bytes from `start` (fewer at the end of the file); FileMissing."""
        ...

    def list(self) -> Iterator[StoredFile]:
        """Every stored file, in no particular order."""
        ...

    def remove(self, sha256: str) -> None:
        """Forget a file no record names any more (orphan clean-up only); no error if absent."""
        ...

    def tidy(self) -> None:
        """Remove what a killed writer left half-written. Call with the publish lock held."""
        ...

    def room_needed(self, new_bytes: int) -> tuple[tuple[Path, int], ...]:
        """The local folders a put of `new_bytes` writes to, for the disk-space check made
        before a publish; empty for a store that keeps nothing on this machine's disk."""
        ...
