"""The guide-file interface, run against every implementation (tests/storage_kinds.py)."""

from __future__ import annotations

import io
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from server.storage.files import CHUNK, FileMissing, GuideFiles, sha256_hex
from server.storage.local_files import LocalGuideFiles
from testkit.pdfs import make_pdf
from tests.storage_kinds import FILES_KINDS


@pytest.fixture(params=sorted(FILES_KINDS))
def make_files(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], GuideFiles]:
    """Opens the same store again, as another process (or replica) would."""
    maker = FILES_KINDS[request.param]
    return lambda: maker(tmp_path / "files")


@pytest.fixture
def files(make_files: Callable[[], GuideFiles]) -> GuideFiles:
    return make_files()


def test_a_file_put_is_read_back_whole_by_its_hash(
    files: GuideFiles, make_files: Callable[[], GuideFiles]
) -> None:
    data = make_pdf("Paspor", pages=3)
    digest = files.put(data)
    assert digest == sha256_hex(data)
    again = make_files()
    assert again.has(digest) and again.size(digest) == len(data)
    assert again.read(digest) == data
    with again.open(digest) as stream:
        assert stream.read() == data


def test_putting_the_same_bytes_twice_stores_one_file(files: GuideFiles) -> None:
    data = make_pdf("Sekali")
    assert files.put(data) == files.put(data, sha256_hex(data))
    assert [f.sha256 for f in files.list()] == [sha256_hex(data)]


def test_a_stream_is_stored_in_pieces_and_checked_against_its_hash(files: GuideFiles) -> None:
    data = secrets.token_bytes(3 * CHUNK + 17)  # several pieces and a short last one
    digest = files.put_stream(io.BytesIO(data))
    assert digest == sha256_hex(data) and files.read(digest) == data
    other = make_pdf("Lain")
    with pytest.raises(ValueError, match="not to"):
        files.put_stream(io.BytesIO(other), sha256_hex(b"something else"))
    assert not files.has(sha256_hex(other)), "bytes that did not match their hash were kept"
    assert {f.sha256 for f in files.list()} == {digest}


def test_a_byte_range_is_read_without_the_rest(files: GuideFiles) -> None:
    data = make_pdf("Rentang", pages=2)
    digest = files.put(data)
    assert files.read_range(digest, 0, 5) == data[:5] == b"%PDF-"
    assert files.read_range(digest, 100, 50) == data[100:150]
    # Past the end: what there is, as a byte range of HTTP asks.
    assert files.read_range(digest, len(data) - 3, 10) == data[-3:]


def test_a_file_not_stored_is_missing_not_empty(files: GuideFiles) -> None:
    absent = sha256_hex(b"never stored")
    assert not files.has(absent)
    for read in (
        lambda: files.read(absent),
        lambda: files.size(absent),
        lambda: files.open(absent),
        lambda: files.read_range(absent, 0, 1),
    ):
        with pytest.raises(FileMissing) as missing:
            read()
        assert isinstance(missing.value, FileNotFoundError) and absent in str(missing.value)


def test_list_names_every_file_with_its_size_and_when_it_was_put(files: GuideFiles) -> None:
    before = time.time() - 5
    stored = {files.put(make_pdf(f"Panduan {n}")): n for n in range(3)}
    listed = {f.sha256: f for f in files.list()}
    assert set(listed) == set(stored)
    for digest, found in listed.items():
        assert found.size == files.size(digest) and found.stored_at >= before


def test_removing_a_file_leaves_the_others(files: GuideFiles) -> None:
    kept, dropped = files.put(make_pdf("Tetap")), files.put(make_pdf("Yatim"))
    files.remove(dropped)
    files.remove(dropped)  # already gone: no error
    assert not files.has(dropped) and files.has(kept)
    assert [f.sha256 for f in files.list()] == [kept]


def test_tidy_keeps_every_whole_file(files: GuideFiles) -> None:
    digest = files.put(make_pdf("Utuh"))
    files.tidy()
    assert files.read(digest) == make_pdf("Utuh")


# The local folder ------------------------------------------------------------------


def test_the_local_folder_removes_what_a_killed_writer_left(tmp_path: Path) -> None:
    files = LocalGuideFiles(tmp_path / "blobs")
    digest = files.put(make_pdf("Utuh"))
    half_put = files.path_for("ab" * 32).parent / f".{'ab' * 32}.pdf.x1y2z3.tmp"
    half_streamed = files.root / ".incoming.q9w8e7.tmp"
    for path in (half_put, half_streamed):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.7 half")
    files.tidy()
    assert not half_put.exists() and not half_streamed.exists()
    assert [f.sha256 for f in files.list()] == [digest]


def test_the_local_folder_asks_room_on_its_own_disk(tmp_path: Path) -> None:
    files = LocalGuideFiles(tmp_path / "blobs")
    assert files.room_needed(1000) == ((tmp_path / "blobs", 1000),)
