"""Running a coroutine to the end from a test, whatever else holds the test's thread."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coroutine)` in a thread of its own.

    The browser tests' session-wide Playwright (sync API) keeps an event loop running in the
    pytest worker's main thread for the rest of the session, so a plain `asyncio.run` in a
    later test on the same worker fails with "cannot be called from a running event loop".
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-loop") as pool:
        return pool.submit(asyncio.run, coroutine).result()
