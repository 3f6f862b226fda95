"""The floor: a trivial ASGI app answering our exact headers and bytes from a dict.

It is what any app costs on uvicorn at the least, so ours against it shows how
much of the gap to nginx is our code and how much is the server under it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.types import Receive, Scope, Send

MANIFEST = "floor.json"
# uvicorn adds these itself.
_SKIPPED = {"date", "server"}


def write_floor(snapshots: dict[str, tuple[list[tuple[str, str]], bytes]], root: Path) -> Path:
    """Store each path's headers and body under `root` for `create_app`."""
    root.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for number, (path, (headers, body)) in enumerate(sorted(snapshots.items())):
        (root / str(number)).write_bytes(body)
        kept = [[k.lower(), v] for k, v in headers if k.lower() not in _SKIPPED]
        manifest[path] = {"headers": kept, "body": str(number)}
    (root / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return root


class Floor:
    def __init__(self, root: Path) -> None:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        self.answers = {
            path: (
                [(k.encode("latin-1"), v.encode("latin-1")) for k, v in entry["headers"]],
                (root / entry["body"]).read_bytes(),
            )
            for path, entry in manifest.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        answer = self.answers.get(scope["path"])
        if answer is None:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        headers, body = answer
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def create_app() -> Floor:
    return Floor(Path(os.environ["BENCH_FLOOR_ROOT"]))
