"""The embedded default storage: SQLite records and a local folder of guide files, no set-up."""

from __future__ import annotations

from pathlib import Path

from server.storage.files import GuideFiles
from server.storage.local_files import LocalGuideFiles
from server.storage.records import Records
from server.storage.sqlite_db import Database

FILES_FOLDER = "blobs"


def open_records(data_dir: Path, *, open_now: bool = True) -> Records:
    """The records in `data_dir`; with `open_now`, made or checked at once (DatabaseProblem)."""
    return Database(data_dir, open_now=open_now)


def open_files(data_dir: Path) -> GuideFiles:
    """The guide files kept in `data_dir`."""
    return LocalGuideFiles(data_dir / FILES_FOLDER)
