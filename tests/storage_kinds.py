"""The storage implementations the contract tests run against; a new one is added here.

Each maker gets a fresh, empty folder of its own (for SQLite and the local folder, where
they keep their data) and returns a store that is empty. A server implementation (issue 17:
PostgreSQL) adds its maker, which starts from an empty database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from server.storage.files import GuideFiles
from server.storage.local_files import LocalGuideFiles
from server.storage.records import Records
from server.storage.sqlite_db import Database

RECORDS_KINDS: dict[str, Callable[[Path], Records]] = {
    "sqlite": lambda folder: Database(folder),
}

FILES_KINDS: dict[str, Callable[[Path], GuideFiles]] = {
    "local": lambda folder: LocalGuideFiles(folder),
}
