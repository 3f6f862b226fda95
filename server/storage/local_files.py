"""The embedded guide-file store: a local folder of files named by their sha256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from server.storage.atomic import fsync_dir, write_atomically
from server.storage.files import CHUNK, FileMissing, StoredFile, sha256_hex


class LocalGuideFiles:
    """Files named by their sha256 under `root`, so a version, once stored, never changes.

    The site serves guide bytes from here rather than from `guides/`, so a PDF that
    Tikkim is half-way through copying can never be served.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        """Where the file is (or would be) kept; for this package and its tests only."""
        return self.root / sha256[:2] / f"{sha256}.pdf"

    def put(self, data: bytes, sha256: str | None = None) -> str:
        digest = sha256 or sha256_hex(data)
        path = self.path_for(digest)
        if not path.exists():
            write_atomically(path, data)
        return digest

    def put_stream(self, source: BinaryIO, sha256: str | None = None) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming.", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            hasher = hashlib.sha256()
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            digest = hasher.hexdigest()
            if sha256 is not None and digest != sha256:
                raise ValueError(f"the bytes hash to {digest}, not to {sha256}; not stored")
            path = self.path_for(digest)
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, path)
                fsync_dir(path.parent)
        finally:
            tmp.unlink(missing_ok=True)
        return digest

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def size(self, sha256: str) -> int:
        try:
            return self.path_for(sha256).stat().st_size
        except FileNotFoundError:
            raise FileMissing(sha256) from None

    def read(self, sha256: str) -> bytes:
        try:
            return self.path_for(sha256).read_bytes()
        except FileNotFoundError:
            raise FileMissing(sha256) from None

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path_for(sha256).open("rb")
        except FileNotFoundError:
            raise FileMissing(sha256) from None

    def read_range(self, sha256: str, start: int, length: int) -> bytes:
        with self.open(sha256) as handle:
            handle.seek(start)
            return handle.read(length)

    def list(self) -> Iterator[StoredFile]:
        for path in self.root.glob("*/*.pdf"):
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed meanwhile
                continue
            yield StoredFile(path.stem, stat.st_size, stat.st_mtime)

    def remove(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)

    def tidy(self) -> None:
        # Temporary files are ".<name>.<random>.tmp" beside their place (`put`) or
        # ".incoming.<random>.tmp" in the root (`put_stream`); with the publish lock
        # held, none belongs to a write still in progress.
        for path in [*self.root.glob("*/.*.tmp"), *self.root.glob(".incoming.*.tmp")]:
            path.unlink(missing_ok=True)

    def room_needed(self, new_bytes: int) -> tuple[tuple[Path, int], ...]:
        return ((self.root, new_bytes),)
