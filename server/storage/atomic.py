"""Writing a local file atomically: a temporary file beside it, on disk (fsync), then a rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


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
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a rename in `directory` durable: it is only once the entry itself is on disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
