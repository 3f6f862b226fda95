"""Checks that a file is a complete, readable PDF, and reads its page count."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

# A copy still in progress has no end-of-file marker yet; real PDFs end with
# `%%EOF` followed by at most a little whitespace or junk.
_TAIL_BYTES = 1024


class PdfError(Exception):
    """The bytes are not a PDF that applicants could open, or not one we may serve.

    `reason` is a short code (e.g. "encrypted", "javascript") that callers map
    to a message for staff; `str(error)` is the English explanation.
    """

    def __init__(self, message: str, reason: str = "unreadable") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class PdfInfo:
    pages: int


def inspect_pdf(data: bytes) -> PdfInfo:
    if not data:
        raise PdfError("the file is empty", "empty")
    if not data.lstrip()[:5] == b"%PDF-":
        raise PdfError("not a PDF (it does not start with %PDF-)", "not_pdf")
    if b"%%EOF" not in data[-_TAIL_BYTES:]:
        raise PdfError(
            "the PDF is incomplete (no end-of-file marker); is it still being copied?", "incomplete"
        )
    # pypdf logs recoverable damage as warnings; we judge by the result instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfError(
                "the PDF is encrypted or password-protected; save it again without a password",
                "encrypted",
            )
        pages = len(reader.pages)
        if pages:
            # Touching the first page proves its object tree is readable.
            reader.pages[0].mediabox  # noqa: B018
        refuse_active_content(reader)
    except PdfError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise PdfError(f"the PDF cannot be read ({exc})") from None
    if pages < 1:
        raise PdfError("the PDF has no pages", "no_pages")
    return PdfInfo(pages=pages)


_ACTIVE_CONTENT = {
    "javascript": "the PDF contains JavaScript; export it again without scripts or form actions",
    "launch": "the PDF contains a launch action (it would start a program); export it again "
    "without it",
    "embedded_file": "the PDF carries embedded files (attachments); export it again without them",
}
# Nobody's guide has this many objects; a file that does is built to exhaust us.
_MAX_OBJECTS = 500_000


def refuse_active_content(reader: PdfReader) -> None:
    """Raise `PdfError` if anything reachable in the file is a script, launch or attachment.

    Walks every object reachable from the trailer (compressed object streams and
    escaped names included, since pypdf decodes them) and looks at dictionary keys
    only; stream contents are never decoded.
    """
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = [reader.trailer]
    visited = 0
    while stack:
        obj: PdfObject | None = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > _MAX_OBJECTS:
            raise PdfError("the PDF has too many objects to check", "unreadable")
        if isinstance(obj, DictionaryObject):
            reason = _active_reason(obj)
            if reason is not None:
                raise PdfError(_ACTIVE_CONTENT[reason], reason)
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def _active_reason(obj: DictionaryObject) -> str | None:
    if "/JS" in obj or "/JavaScript" in obj or _name(obj, "/S") == "/JavaScript":
        return "javascript"
    if _name(obj, "/S") == "/Launch":
        return "launch"
    if (
        "/EmbeddedFiles" in obj
        or "/EF" in obj
        or _name(obj, "/Type") == "/EmbeddedFile"
        or _name(obj, "/Subtype") == "/FileAttachment"
    ):
        return "embedded_file"
    return None


def _name(obj: DictionaryObject, key: str) -> str | None:
    value = obj.get(key)
    if isinstance(value, IndirectObject):
        value = value.get_object()
    return str(value) if value is not None else None
