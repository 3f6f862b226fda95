"""The embedded signing key: a random key in the data folder (mode 0600), made on first start."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_NAME = "secret.key"


def load_signing_key(data_dir: Path) -> bytes:
    """The key in `data_dir`; made on first start and shared by all worker processes."""
    path = data_dir / SECRET_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = data_dir / f".{SECRET_NAME}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, secrets.token_hex(32).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        # A hard link fails if the name exists: of two workers starting together,
        # the first one's key wins and both read it back below.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    secret = path.read_bytes().strip()
    if len(secret) < 32:
        raise RuntimeError(f"{path}: the key is too short; delete it to make a new one")
    return secret
