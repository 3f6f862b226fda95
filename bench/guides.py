"""Generated guides for the bench: real PDFs of a chosen size and the folders that list them."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from server.catalog_file import CATALOG_NAME, parse_catalog
from server.settings import PROJECT_ROOT

SAMPLE_GUIDES = PROJECT_ROOT / "guides"
SAMPLE_OFFICE = PROJECT_ROOT / "office.toml"

# The image is a grey noise picture, so the file cannot be compressed away
# and a PDF library (or a page renderer) sees an ordinary, valid page.
_IMAGE_WIDTH = 1024
_PDF_OVERHEAD = 1200


def make_pdf(size: int, title: str, seed: int) -> bytes:
    """A one-page PDF of about `size` bytes: a line of text and an uncompressed image."""
    height = max(1, (size - _PDF_OVERHEAD) // _IMAGE_WIDTH)
    pixels = random.Random(seed).randbytes(_IMAGE_WIDTH * height)
    # Fit the image in a 500 x 650 pt box on an A4 page.
    scale = min(500 / _IMAGE_WIDTH, 650 / height)
    shown_w, shown_h = _IMAGE_WIDTH * scale, height * scale
    text = "".join(c for c in title if c.isalnum() or c in " -")
    content = (
        f"q {shown_w:.2f} 0 0 {shown_h:.2f} 50 {740 - shown_h:.2f} cm /Im1 Do Q "
        f"BT /F1 20 Tf 50 780 Td ({text}) Tj ET"
    ).encode()
    image_dict = (
        f"<< /Type /XObject /Subtype /Image /Width {_IMAGE_WIDTH} /Height {height} "
        f"/ColorSpace /DeviceGray /BitsPerComponent 8 /Length {len(pixels)} >>"
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
        b"<< /Font << /F1 4 0 R >> /XObject << /Im1 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        image_dict + b"\nstream\n" + pixels + b"\nendstream",
        f"<< /Length {len(content)} >>".encode() + b"\nstream\n" + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


def copy_sample_guides(target: Path) -> Path:
    """A private copy of the shipped sample guides (the bench may add files to it)."""
    shutil.copytree(SAMPLE_GUIDES, target, ignore=shutil.ignore_patterns("README.md"))
    return target


def make_guides_folder(target: Path, count: int, size: int) -> Path:
    """A guides folder with `count` guides, each one Indonesian PDF of about `size` bytes."""
    target.mkdir(parents=True)
    entries = []
    for number in range(1, count + 1):
        slug = f"panduan-uji-{number:02d}"
        name = f"{slug}.id.pdf"
        (target / name).write_bytes(make_pdf(size, f"Panduan uji {number}", seed=number))
        entries.append(
            f"""[[guide]]
slug = "{slug}"
order = {number * 10}
featured = {"true" if number <= 3 else "false"}
last_checked = 2026-11-27
sources = ["Bilang Karyo bench"]
title.id = "Panduan uji {number}"
title.en = "Test guide {number}"
summary.id = "Panduan buatan untuk mengukur server."
summary.en = "A generated guide to measure the server."
files.id = "{name}"
"""
        )
    (target / "catalog.toml").write_text("\n".join(entries), encoding="utf-8")
    return target


def generated_guides(work_dir: Path, count: int, size: int) -> Path:
    """The shared folder of generated guides for this run, made on first use."""
    target = work_dir / f"generated-guides-{count}x{size}"
    if not target.exists():
        make_guides_folder(target, count, size)
    return target


def guide_count(guides: Path) -> int:
    """How many guides the folder's catalog shows (retired ones aside)."""
    entries = parse_catalog((guides / CATALOG_NAME).read_text(encoding="utf-8"), guides)
    return sum(1 for entry in entries if not entry.retired)
