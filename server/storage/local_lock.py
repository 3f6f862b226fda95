"""The embedded publish lock: a thread lock within the process and an flock in the data folder."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path


class LocalPublishLock:
    """One writer of `guides/` and the file store at a time, across threads and processes.

    The thread lock orders the admin's request threads and the watcher's thread within
    this process; the flock orders this process with the CLI's. It is not re-entrant:
    the publisher hands the new catalog to the site itself, with nothing calling back.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.Lock()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        with self._thread_lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing releases the flock
