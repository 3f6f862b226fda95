"""A record of the costly steps (PDF parses, child processes, site builds) that tests count.

One publish should parse its PDF once, run each child once and build the site
once; tests/test_publish_counts.py checks that across processes (server, CLI)
by pointing `BILANG_KARYO_WORK_LOG` at a file every process appends to. Unset,
as in production, only the in-process counter is kept.
"""

from __future__ import annotations

import os
import threading
from collections import Counter

WORK_LOG_ENV = "BILANG_KARYO_WORK_LOG"

# In this process: step -> how many times it ran.
counts: Counter[str] = Counter()
# Steps are noted from request threads, the watcher's thread and the background renders.
_lock = threading.Lock()


def note(step: str, detail: str = "") -> None:
    """One `step` ("parse", "probe", "text", "ocr", "render", "build") done; `detail` names
    what it was done to (a PDF's sha256, or the sw.js revision a build made)."""
    with _lock:
        counts[step] += 1
    path = os.environ.get(WORK_LOG_ENV)
    if not path:
        return
    line = f"{os.getpid()} {step} {detail}\n".encode()
    # One short append per line: lines from several processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
