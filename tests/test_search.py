from __future__ import annotations

import json

from server.search import SearchEntry, fold, index_json, search

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


def test_hits_link_to_guide_and_page_with_a_snippet() -> None:
    (hit,) = search(ENTRIES, "ELEKTRONIK")
    assert (hit.slug, hit.page) == ("pembuatan-paspor", 1)
    assert "elektronik" in hit.snippet


def test_empty_query_finds_nothing() -> None:
    assert search(ENTRIES, "   ") == []


def test_index_is_compact_json() -> None:
    data = json.loads(index_json(ENTRIES, "en"))
    assert data["prefix"] == "/en"
    assert data["entries"][1] == [
        "izin-tinggal",
        "Izin Tinggal",
        2,
        "Perpanjangan ITK secara online di evisa",
    ]
