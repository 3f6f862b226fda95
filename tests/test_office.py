from __future__ import annotations

from pathlib import Path

import pytest

from server.office import OfficeError, load_office


def test_loads_the_shipped_office_file(office_file: Path) -> None:
    office = load_office(office_file)
    assert office.name == "Kantor Imigrasi Kelas I TPI Yogyakarta"
    assert office.whatsapp.url == "https://wa.me/628112578223?text=MENU"
    assert office.qr_url == "https://imigo.dev/infokanimjogja/?src=qr"
    assert [link.name for link in office.social] == [
        "Instagram",
        "Facebook",
        "X",
        "YouTube",
        "TikTok",
    ]


def test_unconfirmed_whatsapp_number_is_flagged(office_file: Path) -> None:
    warnings = load_office(office_file).warnings()
    assert any("whatsapp.number" in w and "2020" in w for w in warnings)


def test_confirmed_values_are_not_flagged(office_file: Path) -> None:
    office_file.write_text(office_file.read_text().replace("confirmed = false", "confirmed = true"))
    # Confirmed but still empty: the office has not published these yet.
    assert [w.split(": ", 1)[1] for w in load_office(office_file).warnings()] == [
        "public_service.maklumat_pelayanan is not set; applicants are told to ask at the office",
        "public_service.survey is not set; applicants are told to ask at the office",
        "public_service.office_contact is not set",
    ]
    text = office_file.read_text().replace('url = ""', 'url = "https://example.go.id/x"')
    text = text.replace('id = ""\nen = ""', 'id = "Loket pengaduan"\nen = "Complaints desk"')
    office_file.write_text(text)
    assert load_office(office_file).warnings() == []


def test_every_unconfirmed_setting_is_flagged(office_file: Path) -> None:
    """What the shipped file does not confirm, `check` and /healthz say (issue 14)."""
    warnings = "\n".join(load_office(office_file).warnings())
    for expected in (
        "hours are not confirmed",
        "map coordinates are not confirmed",
        "units[0] (ULP Lippo Plaza Jogja): not confirmed to be still open",
        "units[1] (ULP Bantul): hours are not confirmed",
        "public_service.standar_pelayanan (https://sippn.menpan.go.id/) is not confirmed",
        "public_service.ombudsman (https://ombudsman.go.id/) is not confirmed",
        "public_service.survey is not set",
    ):
        assert expected in warnings
    # lapor.go.id is named by the checked facts, so it is shipped as confirmed.
    assert "public_service.lapor" not in warnings


def test_map_links_come_from_the_coordinates(office_file: Path) -> None:
    location = load_office(office_file).main.location
    assert location is not None
    assert location.geo_uri == "geo:-7.783,110.43?q=-7.783,110.43(Kanim%20Jogja)"
    assert location.osm_url == (
        "https://www.openstreetmap.org/?mlat=-7.783&mlon=110.43#map=17/-7.783/110.43"
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ('name = "Kantor Imigrasi Kelas I TPI Yogyakarta"\n', "", "name", "missing"),
        (
            'public_url = "https://imigo.dev/infokanimjogja"',
            'public_url = "imigo.dev"',
            "public_url",
            "full http",
        ),
        ('theme_color = "#B71C1C"', 'theme_color = "red"', "theme_color", "#B71C1C"),
        (
            'number = "628112578223"',
            'number = "08112578223"',
            "whatsapp.number",
            "international format",
        ),
        ('number = "628112578223"', 'number = "62abc"', "whatsapp.number", "digits"),
        ('message = "MENU"', 'message = ""', "whatsapp.message", "non-empty"),
        ("order = 20", 'order = "two"', "whatsapp.order", "whole number"),
        (
            'url = "https://x.com/kanimjogja"',
            'url = "http://x.com/kanimjogja"',
            "social[2].url",
            "https://",
        ),
        ('timezone = "Asia/Jakarta"', 'timezone = "WIB"', "timezone", "unknown time zone"),
        ('monday = ["08:00-12:00", "13:00-15:00"]', 'monday = ["8-12"]', "hours.monday", "08:00"),
        (
            'monday = ["08:00-12:00", "13:00-15:00"]',
            'monday = ["13:00-15:00", "08:00-12:00"]',
            "hours.monday",
            "overlaps",
        ),
        ("date = 2026-12-25", 'date = "25 Desember"', "hours.closed[0].date", "2026-12-25"),
        ('id = "Tahun Baru"', 'id = ""', "hours.closed[1].id", "non-empty"),
        ("latitude = -7.7830", "latitude = -97.7", "map.latitude", "within"),
        (
            'url = "https://ombudsman.go.id/"',
            'url = "ombudsman.go.id"',
            "public_service.ombudsman.url",
            "https://",
        ),
        (
            'address = "Bantul, Daerah Istimewa Yogyakarta"',
            "",
            "units[1].address",
            "missing",
        ),
    ],
)
def test_a_bad_field_names_the_file_the_field_and_the_problem(
    office_file: Path, old: str, new: str, field: str, problem: str
) -> None:
    _edit(office_file, old, new)
    with pytest.raises(OfficeError) as caught:
        load_office(office_file)
    message = str(caught.value)
    assert str(office_file) in message
    assert f"'{field}'" in message
    assert problem in message


def test_missing_file_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(OfficeError, match="not found; pass --office FILE"):
        load_office(tmp_path / "nope.toml")


def test_invalid_toml_is_reported(office_file: Path) -> None:
    office_file.write_text("name = \n")
    with pytest.raises(OfficeError, match="not valid TOML"):
        load_office(office_file)


def test_an_office_file_from_before_structured_hours_says_what_to_change(office_file: Path) -> None:
    text = office_file.read_text()
    start, end = text.index("[hours]"), text.index("[[hours.closed]]")
    old = text[:start] + '[opening_hours]\nid = "Senin-Jumat"\nen = "Monday to Friday"\n\n'
    office_file.write_text(
        old + text[text.index("[map]") :].replace('timezone = "Asia/Jakarta"', "")
    )
    assert end > start
    with pytest.raises(OfficeError) as caught:
        load_office(office_file)
    assert caught.value.field == "opening_hours" and "[hours]" in caught.value.problem


def test_the_time_zone_defaults_to_wib(office_file: Path) -> None:
    office_file.write_text(office_file.read_text().replace('timezone = "Asia/Jakarta"\n', ""))
    office = load_office(office_file)
    assert office.timezone == "Asia/Jakarta" and office.zone_label == "WIB"
