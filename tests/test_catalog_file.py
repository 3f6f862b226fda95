from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from server.catalog_file import (
    ORDER_MAX,
    CatalogError,
    GuideEntry,
    is_valid_filename,
    is_valid_slug,
    parse_catalog,
)
from server.catalog_write import DEFAULT_HEADER, render_checked, toml_string
from server.publish_checks import PublishError, check_slug, dropped_owner

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


# Slug rules: what may name a guide may name its file and its URL --------------------


@pytest.mark.parametrize(
    "name",
    [
        "antrian-paspor\n",  # `$` alone lets a trailing newline through
        "antrian-paspor\r",
        " antrian-paspor",
        "antrian\uff0epaspor",  # fullwidth full stop
        "antrian-pa\u202espor",  # right-to-left override
        "antrian-paspor\x00",
        "\u0430ntrian-paspor",  # Cyrillic a
        "antrian\u200dpaspor",  # zero-width joiner
        "ANTRIAN-PASPOR",
        "antrian--paspor",
        "-antrian",
        "a" * 65,
    ],
)
def test_unicode_and_whitespace_tricks_are_not_slugs(name: str) -> None:
    assert not is_valid_slug(name)
    if not name.isascii() or not name.isprintable() or name != name.strip():
        # File names may have capitals and more length, but no such tricks either.
        assert not is_valid_filename(f"{name}.id.pdf")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=70))
def test_a_slug_is_refused_or_makes_a_safe_file_name(slug: str) -> None:
    """A publish names the new file `<slug>.<lang>.pdf`: every accepted slug must give a
    valid name (it did not for a slug ending in a newline), and anything else is refused
    with the staff's bad_slug message."""
    try:
        check_slug(slug)
    except PublishError as refused:
        assert refused.key == "bad_slug"
        return
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    for lang in ("id", "en"):
        assert is_valid_filename(f"{slug}.{lang}.pdf")
        assert dropped_owner(f"{slug}.{lang}.pdf") == (slug, lang)


@given(st.text(max_size=140))
def test_a_valid_filename_has_no_whitespace_or_control_characters(name: str) -> None:
    if is_valid_filename(name):
        assert name.isprintable() and not any(c.isspace() for c in name)


# The catalog parser, fed catalogs that are valid TOML --------------------------------

# What staff type, as the publishing path keeps it: trimmed, and not blank.
_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40).map(str.strip).filter(bool)
_SLUG = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)


@st.composite
def guide_entries(draw: st.DrawFn) -> GuideEntry:
    slug = draw(_SLUG)
    langs = draw(st.lists(st.sampled_from(["id", "en"]), min_size=1, max_size=2, unique=True))
    return GuideEntry(
        slug=slug,
        order=draw(st.integers(min_value=-ORDER_MAX - 9, max_value=ORDER_MAX + 9)),
        featured=draw(st.booleans()),
        last_checked=draw(st.dates()),
        title={"id": draw(_TEXT), "en": draw(_TEXT)},
        summary={"id": draw(_TEXT), "en": draw(_TEXT)},
        sources=tuple(draw(st.lists(_TEXT, max_size=3))),
        files={lang: draw(st.sampled_from([f"{slug}.{lang}.pdf"] * 9 + [".."])) for lang in langs},
        retired=draw(st.booleans()),
    )  # fmt: skip


@given(st.lists(guide_entries(), max_size=4))
def test_a_written_catalog_reads_back_the_same_or_is_refused_with_a_reason(
    entries: list[GuideEntry],
) -> None:
    """Whatever staff type (quotes, newlines, markup, any script), the file the publishing
    path writes either reads back as exactly what was written or is refused, never
    half-understood."""
    try:
        text = render_checked(entries, DEFAULT_HEADER, WHERE)
    except CatalogError as refused:
        assert str(WHERE) in str(refused)
        event("refused")
        return
    event("read back")
    assert parse_catalog(text, WHERE) == entries


@given(st.sampled_from(GOOD.strip().splitlines()[1:]), _TEXT)
def test_any_value_in_place_of_a_good_one_is_read_or_refused_with_a_reason(
    line: str, value: str
) -> None:
    key = line.split(" = ")[0]
    text = GOOD.replace(line, f"{key} = {toml_string(value)}")
    try:
        (entry,) = parse_catalog(text, WHERE)
    except CatalogError as refused:
        assert str(WHERE) in str(refused)
        return
    assert is_valid_slug(entry.slug)
    assert all(is_valid_filename(name) for name in entry.files.values())
