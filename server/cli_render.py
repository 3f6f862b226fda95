"""The reader pages of a version published from the CLI, and their progress as they are made.

The publish makes them before the version goes live (publish.py, `derive`),
printing each page; afterwards `render_version` says they are ready, or makes
them if that render failed. The store's lock makes a second renderer of the
same version wait for the first and reuse its pages.
"""

from __future__ import annotations

import sys
from typing import TextIO

from server.reader import ReaderStore
from server.settings import Settings
from server.storage.default import open_files

LABEL = "Halaman pembaca / reader pages"


def print_progress(name: str, done: int, total: int, out: TextIO | None = None) -> None:
    """One line a page ("izin-tinggal.id: … 2/3"): readable in a terminal and in a log alike."""
    print(f"{name}: {LABEL}: {done}/{total}", file=out or sys.stdout, flush=True)


def render_version(settings: Settings, name: str, sha256: str, out: TextIO | None = None) -> bool:
    """Render the pages of `sha256` (a stored guide file), printing "3/7" as they come."""
    out = out or sys.stdout
    store = ReaderStore(settings.data_dir / "reader")
    if (edition := store.load(sha256)) is not None:
        print(f"{name}: {LABEL}: {len(edition.pages)}, siap / ready", file=out)
        return True

    def progress(done: int, total: int) -> None:
        print_progress(name, done, total, out)

    try:
        edition = store.render(sha256, open_files(settings.data_dir).read(sha256), progress)
    except Exception as exc:  # pdfium's own errors; the PDF stays published
        print(
            f"{name}: {LABEL}: gagal / failed ({exc}); the PDF is served as it is",
            file=out,
        )
        return False
    print(f"{name}: {LABEL}: {len(edition.pages)}, siap / ready", file=out)
    return True
