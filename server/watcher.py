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
    live: LiveSite, stop: anyio.Event, refresh: Callable[[], bool], step_ms: int = 50
) -> None:
    """`refresh` records dropped PDFs as versions through the publishing path and hands
    the catalog to `live` (FolderSync.refresh in folder_sync.py)."""
    reload = refresh
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_retry_while_broken, live, stop, reload)
        while not stop.is_set():
            try:
                async for changes in awatch(
                    live.guides_dir,
                    watch_filter=is_relevant,
                    step=step_ms,
                    stop_event=stop,
                    recursive=False,
                ):
                    names = ", ".join(sorted(Path(p).name for _, p in changes))
                    log.info("guides/ changed: %s", names)
                    await guarded_reload(live, reload)
                live.status.clear("watcher")
            except Exception as exc:
                # guides/ gone or unreadable, the watch limit reached...: say so, and try again.
                live.status.report("watcher", f"cannot watch {live.guides_dir}: {exc}")
                with anyio.move_on_after(RETRY_SECONDS):
                    await stop.wait()
        tasks.cancel_scope.cancel()


async def guarded_reload(live: LiveSite, reload: Callable[[], bool]) -> None:
    """Run `reload`; whatever it raises is reported in /healthz and retried, never fatal."""
    try:
        await anyio.to_thread.run_sync(reload)
    except Exception as exc:
        log.exception("reloading guides/ failed")
        live.status.report("watcher", f"reloading guides/ failed: {exc or type(exc).__name__}")
    else:
        live.status.clear("watcher")


async def _retry_while_broken(
    live: LiveSite, stop: anyio.Event, reload: Callable[[], bool]
) -> None:
    while not stop.is_set():
        with anyio.move_on_after(RETRY_SECONDS):
            await stop.wait()
        if not stop.is_set() and (live.status.last_error or live.status.problems):
            await guarded_reload(live, reload)
