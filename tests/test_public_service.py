"""The public-service page, the no-brokers notice on the passport guides, and the office's
hours and map as the landing page renders them without JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings


def test_the_page_names_every_item_in_both_languages(client: TestClient) -> None:
    page = client.get("/public-service").text
    for text in ("Standar Pelayanan", "Maklumat Pelayanan", "Survei Kepuasan Masyarakat",
                 "SP4N-LAPOR!", "Ombudsman Republik Indonesia", "tanpa calo", "kode billing",
                 "ibu hamil dan menyusui"):  # fmt: skip
        assert text in page, text
    assert 'href="https://www.lapor.go.id/"' in page
    assert 'href="https://sippn.menpan.go.id/"' in page
    # Not published yet (empty in office.toml): the applicant is told to ask.
    assert page.count("tanyakan kepada petugas di kantor") == 2
    english = client.get("/en/public-service").text
    assert "Service standards" in english and "Pay only the official fee" in english
    assert 'hreflang="en"' in english


def test_the_landing_page_links_it(client: TestClient) -> None:
    assert 'href="/public-service"' in client.get("/").text
    assert 'href="/en/public-service"' in client.get("/en/").text


def test_a_guide_can_be_the_maklumat(settings: Settings, office_file: Path) -> None:
    text = office_file.read_text()
    text = text.replace(
        '[public_service.maklumat_pelayanan]\nurl = ""\nguide = ""',
        '[public_service.maklumat_pelayanan]\nurl = ""\nguide = "pelaporan-status-sipil"',
    )
    office_file.write_text(text)
    with TestClient(create_app(settings)) as client:
        page = client.get("/public-service").text
    assert '<a href="/guides/pelaporan-status-sipil">Lihat Maklumat Pelayanan</a>' in page


def test_only_the_passport_guides_carry_the_no_brokers_notice(client: TestClient) -> None:
    for slug, expected in (("antrian-paspor", True), ("pembuatan-paspor", True),
                           ("izin-tinggal", False), ("pelaporan-status-sipil", False)):  # fmt: skip
        assert ('class="note no-brokers"' in client.get(f"/guides/{slug}").text) is expected
    assert "Pay only the official fee" in client.get("/en/guides/pembuatan-paspor").text


def test_every_guide_asks_was_this_helpful(client: TestClient) -> None:
    for path in ("/guides/izin-tinggal", "/en/guides/izin-tinggal"):
        page = client.get(path).text
        assert '<form method="post" action="/api/feedback" class="feedback-form"' in page
        assert 'name="guide" value="izin-tinggal"' in page and 'maxlength="500"' in page
    assert "Apakah informasi ini membantu?" in client.get("/guides/izin-tinggal").text
    assert "Was this helpful?" in client.get("/en/guides/izin-tinggal").text


def test_hours_units_and_map_render_without_javascript(client: TestClient) -> None:
    page = client.get("/").text
    week = re.findall(r"<li><span>([^<]+)</span> <span>([^<]+)</span></li>", page)
    assert week[:3] == [
        ("Senin-Kamis", "08.00-12.00, 13.00-15.00"),
        ("Jumat", "08.00-11.30, 13.00-15.00"),
        ("Sabtu-Minggu", "Tutup"),
    ]
    assert ">ULP Lippo Plaza Jogja</h3>" in page and ">ULP Bantul</h3>" in page
    assert page.count("Belum dipastikan apakah unit layanan ini masih buka") == 2
    assert 'href="geo:-7.783,110.43?q=-7.783,110.43(Kanim%20Jogja)"' in page
    assert "https://www.openstreetmap.org/?mlat=-7.783&amp;mlon=110.43" in page
    english = client.get("/en/").text
    assert "<li><span>Monday-Thursday</span> <span>08:00-12:00, 13:00-15:00</span></li>" in english
    # The line "open now" is written by office.js; the JSON it reads is in the page.
    assert '<p class="hours-now js-only" data-place="office"></p>' in page
    assert (
        '<script type="application/json" id="office-data">{"lang":"id","timezone":"Asia/Jakarta"'
        in page
    )


def test_healthz_and_check_flag_what_the_office_has_not_confirmed(client: TestClient) -> None:
    warnings = "\n".join(client.get("/healthz").json()["warnings"])
    expected = [
        "hours are not confirmed",
        "map coordinates are not confirmed",
        "units[0] (ULP Lippo Plaza Jogja): not confirmed to be still open",
        "public_service.survey is not set",
        "public_service.ombudsman (https://ombudsman.go.id/) is not confirmed",
    ]
    assert [text for text in expected if text not in warnings] == []


def test_a_missing_guide_named_in_office_toml_is_flagged_by_check(
    guides_dir: Path, office_file: Path
) -> None:
    from server.check import run_check

    office_file.write_text(
        office_file.read_text().replace('"antrian-paspor", "pembuatan-paspor"', '"visa-lama"')
    )
    report = run_check(guides_dir, office_file)
    assert (
        "OK",
        "time zone Asia/Jakarta (WIB); hours for 3 place(s), 2 dated closure(s), 0 special day(s)",
    ) in report.lines
    assert ("WARN", f"{office_file}: public_service.no_brokers_guides names 'visa-lama', "
            "which is not in the catalog") in report.lines  # fmt: skip
    assert report.problems == 0
