from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.catalog_file import CatalogError, is_valid_filename, is_valid_slug, parse_catalog

GOOD = """
[[guide]]
slug = "antrian-paspor"
order = 10
featured = true
last_checked = 2026-11-27
sources = ["M-Paspor"]
title.id = "Antrian Paspor"
title.en = "Passport queue"
summary.id = "Ringkas."
summary.en = "Short."
files.id = "antrian-paspor.id.pdf"
"""
WHERE = Path("guides/catalog.toml")


def test_parses_a_good_entry() -> None:
    (entry,) = parse_catalog(GOOD, WHERE)
    assert entry.slug == "antrian-paspor"
    assert entry.featured
    assert entry.files == {"id": "antrian-paspor.id.pdf"}
    assert entry.title["en"] == "Passport queue"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('slug = "antrian-paspor"', 'slug = "../etc"', "field 'slug'"),
        ('slug = "antrian-paspor"', 'slug = "Antrian Paspor"', "field 'slug'"),
        ("order = 10", 'order = "10"', "field 'order'"),
        ("last_checked = 2026-11-27", 'last_checked = "kemarin"', "field 'last_checked'"),
        ('title.en = "Passport queue"\n', "", "field 'title.en'"),
        ('files.id = "antrian-paspor.id.pdf"', 'files.id = "../../etc/passwd.pdf"', "files.id"),
        ('files.id = "antrian-paspor.id.pdf"', 'files.fr = "a.fr.pdf"', "files.fr"),
        ('files.id = "antrian-paspor.id.pdf"', 'files.id = "a.docx"', "files.id"),
        ("featured = true", 'featured = "ya"', "field 'featured'"),
        ("featured = true", "colour = 1", "unknown field(s): colour"),
        ("[[guide]]", "[guide]", "[[guide]]"),
        ("order = 10", "order = ", "not valid TOML"),
    ],
)
def test_errors_name_the_guide_and_field(old: str, new: str, message: str) -> None:
    assert old in GOOD
    with pytest.raises(CatalogError) as caught:
        parse_catalog(GOOD.replace(old, new), WHERE)
    assert str(WHERE) in str(caught.value)
    assert message in str(caught.value)


def test_duplicate_slug_is_refused() -> None:
    with pytest.raises(CatalogError, match="appears twice"):
        parse_catalog(GOOD + GOOD, WHERE)


@given(st.text(max_size=80))
def test_valid_slugs_are_url_and_path_safe(slug: str) -> None:
    if is_valid_slug(slug):
        assert slug == slug.lower()
        assert "/" not in slug and "." not in slug and ".." not in slug
        assert slug.isascii() and not slug.startswith("-") and len(slug) <= 64


@given(st.text(max_size=140))
def test_valid_filenames_cannot_leave_the_folder(name: str) -> None:
    if is_valid_filename(name):
        assert "/" not in name and "\\" not in name and ".." not in name
        assert name.endswith(".pdf") and name.isascii()


@given(st.text(max_size=400))
def test_parser_never_fails_other_than_with_catalog_error(text: str) -> None:
    with contextlib.suppress(CatalogError):
        parse_catalog(text, WHERE)
