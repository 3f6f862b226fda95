"""Checks made before a publish changes anything, and the refusal they raise."""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from server.catalog_file import TEXT_MAX, is_valid_slug
from server.errors import Refused
from server.languages import Languages, shipped_languages
from server.pdf import PdfError, inspect_pdf
from server.storage.errors import DatabaseProblem

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
# `<slug>.<language code>.pdf`; the code must be one of the registry's (server/languages.py).
_DROPPED_NAME = re.compile(r"^(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.(?P<lang>[a-z]{2,3})\.pdf$")
_CHUNK = 1024 * 1024
# Room kept free beyond the files themselves: the database, its journal, the catalog.
SPACE_MARGIN = 1024 * 1024


class PublishError(Refused):
    """A refused change. `key` names the staff message (messages.toml `refuse_<key>`)."""

    def __init__(self, key: str, detail: str, status: int = 400) -> None:
        super().__init__(status, key, detail)


@dataclass(frozen=True)
class GuideTexts:
    """What staff type about a guide; `None` leaves a field as it is."""

    title: Mapping[str, str] | None = None
    summary: Mapping[str, str] | None = None
    sources: tuple[str, ...] | None = None
    order: int | None = None
    featured: bool | None = None
    last_checked: date | None = None


@dataclass(frozen=True)
class Outcome:
    action: str
    slug: str
    lang: str = ""
    version: int | None = None
    old_sha256: str = ""
    new_sha256: str = ""
    changed: bool = True


def read_limited(source: BinaryIO, max_bytes: int) -> bytes:
    """Read at most `max_bytes`; a longer file is refused without reading it all."""
    chunks, total = [], 0
    while chunk := source.read(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(max_bytes: int) -> PublishError:
    limit = f"{max_bytes / (1024 * 1024):g} MB"
    return PublishError("too_large", f"the file is larger than the limit of {limit}", 413)


def check_slug(slug: str) -> str:
    if not is_valid_slug(slug):
        raise PublishError(
            "bad_slug",
            f"guide name {slug!r}: use lower-case letters, digits and single dashes, "
            "e.g. pembuatan-paspor",
        )
    return slug


def check_lang(lang: str, languages: Languages | None = None) -> str:
    languages = languages or shipped_languages()
    if lang not in languages:
        raise PublishError(
            "bad_lang", f"language {lang!r}: must be one of {', '.join(languages.codes)}"
        )
    return lang


def check_pdf(data: bytes, sha256: str | None = None) -> int:
    """The page count of a PDF we may publish (`sha256`: its hash, if known already)."""
    try:
        return inspect_pdf(data, sha256).pages
    except PdfError as exc:
        raise PublishError(f"pdf_{exc.reason}", str(exc)) from None


def checked_texts(values: Mapping[str, str], field: str) -> dict[str, str]:
    """The texts of the shipped languages, which are required (as in the catalog file), and of
    any other language given."""
    result = {}
    required = shipped_languages().required
    for lang in (*required, *(code for code in values if code not in required)):
        text = (values.get(lang) or "").strip()
        if not text or len(text) > TEXT_MAX:
            raise PublishError(
                "bad_texts",
                f"{field}.{lang} must be a non-empty text of at most {TEXT_MAX} characters",
            )
        result[lang] = text
    return result


def checked_sources(values: tuple[str, ...]) -> tuple[str, ...]:
    sources = tuple(s.strip() for s in values if s.strip())
    if any(len(s) > TEXT_MAX for s in sources):
        raise PublishError("bad_texts", f"each source may have at most {TEXT_MAX} characters")
    return sources


def check_space(needs: Iterable[tuple[Path, int]]) -> None:
    """Refuse, before anything is written, a change the disk cannot hold.

    `needs` pairs a folder with the bytes to be written in it; folders on the
    same file system add up. The margin covers the database and the catalog.
    """
    by_device: dict[int, tuple[Path, int]] = {}
    for folder, size in needs:
        existing = next(p for p in (folder, *folder.parents) if p.exists())
        device = existing.stat().st_dev
        first, total = by_device.get(device, (existing, 0))
        by_device[device] = (first, total + size)
    for folder, size in by_device.values():
        stats = os.statvfs(folder)
        free = stats.f_bavail * stats.f_frsize
        if free < size + SPACE_MARGIN:
            raise disk_full(f"{folder}: {free} bytes free, {size + SPACE_MARGIN} needed")


def disk_full(detail: str) -> PublishError:
    return PublishError("disk_full", f"the disk is full: {detail}", 507)


@contextlib.contextmanager
def disk_errors() -> Iterator[None]:
    """A write that fails for want of space (after `check_space`, a race) is a refusal too."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise disk_full(str(exc)) from None
    except DatabaseProblem as exc:
        if exc.key != "db_full":
            raise
        raise disk_full(str(exc)) from None


def dropped_owner(name: str, languages: Languages | None = None) -> tuple[str, str] | None:
    match = _DROPPED_NAME.fullmatch(name)
    if match is None or not is_valid_slug(match["slug"]):
        return None
    if match["lang"] not in (languages or shipped_languages()):
        return None
    return match["slug"], match["lang"]
