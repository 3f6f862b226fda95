"""Measure the printed poster's QR code: its size in mm, and the farthest distance at which the
simulated phone camera (testkit/camera.py) decodes it with a 720p and a 1080p preview.

    .venv/bin/python scripts/measure_poster_scan.py

It starts the site on a free loopback port, prints /poster to PDF with chromium as an office
printer would get it, and searches outwards from 0.5 m in 0.1 m steps (three noisy frames
must all decode at a distance). Takes about a minute.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pypdfium2 as pdfium
import zxingcpp
from playwright.sync_api import sync_playwright

from server.office import load_office
from testkit.browser import CHROMIUM, CHROMIUM_ARGS
from testkit.camera import DPI, farthest_decode, modules_of
from testkit.server import SAMPLE_GUIDES, SAMPLE_OFFICE, start_server


def main() -> int:
    office = load_office(SAMPLE_OFFICE)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        server = start_server(SAMPLE_GUIDES, SAMPLE_OFFICE, work / "data", work / "server.log")
        try:
            with sync_playwright() as driver:
                chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = chromium.new_page()
                page.goto(server.url + "/poster")
                pdf = page.pdf(prefer_css_page_size=True, print_background=True)
                chromium.close()
        finally:
            server.stop()
    image = pdfium.PdfDocument(pdf)[0].render(scale=DPI / 72).to_pil()
    found = zxingcpp.read_barcodes(image)
    corners = found[0].position
    side_px = math.dist(
        (corners.top_left.x, corners.top_left.y), (corners.top_right.x, corners.top_right.y)
    )
    modules = modules_of(office.qr_url)
    module_mm = side_px / modules * 25.4 / DPI
    print(f"QR code: {modules} modules, {module_mm:.2f} mm each")
    symbol_mm, whole_mm = module_mm * modules, module_mm * (modules + 8)
    print(f"  symbol {symbol_mm:.0f} mm; with its quiet zone {whole_mm:.0f} mm")
    for preview in ("720p", "1080p"):
        farthest = farthest_decode(image, DPI, preview, office.qr_url)
        print(f"  decodes up to {farthest:.1f} m ({preview})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
