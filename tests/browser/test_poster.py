"""The printed poster and counter cards, as chromium prints them: sizes, contents, and whether a
phone's camera preview decodes the poster's QR code from across the room (testkit/camera.py)."""

from __future__ import annotations

import math

import pypdfium2 as pdfium
import pytest
import qrcode
import qrcode.constants
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser as Chromium

from server.office import load_office
from testkit.browser import catalog
from testkit.camera import DPI, decodes, modules_of
from testkit.server import SAMPLE_OFFICE, LiveServer

pytestmark = pytest.mark.browser

A4_PT, A6_PT = (595.3, 841.9), (297.6, 419.5)


def printed(chromium: Chromium, url: str) -> pdfium.PdfDocument:
    """The page as chromium prints it to PDF, at the paper size its CSS asks for."""
    page = chromium.new_page()
    try:
        page.goto(url)
        return pdfium.PdfDocument(page.pdf(prefer_css_page_size=True, print_background=True))
    finally:
        page.close()


def raster(document: pdfium.PdfDocument, index: int = 0) -> Image.Image:
    image: Image.Image = document[index].render(scale=DPI / 72).to_pil()
    return image


def text_of(document: pdfium.PdfDocument, index: int = 0) -> str:
    textpage = document[index].get_textpage()
    try:
        text: str = textpage.get_text_range()
    finally:
        textpage.close()
    return " ".join(text.split())


def paper_size(document: pdfium.PdfDocument) -> tuple[float, float]:
    width, height = document[0].get_size()
    return round(width, 1), round(height, 1)


def test_the_poster_code_is_over_150_mm_and_scans_from_2_m_with_a_720p_preview(
    chromium: Chromium, live_server: LiveServer
) -> None:
    office = load_office(SAMPLE_OFFICE)
    document = printed(chromium, live_server.url + "/poster")
    # One A4 sheet: nothing spills onto a second page.
    assert len(document) == 1
    assert paper_size(document) == pytest.approx(A4_PT, abs=1)
    image = raster(document)
    found = zxingcpp.read_barcodes(image)
    assert [code.text for code in found] == [office.qr_url]
    corners = found[0].position
    side_px = math.dist(
        (corners.top_left.x, corners.top_left.y), (corners.top_right.x, corners.top_right.y)
    )
    modules = modules_of(office.qr_url)
    module_mm = side_px / modules * 25.4 / DPI
    with_quiet_zone_mm = module_mm * (modules + 8)
    assert with_quiet_zone_mm >= 150, f"{with_quiet_zone_mm:.0f} mm"
    # The quiet zone (4 modules all round) is blank paper on the printout.
    quiet = round(4 * module_mm / 25.4 * DPI)
    left, top = round(corners.top_left.x), round(corners.top_left.y)
    ring = image.convert("L").crop(
        (left - quiet, top - quiet, left + round(side_px) + quiet, top + round(side_px) + quiet)
    )
    for band in (
        (0, 0, ring.width, quiet - 2),  # above
        (0, 0, quiet - 2, ring.height),  # left
        (ring.width - quiet + 2, 0, ring.width, ring.height),  # right
        (0, ring.height - quiet + 2, ring.width, ring.height),  # below
    ):
        darkest, _ = ring.crop(band).getextrema()
        assert isinstance(darkest, int) and darkest > 230, band
    # From across the room: 2 m away, a cheap phone's 720p preview.
    assert decodes(image, DPI, 2.0, "720p", office.qr_url)


def test_the_poster_says_what_the_site_holds_in_both_languages(
    chromium: Chromium, live_server: LiveServer
) -> None:
    text = text_of(printed(chromium, live_server.url + "/poster"))
    assert "imigo.dev/infokanimjogja" in text
    assert "https://" not in text  # the short address, to type
    for guide in catalog(live_server.url)["guides"]:
        if guide["featured"]:
            assert " ".join(guide["title"]["id"].split()) in text
            assert " ".join(guide["title"]["en"].split()) in text
    assert "Cek Alur Paspor" in text and "Check passport status" in text


def old_poster(qr_mm: float) -> Image.Image:
    """An A4 page with the shipped poster's QR code as it was: 94 mm with its quiet zone."""
    page = Image.new("L", (round(210 / 25.4 * DPI), round(297 / 25.4 * DPI)), 255)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1)
    code.add_data("https://imigo.dev/infokanimjogja?src=qr")
    code.make(fit=True)
    side = round(qr_mm / 25.4 * DPI)
    symbol = code.make_image().convert("L").resize((side, side), Image.Resampling.NEAREST)
    page.paste(symbol, ((page.width - side) // 2, round(50 / 25.4 * DPI)))
    return page


def test_the_camera_model_reproduces_what_was_seen_with_the_old_poster() -> None:
    """The issue: the 94 mm code decoded at 1 m, and at 2 m only with a 1080p preview."""
    page, url = old_poster(94), "https://imigo.dev/infokanimjogja?src=qr"
    assert decodes(page, DPI, 1.0, "720p", url)
    assert decodes(page, DPI, 1.0, "1080p", url)
    assert decodes(page, DPI, 2.0, "1080p", url)
    assert not decodes(page, DPI, 2.0, "720p", url)


def test_counter_cards_print_on_a6_and_scan_to_their_guide(
    chromium: Chromium, live_server: LiveServer
) -> None:
    office = load_office(SAMPLE_OFFICE)
    guides = catalog(live_server.url)["guides"]
    for guide in guides:
        document = printed(chromium, f"{live_server.url}/poster/{guide['slug']}")
        assert len(document) == 1
        assert paper_size(document) == pytest.approx(A6_PT, abs=1)
        codes = [code.text for code in zxingcpp.read_barcodes(raster(document))]
        assert codes == [office.page_url(f"/guides/{guide['slug']}") + "?src=qr"]
        text = text_of(document)
        assert " ".join(guide["title"]["id"].split()) in text
    # All of them, four A6 cards to each A4 sheet.
    sheet = printed(chromium, live_server.url + "/cards")
    assert len(sheet) == math.ceil(len(guides) / 4)
    assert paper_size(sheet) == pytest.approx(A4_PT, abs=1)
    on_sheets = {
        code.text
        for index in range(len(sheet))
        for code in zxingcpp.read_barcodes(raster(sheet, index))
    }
    assert on_sheets == {office.page_url(f"/guides/{g['slug']}") + "?src=qr" for g in guides}
