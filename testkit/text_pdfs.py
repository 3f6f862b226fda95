"""PDFs made on the fly for the text version: two columns, a link, a hyphenated line end, a scan."""

from __future__ import annotations

import io

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

LEFT_COLUMN = (
    "Pemohon yang kehilangan paspor melapor",
    "ke kantor polisi terdekat dan mem-",
    "bawa surat keterangan hilang ke kantor",
    "imigrasi. Petugas memeriksa data lama.",
)
RIGHT_COLUMN = (
    "Biaya penggantian paspor hilang dibayar",
    "lewat kode billing yang dikirim setelah",
    "wawancara selesai. Informasi lengkap",
    "ada di situs resmi imigrasi.",
)
LINK_URL = "https://www.imigrasi.go.id/"


def two_column_pdf() -> bytes:
    """A heading across the page, then two columns of text: read left, then right."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.set_xy(50, 50)
    pdf.cell(text="Paspor hilang")
    pdf.set_font("Helvetica", "", 11)
    for column, lines in ((50, LEFT_COLUMN), (310, RIGHT_COLUMN)):
        for row, line in enumerate(lines * 5):
            pdf.set_xy(column, 100 + row * 14)
            link = LINK_URL if "situs resmi" in line else ""
            pdf.cell(w=240, h=12, text=line, link=link)
    return bytes(pdf.output())


def scanned_pdf(lines: tuple[str, ...]) -> bytes:
    """One page that is only a picture of text, as a scanner makes it."""
    image = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 44)
    for row, line in enumerate(lines):
        draw.text((160, 200 + row * 80), line, fill=0, font=font)
    png = io.BytesIO()
    image.save(png, "PNG")
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.image(io.BytesIO(png.getvalue()), x=0, y=0, w=pdf.w, h=pdf.h)
    return bytes(pdf.output())
