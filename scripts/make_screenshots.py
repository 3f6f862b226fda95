"""Takes the install-sheet screenshots in pwa/static/screenshots/ from the running site.

Chrome shows the web app manifest's screenshots in its richer install sheet: "narrow" ones on
phones, "wide" ones on desktops. This starts `bilang-karyo serve` on the sample guides, opens
the pages in Debian's chromium, and saves each shot as a small palette PNG. Rebuild them when
the pages' look changes.

Usage: python scripts/make_screenshots.py [--out DIR]
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testkit.browser import CHROMIUM, CHROMIUM_ARGS, wait_for_control  # noqa: E402
from testkit.server import start_server  # noqa: E402

DEFAULT_OUT = ROOT / "pwa" / "static" / "screenshots"
# (file name pattern, page, CSS viewport width and height, device pixel ratio). Chrome wants
# sides of 320 to 3840 px, the long one at most 2.3 times the short one, and one aspect ratio
# per form factor.
SHOTS = (
    ("home-narrow.{lang}.png", "/", 360, 740, 1.5),
    ("guide-narrow.{lang}.png", "/guides/izin-tinggal", 360, 740, 1.5),
    ("home-wide.{lang}.png", "/", 1280, 800, 1.0),
)
PREFIXES = {"id": "", "en": "/en"}


def shrink(png: bytes) -> bytes:
    out = io.BytesIO()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Take the install-sheet screenshots.")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})"
    )
    out: Path = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        guides = work / "guides"
        shutil.copytree(ROOT / "guides", guides)
        server = start_server(guides, ROOT / "office.toml", work / "data", work / "server.log")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for pattern, path, width, height, scale in SHOTS:
                    for lang, prefix in PREFIXES.items():
                        context = browser.new_context(
                            viewport={"width": width, "height": height},
                            device_scale_factor=scale,
                            color_scheme="light",
                        )
                        page = context.new_page()
                        page.goto(server.url + prefix + path, wait_until="load")
                        wait_for_control(page)
                        if path.startswith("/guides/"):
                            # Show a guide as saved for offline, as applicants see it.
                            page.click("a[data-guide-file]")
                            page.go_back()
                            page.wait_for_selector("#offline-status.is-saved")
                        target = out / pattern.format(lang=lang)
                        partial = target.with_name(f".{target.name}.partial")
                        partial.write_bytes(shrink(page.screenshot()))
                        partial.replace(target)
                        print(f"wrote {target}")
                        context.close()
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
