"""Draws the app's PNG icons in pwa/static/icons/ from the same shapes as icons/icon.svg.

Phones need raster icons: 192 and 512 px for the web app manifest, the same two as "maskable"
icons (full-bleed background, the art inside the central safe-zone circle, so Android can cut
any shape out of them), and the 180 px `apple-touch-icon` for iOS. The output is
deterministic, so a rebuild gives byte-identical files.

Usage: python scripts/make_icons.py [--out DIR]
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from PIL import Image, ImageDraw

RED = (183, 28, 28, 255)  # #B71C1C, the office's theme colour
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)
# Drawn this many times larger, then scaled down, for smooth edges.
SUPERSAMPLE = 4
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "pwa" / "static" / "icons"

# (file name, size in px, full-bleed background, share of the side the document takes)
ICONS = (
    ("icon-192.png", 192, False, 0.5625),
    ("icon-512.png", 512, False, 0.5625),
    # Maskable: the safe zone is the circle of radius 40% of the side around the centre;
    # the document's corners sit at about 30% of the side from the centre.
    ("maskable-192.png", 192, True, 0.45),
    ("maskable-512.png", 512, True, 0.45),
    # iOS rounds the corners itself and shows transparency as black: fill everything.
    ("apple-touch-icon-180.png", 180, True, 0.5625),
)


def draw_icon(size: int, full_bleed: bool, art_height: float) -> Image.Image:
    """The icon.svg design: a white document card with a round photo hole and a name line."""
    side = size * SUPERSAMPLE
    image = Image.new("RGBA", (side, side), RED if full_bleed else CLEAR)
    draw = ImageDraw.Draw(image)
    if not full_bleed:
        draw.rounded_rectangle((0, 0, side - 1, side - 1), radius=side * 12 // 64, fill=RED)
    # icon.svg's document is 32 x 36 units of 64, centred; scale it to `art_height`.
    unit = art_height * side / 36
    centre = side / 2

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        """Converts icon.svg coordinates (document centred on 32, 32) to pixels."""
        return (
            centre + (x0 - 32) * unit,
            centre + (y0 - 32) * unit,
            centre + (x1 - 32) * unit,
            centre + (y1 - 32) * unit,
        )

    draw.rounded_rectangle(box(16, 14, 48, 50), radius=4 * unit, fill=WHITE)
    draw.ellipse(box(24, 22, 40, 38), fill=RED)
    draw.rectangle(box(24, 42, 40, 45), fill=RED)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def png_bytes(image: Image.Image) -> bytes:
    # A small palette keeps each file a few KB; the icons are flat colours.
    out = io.BytesIO()
    image.quantize(colors=32, method=Image.Quantize.FASTOCTREE).save(out, "PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Draw the app's PNG icons.")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})"
    )
    out: Path = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    for name, size, full_bleed, art in ICONS:
        target = out / name
        # Write a hidden file, then rename it, so the running site never sees half an icon.
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(png_bytes(draw_icon(size, full_bleed, art)))
        partial.replace(target)
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
