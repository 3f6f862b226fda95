"""Checks that a file is a complete, readable PDF we may serve, and reads its page count.

Two readers must agree that a file is harmless: pypdf, which walks every object
reachable from the trailer, and pdfium (the renderer phones and our reader run;
see pdf_probe.py). Any exception from either parser is a refusal, never a crash.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import ClassVar

from pypdf import PdfReader

from server.errors import BilangKaryoError
from server.pdf_actions import refuse_active_content
from server.pdf_probe import run_probe

# A copy still in progress has no end-of-file marker yet; real PDFs end with
# `%%EOF` followed by at most a little whitespace or junk.
_TAIL_BYTES = 1024
# pdfium's verdicts, by sha256: a file's bytes decide it, so each is asked once.
_PROBED: OrderedDict[str, dict[str, object]] = OrderedDict()
_PROBED_MAX = 512
_probed_lock = threading.Lock()


class PdfError(BilangKaryoError):
    """The bytes are not a PDF that applicants could open, or not one we may serve.

    `reason` is a short code (e.g. "encrypted", "javascript") that callers map
    to a message for staff; `str(error)` is the English explanation.
    """

    status = 400

    def __init__(self, message: str, reason: str = "unreadable") -> None:
        super().__init__(message, f"pdf_{reason}")
        self.reason = reason


@dataclass(frozen=True)
class PdfInfo:
    pages: int


_MESSAGES = {
    "encrypted": "the PDF is encrypted or password-protected ({}); save it again without a "
    "password or protection",
    "javascript": "the PDF contains JavaScript ({}); export it again without scripts or form "
    "actions",
    "launch": "the PDF contains a launch action ({}); export it again without it",
    "embedded_file": "the PDF carries embedded files ({}); export it again without them",
    "action": "the PDF contains an active action ({}); export it again without it",
    "xfa": "the PDF contains an XFA form ({}); export it again as a plain PDF",
    "ambiguous": "the PDF can be read two ways ({}); export it again from the original",
    "unreadable": "the PDF cannot be read ({})",
    "no_pages": "the PDF has no pages ({})",
}


def refusal(reason: str, detail: str) -> PdfError:
    return PdfError(_MESSAGES.get(reason, _MESSAGES["unreadable"]).format(detail), reason)


def inspect_pdf(data: bytes) -> PdfInfo:
    if not data:
        raise PdfError("the file is empty", "empty")
    if not data.lstrip()[:5] == b"%PDF-":
        raise PdfError("not a PDF (it does not start with %PDF-)", "not_pdf")
    if b"%%EOF" not in data[-_TAIL_BYTES:]:
        raise PdfError(
            "the PDF is incomplete (no end-of-file marker); is it still being copied?", "incomplete"
        )
    pages = _pypdf_pages(data)
    if pages < 1:
        raise PdfError("the PDF has no pages", "no_pages")
    verdict = _pdfium_verdict(data)
    if "reason" in verdict:
        raise refusal(str(verdict["reason"]), str(verdict.get("detail", "")))
    if pages < 1 or verdict.get("pages") == 0:
        raise PdfError("the PDF has no pages", "no_pages")
    return PdfInfo(pages=pages)


def _pypdf_pages(data: bytes) -> int:
    """pypdf's view: encryption, a readable first page, and no active content anywhere."""
    with _RepeatedKeys.watching() as repeated:
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise refusal("encrypted", "it has an /Encrypt dictionary")
            pages = len(reader.pages)
            if pages:
                # Touching the first page proves its object tree is readable.
                reader.pages[0].mediabox  # noqa: B018
            refuse_active_content(reader, data)
        except PdfError:
            raise
        except Exception as exc:
            # Any parser failure (pypdf's errors, an AssertionError, a missing decoder for
            # an encryption kind, a recursion limit...) is a refusal, never a crash.
            if "crypt" in str(exc).lower() or "AES" in str(exc):
                raise refusal("encrypted", str(exc)) from None
            raise refusal("unreadable", f"{type(exc).__name__}: {exc}".strip(": ")) from None
    if repeated:
        raise refusal("ambiguous", f"a dictionary repeats the key {repeated[0]}")
    return pages


def _pdfium_verdict(data: bytes) -> dict[str, object]:
    digest = hashlib.sha256(data).hexdigest()
    with _probed_lock:
        known = _PROBED.get(digest)
    if known is not None:
        return known
    verdict = run_probe(data)
    with _probed_lock:
        _PROBED[digest] = verdict
        while len(_PROBED) > _PROBED_MAX:
            _PROBED.popitem(last=False)
    return verdict


class _RepeatedKeys(logging.Handler):
    """Collects pypdf's "Multiple definitions in dictionary" notes, per thread.

    pypdf keeps the first copy of a repeated key, pdfium the last: a file with a
    repeated key can hide an action from one reader that the other runs. No
    honest PDF writer repeats a key, so any repeat is refused.
    """

    _found: ClassVar[dict[int, list[str]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()
    _installed: ClassVar[bool] = False
    _key: ClassVar[re.Pattern[str]] = re.compile(r"for key (\S+)")

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Multiple definitions" in message and record.thread is not None:
            match = self._key.search(message)
            with self._lock:
                found = self._found.get(record.thread)
                if found is not None:
                    found.append(match[1] if match else "?")

    @classmethod
    def watching(cls) -> _Watch:
        with cls._lock:
            if not cls._installed:
                logger = logging.getLogger("pypdf")
                # pypdf logs recoverable damage as warnings; we judge by the result instead,
                # except for repeated keys, which this handler notes.
                logger.setLevel(logging.WARNING)
                logger.propagate = False
                logger.addHandler(cls())
                cls._installed = True
        return _Watch(cls._found, cls._lock)


class _Watch:
    def __init__(self, found: dict[int, list[str]], lock: threading.Lock) -> None:
        self.found, self.lock = found, lock
        self.thread = threading.get_ident()

    def __enter__(self) -> list[str]:
        with self.lock:
            self.found[self.thread] = []
            return self.found[self.thread]

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.found.pop(self.thread, None)
