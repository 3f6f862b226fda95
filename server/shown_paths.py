"""Server paths as the public may see them: relative to the guides and data folders.

Warnings and errors name files by their full path on the server (`/srv/bk/guides/catalog.toml`),
which is right in the log but tells the public how the server is laid out. What `/healthz`
shows names them by folder instead: `guides/catalog.toml`, `data/blobs/…`, `office.toml`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# An absolute path that is not part of a URL: a slash after neither a word, a colon nor a slash.
_ABSOLUTE = re.compile(r"(?<![\w:/.~-])/(?:[^\s'\"/<>()]+/)+(?=[^\s'\"/<>()])")


class ShownPaths:
    """Rewrites absolute paths in texts to the folder names staff know."""

    def __init__(self, guides_dir: Path, data_dir: Path, office_file: Path) -> None:
        labels: dict[str, str] = {}
        for path, label in (
            (guides_dir, "guides"),
            (data_dir, "data"),
            (office_file, office_file.name),
        ):
            for form in {str(path.absolute()), os.path.realpath(path)}:
                labels[form.rstrip("/")] = label
        # The longest first, so that a folder inside another is named by the inner one; a
        # path counts only whole (`/srv/guides` is not the start of `/srv/guides-old`).
        self._labels = [
            (re.compile(re.escape(form) + r"(?![\w.~-])"), label)
            for form, label in sorted(labels.items(), key=lambda item: -len(item[0]))
        ]

    def text(self, text: str) -> str:
        for form, label in self._labels:
            text = form.sub(label, text)
        # Any other absolute path (a temporary file, a system folder): its last part only.
        return _ABSOLUTE.sub("", text)

    def json(self, value: Any) -> Any:
        """`value` (a JSON body) with every string in it rewritten."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {key: self.json(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.json(item) for item in value]
        return value
