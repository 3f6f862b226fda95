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
    assert load_office(office_file).warnings() == []


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
