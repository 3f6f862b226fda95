"""Watches `guides/` and reloads the catalog when Tikkim changes a file."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import anyio
import anyio.to_thread
from watchfiles import Change, awatch

from server.catalog_file import CATALOG_NAME
from server.site import LiveSite

log = logging.getLogger("bilang_karyo")

# While the catalog is broken, look again this often even without new events,
# in case the event that completed a copy was missed.
RETRY_SECONDS = 5.0


def is_relevant(change: Change, path: str) -> bool:
    """Editors' and our own temporary files start with a dot; skip them."""
    name = Path(path).name
    return not name.startswith(".") and (name == CATALOG_NAME or name.lower().endswith(".pdf"))


async def watch_guides(
    live: LiveSite,
    stop: anyio.Event,
    step_ms: int = 50,
    refresh: Callable[[], bool] | None = None,
) -> None:
    """`refresh` reloads the site; the app passes one that first records dropped PDFs
    as versions through the publishing path (see folder_sync.py)."""
    reload = refresh or live.reload
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_retry_while_broken, live, stop, reload)
        async for changes in awatch(
            live.guides_dir,
            watch_filter=is_relevant,
            step=step_ms,
            stop_event=stop,
            recursive=False,
        ):
            log.info("guides/ changed: %s", ", ".join(sorted(Path(p).name for _, p in changes)))
            await anyio.to_thread.run_sync(reload)
        tasks.cancel_scope.cancel()


async def _retry_while_broken(
    live: LiveSite, stop: anyio.Event, reload: Callable[[], bool]
) -> None:
    while not stop.is_set():
        await anyio.sleep(RETRY_SECONDS)
        if live.status.last_error:
            await anyio.to_thread.run_sync(reload)
