"""Guide files kept in PostgreSQL, so that every replica reads the same bytes.

PDFs are at most 25 MB, named by their sha256 and written rarely (a publish), so a
`bytea` column serves them well, backed up with the records by one `pg_dump`. Replicas
never serve from here: each keeps a local copy (`replica_files.ReplicaFiles`).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from server.storage.files import CHUNK, FileMissing, StoredFile, sha256_hex
from server.storage.pg_db import Postgres


class PostgresGuideFiles:
    """The `GuideFiles` interface on the `guide_files` table."""

    def __init__(self, db: Postgres) -> None:
        self.db = db

    def put(self, data: bytes, sha256: str | None = None) -> str:
        digest = sha256 or sha256_hex(data)
        with self.db.connect() as conn:
            # Two replicas storing the same file at once: the second one's row is a no-op.
            conn.execute(
                "INSERT INTO guide_files (sha256, size, data) VALUES (%s, %s, %s)"
                " ON CONFLICT (sha256) DO NOTHING",
                (digest, len(data), data),
            )
        return digest

    def put_stream(self, source: BinaryIO, sha256: str | None = None) -> str:
        buffer = io.BytesIO()
        while piece := source.read(CHUNK):
            buffer.write(piece)
        data = buffer.getvalue()
        digest = sha256_hex(data)
        if sha256 is not None and digest != sha256:
            raise ValueError(f"the bytes hash to {digest}, not to {sha256}; not stored")
        return self.put(data, digest)

    def has(self, sha256: str) -> bool:
        with self.db.connect() as conn:
            row = conn.execute("SELECT 1 AS one FROM guide_files WHERE sha256 = %s", (sha256,))
            return row.fetchone() is not None

    def size(self, sha256: str) -> int:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT size FROM guide_files WHERE sha256 = %s", (sha256,)
            ).fetchone()
        if row is None:
            raise FileMissing(sha256)
        return int(row["size"])

    def read(self, sha256: str) -> bytes:
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT data FROM guide_files WHERE sha256 = %s", (sha256,)
            ).fetchone()
        if row is None:
            raise FileMissing(sha256)
        data = bytes(row["data"])
        if sha256_hex(data) != sha256:
            raise FileMissing(sha256, "stored bytes do not match their sha256 (damaged)")
        return data

    def open(self, sha256: str) -> BinaryIO:
        return io.BytesIO(self.read(sha256))

    def read_range(self, sha256: str, start: int, length: int) -> bytes:
        with self.db.connect() as conn:
            # EXTERNAL storage (pg_schema.py): substring reads only the pieces it needs.
            row = conn.execute(
                "SELECT substring(data FROM %s FOR %s) AS part FROM guide_files WHERE sha256 = %s",
                (start + 1, max(length, 0), sha256),
            ).fetchone()
        if row is None:
            raise FileMissing(sha256)
        return bytes(row["part"])

    def list(self) -> Iterator[StoredFile]:
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT sha256, size, extract(epoch FROM stored_at) AS at FROM guide_files"
            ).fetchall()
        for row in rows:
            yield StoredFile(row["sha256"], int(row["size"]), float(row["at"]))

    def remove(self, sha256: str) -> None:
        with self.db.connect() as conn:
            # A file a version names stays, whatever one replica's clean-up thinks.
            conn.execute(
                "DELETE FROM guide_files WHERE sha256 = %s AND NOT EXISTS"
                " (SELECT 1 FROM versions WHERE versions.sha256 = guide_files.sha256)",
                (sha256,),
            )

    def tidy(self) -> None:
        """Nothing is ever half-written: each put is one transaction."""

    def room_needed(self, new_bytes: int) -> tuple[tuple[Path, int], ...]:
        return ()
