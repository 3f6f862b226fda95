"""A fingerprint of everything a publish could change, to prove a refusal changed nothing."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from server.storage.sqlite_db import DB_NAME

_TABLES = ("versions", "audit", "pending", "catalog_snapshots")


def disk_state(guides_dir: Path, data_dir: Path) -> dict[str, str]:
    """Every file in guides/ and the blob store with its sha256, and the publishing tables."""
    state: dict[str, str] = {}
    for root in (guides_dir, data_dir / "blobs"):
        if root.exists():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    state[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    db = data_dir / DB_NAME
    if db.exists():
        conn = sqlite3.connect(db)
        try:
            for table in _TABLES:
                rows = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
                state[f"table:{table}"] = repr(rows)
        finally:
            conn.close()
    return state
