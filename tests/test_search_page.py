"""`/search?q=`: the guide search answered by the server, in each language, without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from testkit.server import with_sample_reader
from tests.test_site import live_of, wait_until_rendered


@pytest.fixture
def site(settings: Settings, sample_reader: Path) -> Iterator[TestClient]:
    with_sample_reader(settings.data_dir, sample_reader)
    with TestClient(create_app(settings)) as client:
        wait_until_rendered(live_of(client))
        yield client


def result_links(html: str) -> list[str]:
    return re.findall(r'<li><a href="([^"]+)">', html)


def test_the_home_page_has_a_search_form_that_works_without_javascript(site: TestClient) -> None:
    html = site.get("/").text
    form = re.search(r'<form class="search" role="search" action="/search" method="get">', html)
    assert form, "a plain GET form to /search"
    assert '<label for="search-q">Cari panduan</label>' in html
    assert '<input id="search-q" name="q" type="search"' in html
    assert '<label for="search-q">Search guides</label>' in site.get("/en/").text
    assert 'action="/en/search"' in site.get("/en/").text


def test_a_word_from_a_guides_pages_finds_that_page(site: TestClient) -> None:
    response = site.get("/search", params={"q": "kuota prioritas"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    html = response.text
    assert result_links(html)[0] == "/guides/antrian-paspor#kuota-prioritas"
    assert re.search(r'role="status">\d+ hasil untuk “kuota prioritas”</p>', html)
    assert "<mark>kuota</mark>" in html.lower() or "<mark>Kuota</mark>" in html
    assert 'value="kuota prioritas"' in html


def test_english_searches_the_english_guides(site: TestClient) -> None:
    html = site.get("/en/search", params={"q": "marriage"}).text
    links = result_links(html)
    assert links and all(link.startswith("/en/guides/") for link in links)
    assert links[0] == "/en/guides/pelaporan-status-sipil#events-to-report"
    assert "results for “marriage”" in html and '<html lang="en" dir="ltr">' in html


def test_a_title_or_summary_match_links_the_guide_itself(site: TestClient) -> None:
    # Only the catalog's summary says "pengganti APAPO"; the guide's text words it otherwise.
    links = result_links(site.get("/search", params={"q": "pengganti APAPO"}).text)
    assert links == ["/guides/antrian-paspor"]
    # Found in a section too, the guide is listed once, at that section.
    links = result_links(site.get("/search", params={"q": "M-Paspor APAPO"}).text)
    assert links == ["/guides/antrian-paspor#apa-itu-m-paspor"]


def test_no_result_says_so_and_a_blank_query_shows_the_form(site: TestClient) -> None:
    html = site.get("/search", params={"q": "zzzqqq"}).text
    assert "Tidak ada hasil untuk “zzzqqq”" in html and result_links(html) == []
    blank = site.get("/search", params={"q": "  "}).text
    assert 'role="status"></p>' in blank and 'id="search-q"' in blank


def test_the_empty_search_page_is_prebuilt_and_links_its_index(site: TestClient) -> None:
    live = live_of(site)
    assert "/search" in live.site.responses and "/en/search" in live.site.responses
    html = site.get("/search").text
    index_url = live.site.search["id"].url
    assert f'data-index="{index_url}"' in html
    index = site.get(index_url)
    assert index.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert index.json()["prefix"] == "" and "antrian-paspor" in index.json()["titles"]


def test_markup_in_the_query_is_shown_as_text(site: TestClient) -> None:
    html = site.get("/search", params={"q": '<script>alert("x")</script>'}).text
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_a_very_long_query_is_cut_not_refused(site: TestClient) -> None:
    response = site.get("/search", params={"q": "paspor " * 200})
    assert response.status_code == 200
    assert "/guides/pembuatan-paspor#paspor-hilang-atau-rusak" in result_links(response.text)


def hit_items(html: str) -> list[tuple[str, str, str]]:
    """(link, snippet HTML, language label) of each result."""
    return re.findall(
        r'<li><a href="([^"]+)">.*?</a>\s*<p lang="\w+">(.*?)</p>\s*<p class="hit-lang">(.*?)</p>',
        html,
        re.DOTALL,
    )


def test_lost_passport_in_english_finds_the_indonesian_section(site: TestClient) -> None:
    html = site.get("/en/search", params={"q": "lost passport"}).text
    link, snippet, language = hit_items(html)[0]
    assert link == "/en/guides/pembuatan-paspor#paspor-hilang-atau-rusak"
    assert language == "Bahasa Indonesia"
    assert "<mark>Paspor</mark> <mark>hilang</mark>" in snippet


def test_paspor_hilang_links_the_section_with_the_sentence_that_matched(
    site: TestClient,
) -> None:
    html = site.get("/search", params={"q": "paspor hilang"}).text
    link, snippet, _ = hit_items(html)[0]
    assert link == "/guides/pembuatan-paspor#paspor-hilang-atau-rusak"
    assert snippet.startswith("<mark>Paspor</mark> <mark>hilang</mark> atau rusak · ")
    # The section's heading says where the hit is, not the guide's title alone.
    assert re.search(r'<span class="where"> · Paspor hilang atau rusak</span>', html)


def test_biaya_paspor_lists_each_section_once_with_a_fee_in_the_snippet(
    site: TestClient,
) -> None:
    items = hit_items(site.get("/search", params={"q": "biaya paspor"}).text)
    links = [link for link, _, _ in items]
    assert len(links) == len(set(links)) and len({s for _, s, _ in items}) == len(items)
    assert re.search(r"Rp [\d.]+", items[0][1]), items[0]
    assert "<mark>Biaya</mark>" in items[0][1] and "<mark>paspor</mark>" in items[0][1]
