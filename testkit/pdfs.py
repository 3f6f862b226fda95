"""Small PDFs made on the fly for tests: valid, damaged, encrypted."""

from __future__ import annotations

import io

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter


def make_pdf(text: str = "Panduan uji", pages: int = 1) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=14)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(text=f"{text} - {number + 1}")
    return bytes(pdf.output())


def make_encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("Rahasia"))))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
