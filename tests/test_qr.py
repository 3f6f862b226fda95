"""The QR code must decode back to the public URL with its scan marker."""

from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image, ImageDraw
from starlette.testclient import TestClient

from server.qr import qr_png, qr_svg

URL = "https://imigo.dev/infokanimjogja?src=qr"
# What the site serves: the landing page's own address under the root path, so no redirect.
SERVED_URL = "https://imigo.dev/infokanimjogja/?src=qr"


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def svg_to_image(svg: bytes, scale: int = 8) -> Image.Image:
    """Rasterise our SVG's run-length path, so the test checks the SVG's own geometry."""
    text = svg.decode()
    size_match = re.search(r'viewBox="0 0 (\d+) (\d+)"', text)
    assert size_match
    size = int(size_match.group(1))
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)", text):
        left, top = int(x) * scale, int(y) * scale
        draw.rectangle([left, top, left + int(width) * scale - 1, top + scale - 1], fill=0)
    return image


def test_png_decodes_to_the_url() -> None:
    assert decode(Image.open(io.BytesIO(qr_png(URL)))) == [URL]


def test_svg_decodes_to_the_url() -> None:
    assert decode(svg_to_image(qr_svg(URL))) == [URL]


def test_served_codes_carry_the_scan_marker(client: TestClient) -> None:
    png = client.get("/qr.png")
    assert png.headers["content-type"] == "image/png"
    assert decode(Image.open(io.BytesIO(png.content))) == [SERVED_URL]
    svg = client.get("/qr.svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert decode(svg_to_image(svg.content)) == [SERVED_URL]
