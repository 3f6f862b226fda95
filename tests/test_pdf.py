from __future__ import annotations

import pytest

from server.pdf import PdfError, inspect_pdf
from tests.pdfs import make_encrypted_pdf, make_pdf


def test_counts_pages_of_a_good_pdf() -> None:
    assert inspect_pdf(make_pdf(pages=3)).pages == 3


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"<html>not a pdf</html>", "not a PDF"),
        (make_pdf()[:400], "incomplete"),
        (make_encrypted_pdf(), "encrypted"),
    ],
    ids=["empty", "html", "truncated", "encrypted"],
)
def test_refuses_what_applicants_could_not_open(data: bytes, reason: str) -> None:
    with pytest.raises(PdfError, match=reason):
        inspect_pdf(data)


def test_garbage_between_header_and_eof_marker_is_refused() -> None:
    with pytest.raises(PdfError):
        inspect_pdf(b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\n%%EOF\n")
