"""Guide files in PostgreSQL: stored once by content, read whole, as a stream or a range."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from server.storage.files import FileMissing, sha256_hex
from server.storage.pg_db import Postgres
from server.storage.pg_files import PostgresGuideFiles


@pytest.fixture
def files(database_url: str) -> Iterator[PostgresGuideFiles]:
    db = Postgres(database_url)
    db.upgrade()
    yield PostgresGuideFiles(db)
    db.close()


def test_a_file_is_stored_once_and_read_back_whole_or_in_part(
    files: PostgresGuideFiles,
) -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 4000
    digest = files.put(data)
    assert digest == sha256_hex(data)
    assert files.put(data) == digest  # a second replica storing the same file
    assert files.has(digest) and files.size(digest) == len(data)
    assert files.read(digest) == data
    assert files.open(digest).read() == data
    assert files.read_range(digest, 100, 50) == data[100:150]
    assert files.read_range(digest, len(data) - 10, 50) == data[-10:]
    assert [(f.sha256, f.size) for f in files.list()] == [(digest, len(data))]


def test_a_stream_that_does_not_match_its_hash_is_refused(files: PostgresGuideFiles) -> None:
    with pytest.raises(ValueError, match="not stored"):
        files.put_stream(io.BytesIO(b"%PDF-1.7 other"), sha256_hex(b"%PDF-1.7 expected"))
    assert list(files.list()) == []
    digest = files.put_stream(io.BytesIO(b"%PDF-1.7 streamed"))
    assert files.read(digest) == b"%PDF-1.7 streamed"


def test_a_missing_file_says_so(files: PostgresGuideFiles) -> None:
    missing = sha256_hex(b"never stored")
    assert not files.has(missing)
    for read in (files.read, files.size, lambda d: files.read_range(d, 0, 1)):
        with pytest.raises(FileMissing):
            read(missing)
