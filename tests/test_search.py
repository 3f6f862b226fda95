"""The search index and the server's search: words, pages, snippets, and the JSON for browsers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.catalog import load_catalog
from server.guide_text import from_json
from server.search import (
    SearchEntry,
    build_entries,
    build_index,
    concepts,
    fold,
    index_json,
    load_glossary,
    office_glossary,
    search,
    search_index,
)
from server.settings import PWA_DIR
from server.text_extract import extract
from testkit.app import refresh_guides

ENTRIES = [
    SearchEntry("izin-tinggal", "Izin Tinggal", "", "", "Izin Tinggal\nITK ITAS ITAP", "id"),
    SearchEntry(
        "izin-tinggal",
        "Izin Tinggal",
        "perpanjangan",
        "Perpanjangan",
        "Perpanjangan\nPerpanjangan ITK secara online di evisa.",
        "id",
    ),
    SearchEntry(
        "pembuatan-paspor",
        "Pembuatan Paspor",
        "biaya",
        "Biaya",
        "Biaya\nBiaya paspor elektronik Rp 650.000. Bayar dalam 2 jam.",
        "id",
    ),
]
GLOSSARY = (("paspor", "passport"), ("biaya", "fee", "fees"), ("izin tinggal", "stay permit"))


def marked(hit_parts: list[tuple[str, bool]]) -> list[str]:
    return [text for text, is_marked in hit_parts if is_marked]


def test_fold_ignores_case_and_accents() -> None:
    assert fold("Café PERPANJANGAN") == "cafe perpanjangan"


def test_every_word_must_match_in_one_section() -> None:
    hits = search(ENTRIES, "perpanjangan online")
    assert [(h.slug, h.anchor) for h in hits] == [("izin-tinggal", "perpanjangan")]
    assert search(ENTRIES, "perpanjangan paspor") == []


def test_hits_link_to_the_section_with_the_matching_sentence_marked() -> None:
    (hit,) = search(ENTRIES, "ELEKTRONIK")
    assert (hit.slug, hit.anchor, hit.heading) == ("pembuatan-paspor", "biaya", "Biaya")
    # The sentence that matched, not the section's start; a short one goes on to the next.
    assert hit.snippet == "Biaya paspor elektronik Rp 650.000. · Bayar dalam 2 jam." or (
        hit.snippet.startswith("Biaya paspor elektronik Rp 650.000.")
    )
    assert marked(hit.parts) == ["elektronik"]


def test_a_glossary_word_finds_the_other_language_and_marks_it() -> None:
    (hit,) = search(ENTRIES, "passport fee", glossary=GLOSSARY)
    assert (hit.slug, hit.anchor, hit.lang) == ("pembuatan-paspor", "biaya", "id")
    assert marked(hit.parts) == ["Biaya", "paspor"]
    assert search(ENTRIES, "stay permit", glossary=GLOSSARY)[0].slug == "izin-tinggal"


def test_glossary_phrases_are_taken_whole() -> None:
    assert concepts(["izin", "tinggal", "anak"], GLOSSARY) == [
        ("izin tinggal", "stay permit"),
        ("anak",),
    ]


def test_a_guide_found_in_a_section_is_not_listed_again_for_its_title() -> None:
    hits = search(ENTRIES, "itk")
    assert [(h.slug, h.anchor) for h in hits] == [("izin-tinggal", "perpanjangan")]
    assert [(h.slug, h.anchor) for h in search(ENTRIES, "itap")] == [("izin-tinggal", "")]


def test_a_long_section_gives_a_snippet_around_the_word_starting_at_a_word() -> None:
    text = " ".join(f"kata{n}" for n in range(200)) + " sponsor " + "akhir " * 100
    (hit,) = search([SearchEntry("g", "G", "s", "S", text, "id")], "Sponsor")
    assert marked(hit.parts) == ["sponsor"]
    assert hit.snippet.startswith("…kata") and hit.snippet.endswith("…")
    assert len(hit.snippet) <= 185


def test_an_empty_query_finds_nothing() -> None:
    assert search(ENTRIES, "   ") == []


def test_the_browser_index_names_each_title_once_then_each_section() -> None:
    data = json.loads(index_json(ENTRIES, "en", GLOSSARY))
    assert data["lang"] == "en" and data["prefix"] == "/en"
    assert data["titles"] == {
        "izin-tinggal": "Izin Tinggal",
        "pembuatan-paspor": "Pembuatan Paspor",
    }
    assert data["entries"][1] == [
        "izin-tinggal",
        "perpanjangan",
        "Perpanjangan",
        "Perpanjangan\nPerpanjangan ITK secara online di evisa.",
        "id",
    ]
    assert data["glossary"][0] == ["paspor", "passport"]


def test_the_index_url_carries_its_hash_and_changes_with_the_text() -> None:
    first = build_index(ENTRIES, "id")
    changed = build_index([*ENTRIES, SearchEntry("x", "X", "a", "A", "baru", "id")], "id")
    assert first.url.startswith("/search-index.") and first.url.endswith(".json")
    assert build_index(ENTRIES, "en").url.startswith("/en/search-index.")
    assert changed.url != first.url
    assert [(h.slug, h.anchor) for h in search_index(first, "evisa")] == [
        ("izin-tinggal", "perpanjangan")
    ]


def test_entries_are_the_sections_of_each_text_in_its_language(
    guides_dir: Path, tmp_path: Path
) -> None:
    catalog = load_catalog(guides_dir)
    izin = catalog.guide("izin-tinggal")
    assert izin is not None
    sha = izin.files["en"].sha256
    text = from_json(extract((guides_dir / "izin-tinggal.en.pdf").read_bytes()))
    entries = build_entries(catalog, "en", {sha: text}.get)
    mine = [e for e in entries if e.slug == "izin-tinggal"]
    assert mine[0].anchor == "" and mine[0].title == "Stay Permit / Izin Tinggal"
    anchors = [e.anchor for e in mine[1:]]
    assert "how-to-extend" in anchors and "overstay-fine" in anchors
    assert all(e.lang == "en" for e in mine)
    # The letterhead above the PDF's title is the same on every guide: not searched.
    assert "kop" not in anchors
    # Guides without a text version yet are still found by their title and summary.
    assert {e.slug for e in entries if e.anchor == ""} == {g.slug for g in catalog.guides}
    hits = search(entries, "overstay fine")
    assert (hits[0].slug, hits[0].anchor) == ("izin-tinggal", "overstay-fine")


def test_words_match_at_the_start_of_a_word_only() -> None:
    entries = [
        SearchEntry("antrian-paspor", "Antrian", "a", "A", "Kuota prioritas untuk lansia", "id"),
        SearchEntry(
            "izin-tinggal", "Izin", "b", "B", "ITAS berlaku 6 bulan; paspornya dibawa", "id"
        ),
    ]
    assert [h.slug for h in search(entries, "itas")] == ["izin-tinggal"]
    assert [h.slug for h in search(entries, "paspor")] == ["izin-tinggal"]
    assert [h.slug for h in search(entries, "prio")] == ["antrian-paspor"]


def test_the_office_glossary_holds_the_terms_of_the_issue() -> None:
    glossary = office_glossary()
    pairs = [("paspor", "passport"), ("hilang", "lost"), ("biaya", "fee")]
    pairs += [("izin tinggal", "stay permit"), ("perpanjangan", "extension"), ("anak", "child")]
    for indonesian, english in pairs:
        assert any(indonesian in group and english in group for group in glossary)


def test_a_broken_glossary_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text('terms = [["paspor"]]')
    with pytest.raises(ValueError, match="at least two words"):
        load_glossary(path)
    assert load_glossary(PWA_DIR / "glossary.toml")


def test_previous_index_stays_for_one_build(client: TestClient, guides_dir: Path) -> None:
    """A worker generated just before a rebuild still finds its index while it installs."""
    live = client.app.live  # type: ignore[attr-defined]
    catalog = guides_dir / "catalog.toml"

    def index_url() -> str:
        return str(live.site.search["id"].url)

    first = index_url()
    catalog.write_text(catalog.read_text().replace("Pembuatan Paspor", "Paspor Baru", 1))
    assert refresh_guides(client)
    second = index_url()
    assert second != first
    assert client.get(first).status_code == 200
    catalog.write_text(catalog.read_text().replace("Paspor Baru", "Paspor Lagi", 1))
    assert refresh_guides(client)
    assert client.get(second).status_code == 200
    assert client.get(first).status_code == 404
