"""Checks that a file is a complete, readable PDF, and reads its page count."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError

# A copy still in progress has no end-of-file marker yet; real PDFs end with
# `%%EOF` followed by at most a little whitespace or junk.
_TAIL_BYTES = 1024


class PdfError(Exception):
    """The bytes are not a PDF that applicants could open."""


@dataclass(frozen=True)
class PdfInfo:
    pages: int


def inspect_pdf(data: bytes) -> PdfInfo:
    if not data:
        raise PdfError("the file is empty")
    if not data.lstrip()[:5] == b"%PDF-":
        raise PdfError("not a PDF (it does not start with %PDF-)")
    if b"%%EOF" not in data[-_TAIL_BYTES:]:
        raise PdfError("the PDF is incomplete (no end-of-file marker); is it still being copied?")
    # pypdf logs recoverable damage as warnings; we judge by the result instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfError(
                "the PDF is encrypted or password-protected; save it again without a password"
            )
        pages = len(reader.pages)
        if pages:
            # Touching the first page proves its object tree is readable.
            reader.pages[0].mediabox  # noqa: B018
    except PdfError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise PdfError(f"the PDF cannot be read ({exc})") from None
    if pages < 1:
        raise PdfError("the PDF has no pages")
    return PdfInfo(pages=pages)
