"""The in-app reader's cost: bytes per page against the PDF, render time per page, index size.

1. Each sample guide's PDF, its pages as the reader serves them (WebP at 1080 px), and the
   render time per page (median of several renders, each into a fresh folder).
2. A generated 10 MB PDF of ten photo-like pages (random colour noise, which no encoder can
   shrink: the worst case a scanned guide could be), rendered once.
3. The search index of the sample catalog, per language: raw, gzip and brotli, as served.

Usage: .venv/bin/python bench/reader_sizes.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fpdf import FPDF  # noqa: E402
from PIL import Image  # noqa: E402

from server.catalog import load_catalog  # noqa: E402
from server.guide_text import TextStore  # noqa: E402
from server.languages import shipped_languages  # noqa: E402
from server.page_render import render_pdf  # noqa: E402
from server.prebuilt import IMMUTABLE, prebuild  # noqa: E402
from server.search import build_entries, build_index, office_glossary  # noqa: E402
from server.storage.files import sha256_hex  # noqa: E402

SAMPLES = ROOT / "guides"


def _render_seconds(data: bytes) -> tuple[float, list[int]]:
    """One render into a fresh folder: seconds per page, and each page's bytes."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        edition = render_pdf(data, Path(folder), lambda done, total: None)
        elapsed = time.perf_counter() - started
    return elapsed / len(edition.pages), [page.size for page in edition.pages]


def sample_guides(runs: int) -> list[dict[str, Any]]:
    rows = []
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        data = pdf.read_bytes()
        times: list[float] = []
        sizes: list[int] = []
        for _ in range(runs):
            seconds, sizes = _render_seconds(data)
            times.append(seconds)
        rows.append(
            {
                "guide": pdf.name,
                "pdf_bytes": len(data),
                "pages": len(sizes),
                "page_bytes": sizes,
                "bytes_per_page": round(statistics.mean(sizes)),
                "ms_per_page": round(statistics.median(times) * 1000),
            }
        )
    return rows


def ten_megabyte_pdf() -> bytes:
    """Ten A4 pages, each a full-page photo of colour noise (about 1 MB a page)."""
    rng = random.Random(10)
    pdf = FPDF()
    for _ in range(10):
        pdf.add_page()
        side = 590
        picture = Image.frombytes("RGB", (side, side), rng.randbytes(3 * side * side))
        buffer = io.BytesIO()
        picture.save(buffer, "PNG", compress_level=0)
        pdf.image(buffer, x=10, y=10, w=190)
    return bytes(pdf.output())


def large_guide() -> dict[str, Any]:
    data = ten_megabyte_pdf()
    seconds, sizes = _render_seconds(data)
    return {
        "pdf_bytes": len(data),
        "pages": len(sizes),
        "bytes_per_page": round(statistics.mean(sizes)),
        "ms_per_page": round(seconds * 1000),
    }


def search_indexes() -> dict[str, dict[str, int]]:
    with tempfile.TemporaryDirectory() as folder:
        catalog = load_catalog(SAMPLES)
        texts = TextStore(Path(folder) / "text")
        for gfile in catalog.files():
            data = (SAMPLES / gfile.filename).read_bytes()
            texts.make(sha256_hex(data), data)
        sizes = {}
        for lang in shipped_languages().codes:
            entries = build_entries(catalog, lang, texts.shown)
            index = build_index(entries, lang, office_glossary())
            served = prebuild(index.body, "application/json", IMMUTABLE)
            sizes[lang] = {
                "raw": len(index.body),
                "gzip": len(served.gzip or index.body),
                "br": len(served.br or index.body),
            }
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="renders per sample guide [5]")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    samples = sample_guides(args.runs)
    figures = {
        "samples": samples,
        "sample_ms_per_page_median": statistics.median(r["ms_per_page"] for r in samples),
        "large": large_guide(),
        "search_index": search_indexes(),
    }
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    print(f"{'guide':<32}{'PDF':>9}{'pages':>7}{'bytes/page':>12}{'ms/page':>9}")
    for row in samples:
        print(
            f"{row['guide']:<32}{row['pdf_bytes']:>9}{row['pages']:>7}"
            f"{row['bytes_per_page']:>12}{row['ms_per_page']:>9}"
        )
    large = figures["large"]
    print(
        f"{'10 MB generated (noise photos)':<32}{large['pdf_bytes']:>9}{large['pages']:>7}"
        f"{large['bytes_per_page']:>12}{large['ms_per_page']:>9}"
    )
    print(f"median render time per sample page: {figures['sample_ms_per_page_median']} ms")
    for lang, size in figures["search_index"].items():
        print(
            f"search index ({lang}): {size['raw']} B raw, {size['gzip']} B gzip, "
            f"{size['br']} B brotli"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
