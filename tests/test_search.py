"""The search index and the server's search: words, pages, snippets, and the JSON for browsers."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.testclient import TestClient

from server.blobs import BlobStore
from server.catalog import load_catalog
from server.reader import ReaderEdition, ReaderPage
from server.search import (
    SearchEntry,
    build_entries,
    build_index,
    fold,
    index_json,
    search,
    search_index,
)

ENTRIES = [
    SearchEntry("izin-tinggal", "Izin Tinggal", 0, "Izin Tinggal ITK ITAS ITAP"),
    SearchEntry("izin-tinggal", "Izin Tinggal", 2, "Perpanjangan ITK secara online di evisa"),
    SearchEntry("pembuatan-paspor", "Pembuatan Paspor", 1, "Biaya paspor elektronik Rp 650.000"),
]


def test_fold_ignores_case_and_accents() -> None:
    assert fold("Café PERPANJANGAN") == "cafe perpanjangan"


def test_every_word_must_match() -> None:
    hits = search(ENTRIES, "perpanjangan online")
    assert [(h.slug, h.page) for h in hits] == [("izin-tinggal", 2)]
    assert search(ENTRIES, "perpanjangan paspor") == []


def test_hits_link_to_guide_and_page_with_the_word_marked() -> None:
    (hit,) = search(ENTRIES, "ELEKTRONIK")
    assert (hit.slug, hit.title, hit.page) == ("pembuatan-paspor", "Pembuatan Paspor", 1)
    before, match, after = hit.parts
    assert (before, match, after) == ("Biaya paspor ", "elektronik", " Rp 650.000")


def test_the_title_and_summary_come_before_pages_that_mention_the_word_once() -> None:
    hits = search(ENTRIES, "itk")
    assert [(h.slug, h.page) for h in hits] == [("izin-tinggal", 0), ("izin-tinggal", 2)]


def test_a_long_page_gives_a_snippet_around_the_word_starting_at_a_word() -> None:
    text = " ".join(f"kata{n}" for n in range(200)) + " sponsor " + "akhir " * 100
    (hit,) = search([SearchEntry("g", "G", 3, text)], "Sponsor")
    before, match, after = hit.parts
    assert match == "sponsor"
    assert before.startswith("…kata") and " kata" in before
    assert after.endswith("…") and len(hit.snippet) <= 170


def test_an_empty_query_finds_nothing() -> None:
    assert search(ENTRIES, "   ") == []


def test_the_browser_index_names_each_title_once_then_each_page() -> None:
    data = json.loads(index_json(ENTRIES, "en"))
    assert data["lang"] == "en" and data["prefix"] == "/en"
    assert data["titles"] == {
        "izin-tinggal": "Izin Tinggal",
        "pembuatan-paspor": "Pembuatan Paspor",
    }
    assert data["pages"][1] == ["izin-tinggal", 2, "Perpanjangan ITK secara online di evisa"]


def test_the_index_url_carries_its_hash_and_changes_with_the_text() -> None:
    first = build_index(ENTRIES, "id")
    changed = build_index([*ENTRIES, SearchEntry("x", "X", 1, "baru")], "id")
    assert first.url.startswith("/search-index.") and first.url.endswith(".json")
    assert build_index(ENTRIES, "en").url.startswith("/en/search-index.")
    assert changed.url != first.url
    assert [(h.slug, h.page) for h in search_index(first, "evisa")] == [("izin-tinggal", 2)]


def test_entries_cover_titles_and_rendered_pages_in_the_page_language(
    guides_dir: Path, tmp_path: Path
) -> None:
    catalog = load_catalog(guides_dir, BlobStore(tmp_path / "blobs"))
    izin_en = catalog.guide("izin-tinggal")
    assert izin_en is not None
    sha = izin_en.files["en"].sha256
    # Page 2 was scanned: an image without text adds nothing to search.
    edition = ReaderEdition(
        sha,
        (
            ReaderPage(1, 1080, 1528, 100, "Extending a stay\npermit online"),
            ReaderPage(2, 1080, 1528, 100, ""),
        ),
    )
    entries = build_entries(catalog, "en", {sha: edition}.get)
    izin = [e for e in entries if e.slug == "izin-tinggal"]
    assert [e.page for e in izin] == [0, 1]
    assert izin[0].title == "Stay Permit / Izin Tinggal"
    assert izin[1].text == "Extending a stay permit online"
    # Guides not rendered yet are still found by their title and summary.
    assert {e.slug for e in entries if e.page == 0} == {g.slug for g in catalog.guides}
    assert [(h.slug, h.page) for h in search(entries, "extending")] == [("izin-tinggal", 1)]


def test_words_match_at_the_start_of_a_word_only() -> None:
    entries = [
        SearchEntry("antrian-paspor", "Antrian", 1, "Kuota prioritas untuk lansia"),
        SearchEntry("izin-tinggal", "Izin", 1, "ITAS berlaku 6 bulan; paspornya dibawa"),
    ]
    assert [h.slug for h in search(entries, "itas")] == ["izin-tinggal"]
    assert [h.slug for h in search(entries, "paspor")] == ["izin-tinggal"]
    assert [h.slug for h in search(entries, "prio")] == ["antrian-paspor"]


def test_previous_index_stays_for_one_build(client: TestClient, guides_dir: Path) -> None:
    """A worker generated just before a rebuild still finds its index while it installs."""
    live = client.app.live  # type: ignore[attr-defined]
    catalog = guides_dir / "catalog.toml"

    def index_url() -> str:
        return str(live.site.search["id"].url)

    first = index_url()
    catalog.write_text(catalog.read_text().replace("Pembuatan Paspor", "Paspor Baru", 1))
    assert live.reload()
    second = index_url()
    assert second != first
    assert client.get(first).status_code == 200
    catalog.write_text(catalog.read_text().replace("Paspor Baru", "Paspor Lagi", 1))
    assert live.reload()
    assert client.get(second).status_code == 200
    assert client.get(first).status_code == 404
