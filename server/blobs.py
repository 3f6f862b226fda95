"""The content-addressed store of guide files that the site serves from."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` so that readers see the old file or the new one, never a part."""
    put_in_place(stage(path, data), path)


def stage(path: Path, data: bytes) -> Path:
    """Write `data` to a temporary file beside `path`, on disk; `put_in_place` finishes it.

    Any failure (a full disk) leaves no temporary file behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return Path(tmp_name)


def put_in_place(staged: Path, path: Path) -> None:
    """Rename a staged file over `path`: readers see the old file or the new one."""
    os.replace(staged, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # The rename is only durable once the directory entry itself is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    """Files named by their sha256, so a version, once stored, never changes.

    The site serves guide bytes from here rather than from `guides/`, so a
    PDF that Tikkim is half-way through copying can never be served.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.pdf"

    def put(self, data: bytes, sha256: str | None = None) -> str:
        digest = sha256 or sha256_hex(data)
        path = self.path_for(digest)
        if not path.exists():
            write_atomically(path, data)
        return digest

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()
