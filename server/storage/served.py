"""This machine's copies of guide files for serving: small ones held in memory, the rest streamed
from a local folder.

The embedded store is that local folder already, so nothing is copied. With a store
elsewhere (a server database, object storage), each replica copies a file into its own
folder once (`make_local`, before a catalog naming it goes live) and serves from there.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import anyio
from starlette.types import Send

from server.storage.files import CHUNK, GuideFiles
from server.storage.local_files import LocalGuideFiles


class Served(Protocol):
    """What is served: a stored file, by its hash and size (the catalog's `GuideFile`)."""

    @property
    def sha256(self) -> str: ...
    @property
    def size(self) -> int: ...


class ServedFiles:
    """Keeps the bytes of recently served small files in memory; streams the large ones."""

    def __init__(
        self,
        files: GuideFiles,
        local: LocalGuideFiles | None = None,
        budget: int = 48 * 1024 * 1024,
        largest: int = 4 * 1024 * 1024,
    ) -> None:
        if local is None:
            if not isinstance(files, LocalGuideFiles):
                raise TypeError("a store that is not a local folder needs a local copy folder")
            local = files
        self.files = files
        self.local = local
        self.budget = budget
        self.largest = largest
        self._held: OrderedDict[str, bytes] = OrderedDict()
        self._held_bytes = 0

    def make_local(self, sha256: str) -> None:
        """Copy the file into the local folder unless it is there (nothing to do by default)."""
        if self.local is self.files or self.local.has(sha256):
            return
        with self.files.open(sha256) as source:
            self.local.put_stream(source, sha256)

    def cached(self, file: Served) -> bytes | None:
        """The file's bytes from memory (read once); None when too large to keep."""
        data = self._held.get(file.sha256)
        if data is not None:  # the usual case: no path to build
            self._held.move_to_end(file.sha256)
            return data
        return self.held(file.sha256, self.local.path_for(file.sha256), file.size)

    def held(self, key: str, path: Path, size: int) -> bytes | None:
        """The bytes of the local file `path`, kept under `key`; None when too large to keep.

        Also for the reader's page images, which each machine makes for itself."""
        data = self._held.get(key)
        if data is not None:
            self._held.move_to_end(key)
            return data
        if size > self.largest:
            return None
        data = path.read_bytes()
        self._held[key] = data
        self._held_bytes += len(data)
        while self._held_bytes > self.budget:
            _, dropped = self._held.popitem(last=False)
            self._held_bytes -= len(dropped)
        return data

    async def stream(self, send: Send, sha256: str, start: int, length: int) -> None:
        """Send `length` bytes from `start` as the body of an ASGI response, in pieces."""
        async with await anyio.open_file(self.local.path_for(sha256), "rb") as handle:
            await handle.seek(start)
            remaining = length
            while remaining > 0:
                chunk = await handle.read(min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                more = remaining > 0
                await send({"type": "http.response.body", "body": chunk, "more_body": more})
        if remaining > 0:
            # The file is content-addressed and never shrinks; end the body cleanly anyway.
            await send({"type": "http.response.body", "body": b""})
