"""The language registry: the shipped languages, a third one added by the office (Arabic,
right to left) with no change to the product, and texts that fall back as the registry says."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.catalog import load_catalog
from server.catalog_file import CatalogError, parse_catalog
from server.check import run_check
from server.i18n import MessagesError, load_messages
from server.languages import Languages, LanguagesError, load_languages, shipped_languages
from server.office import OfficeError, load_office
from server.settings import PWA_DIR, Settings
from server.usage import view_counts
from testkit.server import SAMPLE_GUIDES
from tests.arabic_site import NOT_TRANSLATED, OFFLINE_TITLE, TAGLINE, write_arabic_office

SHIPPED_CATALOG = SAMPLE_GUIDES / "catalog.toml"
# A catalog as Tikkim wrote them before languages were data: every text in id and en.
OLD_STYLE_CATALOG = """\
# Katalog panduan Bilang Karyo.
[[guide]]
slug = "paspor-hilang"
order = 3
featured = true
last_checked = 2025-06-01
title.id = "Paspor Hilang"
title.en = "Lost Passport"
summary.id = "Syarat penggantian paspor yang hilang."
summary.en = "What to bring when a passport is lost."
sources = ["imigrasi.go.id"]
files.id = "paspor-hilang.id.pdf"
files.en = "paspor-hilang.en.pdf"
"""


@pytest.fixture
def arabic_office(tmp_path: Path) -> Path:
    return write_arabic_office(tmp_path / "config")


@pytest.fixture
def arabic(arabic_office: Path) -> Languages:
    return load_office(arabic_office).languages


@pytest.fixture
def arabic_client(tmp_path: Path, guides_dir: Path, arabic_office: Path) -> Iterator[TestClient]:
    settings = Settings(
        guides_dir=guides_dir,
        office_file=arabic_office,
        data_dir=tmp_path / "data",
        watch=False,
        root_path="",
    )
    with TestClient(create_app(settings)) as client:
        yield client


# The registry ------------------------------------------------------------------------------


def test_the_shipped_registry_is_indonesian_at_the_root_and_english_under_en() -> None:
    languages = shipped_languages()
    assert languages.codes == ("id", "en")
    assert languages.default.code == "id"
    assert [(lang.prefix, lang.dir, lang.fallback) for lang in languages] == [
        ("", "ltr", None),
        ("/en", "ltr", "id"),
    ]
    assert languages.of_path("/en/guides/x") == "en"
    assert languages.of_path("/en") == "en"
    assert languages.of_path("/engine") == "id"
    assert languages.of_path("/guides/x") == "id"


def test_an_added_language_follows_the_shipped_ones_with_its_fallback_chain(
    arabic: Languages,
) -> None:
    assert arabic.codes == ("id", "en", "ar")
    assert arabic["ar"].dir == "rtl" and arabic["ar"].prefix == "/ar"
    assert arabic.chain("ar") == ("ar", "en", "id")
    assert arabic.pick({"id": "Halo"}, "ar") == "Halo"
    assert arabic.pick({"id": "Halo", "en": "Hello"}, "ar") == "Hello"
    assert arabic.split_path("/ar/guides/x") == ("ar", "/guides/x")


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("ar-SA,ar;q=0.9,en;q=0.8", "ar"),
        ("en-US,ar;q=0.5", "en"),
        ("id-ID,ar;q=0.9", "id"),
        ("ar;q=0.5,id;q=0.5", "id"),  # a tie goes to the language listed first
        ("fr-FR", "id"),
    ],
)
def test_accept_language_chooses_among_all_languages(
    arabic: Languages, header: str, chosen: str
) -> None:
    assert arabic.preferred(header) == chosen


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('code = "ar"\nname = "x"\nmessages = "m.toml"', "needs a 'fallback'"),
        ('code = "ar"\nname = "x"\nmessages = "m.toml"\nfallback = "fr"', "'fr', which is not"),
        ('code = "ar"\nname = "x"\nmessages = "m.toml"\nfallback = "en"\ndir = "up"', "'dir'"),
        ('code = "id"\nname = "x"\nmessages = "m.toml"\nfallback = "en"', "listed twice"),
        ('code = "ar"\nname = "x"\nmessages = "m.toml"\nprefix = ""', "exactly one language"),
        ('code = "ar"\nname = "x"\nmessages = "../m.toml"\nfallback = "en"', "'messages'"),
        ('code = "arabic"\nname = "x"', "2 or 3 letter"),
    ],
)
def test_a_bad_language_entry_in_office_toml_is_refused_with_the_reason(
    tmp_path: Path, entry: str, problem: str
) -> None:
    office = tmp_path / "office.toml"
    office.write_text(
        (PWA_DIR.parent / "office.toml").read_text(encoding="utf-8") + f"\n[[language]]\n{entry}\n"
    )
    with pytest.raises(OfficeError, match="field 'language'") as refused:
        load_office(office)
    assert problem in str(refused.value)


def test_fallbacks_that_go_round_in_a_circle_are_refused(tmp_path: Path) -> None:
    registry = tmp_path / "languages.toml"
    registry.write_text(
        '[[language]]\ncode = "id"\nname = "I"\nprefix = ""\nmessages = "m.toml"\n'
        '[[language]]\ncode = "ar"\nname = "A"\nmessages = "m.toml"\nfallback = "fa"\n'
        '[[language]]\ncode = "fa"\nname = "F"\nmessages = "m.toml"\nfallback = "ar"\n'
    )
    with pytest.raises(LanguagesError, match="circle"):
        load_languages(registry)


# Messages ------------------------------------------------------------------------------------


def test_a_language_with_a_few_messages_shows_the_rest_in_its_fallback(arabic: Languages) -> None:
    messages = load_messages(arabic)
    assert messages.get("ar", "site_tagline") == TAGLINE
    key, english = NOT_TRANSLATED
    assert messages.get("ar", key) == english == messages.get("en", key)
    assert key in messages.fallen_back["ar"]
    assert "site_tagline" not in messages.fallen_back["ar"]
    assert set(messages.fallen_back) == {"ar"}  # the shipped languages have every message


def test_a_message_the_site_does_not_have_is_refused(arabic_office: Path) -> None:
    (arabic_office.parent / "messages.ar.toml").write_text('[site_taglin]\nar = "x"\n')
    with pytest.raises(MessagesError, match=r"\[site_taglin\] is not a message of the site"):
        load_messages(load_office(arabic_office).languages)


def test_check_lists_the_messages_a_language_lacks(guides_dir: Path, arabic_office: Path) -> None:
    report = run_check(guides_dir, arabic_office)
    assert report.problems == 0, report.render()
    assert ("OK", "languages: id (ltr), en (ltr), ar (rtl)") in report.lines
    lacking = [text for level, text in report.lines if text.startswith("language ar:")]
    assert len(lacking) == 1 and "shown in en" in lacking[0] and NOT_TRANSLATED[0] in lacking[0]


# Catalogs ------------------------------------------------------------------------------------


def test_the_shipped_catalog_loads_unchanged_and_arabic_falls_back_to_english(
    tmp_path: Path, arabic: Languages
) -> None:
    text = SHIPPED_CATALOG.read_text(encoding="utf-8")
    assert parse_catalog(text, SHIPPED_CATALOG, arabic) == parse_catalog(text, SHIPPED_CATALOG)
    catalog = load_catalog(SAMPLE_GUIDES, languages=arabic)
    shipped = load_catalog(SAMPLE_GUIDES)
    assert catalog.guides and len(catalog.guides) == len(shipped.guides)
    for guide, before in zip(catalog.guides, shipped.guides, strict=True):
        assert guide.title["ar"] == before.title["en"]
        assert guide.summary["ar"] == before.summary["en"]
        assert guide.file_for("ar") == before.file_for("en")
        assert {k: v for k, v in guide.title.items() if k != "ar"} == dict(before.title)


def test_an_old_style_catalog_loads_with_an_added_language(arabic: Languages) -> None:
    path = Path("old/catalog.toml")
    for languages in (shipped_languages(), arabic):
        [entry] = parse_catalog(OLD_STYLE_CATALOG, path, languages)
        assert dict(entry.title) == {"id": "Paspor Hilang", "en": "Lost Passport"}
        assert dict(entry.files) == {"id": "paspor-hilang.id.pdf", "en": "paspor-hilang.en.pdf"}


def test_a_catalog_entry_may_give_or_leave_out_an_added_language_but_not_a_shipped_one(
    arabic: Languages,
) -> None:
    with_arabic = OLD_STYLE_CATALOG.replace("files.id", 'title.ar = "جواز سفر مفقود"\nfiles.id')
    [entry] = parse_catalog(with_arabic, Path("catalog.toml"), arabic)
    assert entry.title["ar"] == "جواز سفر مفقود"
    assert arabic.complete(entry.summary)["ar"] == entry.summary["en"]
    lacking_en = OLD_STYLE_CATALOG.replace('title.en = "Lost Passport"\n', "")
    for languages in (shipped_languages(), arabic):
        with pytest.raises(CatalogError, match=r"field 'title\.en' must be a non-empty text"):
            parse_catalog(lacking_en, Path("catalog.toml"), languages)


# The whole site in Arabic --------------------------------------------------------------------


def test_the_arabic_pages_are_right_to_left_and_show_missing_texts_in_english(
    arabic_client: TestClient,
) -> None:
    page = arabic_client.get("/ar/")
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert TAGLINE in page.text
    assert NOT_TRANSLATED[1] in page.text  # no Arabic text given: shown in English
    # The language switch lists all three, each named in itself.
    assert re.search(r'<a href="/ar/\?lang=ar" hreflang="ar" lang="ar" aria-current', page.text)
    assert '<link rel="alternate" hreflang="ar" href="https://imigo.dev/ar/">' in page.text
    indonesian = arabic_client.get("/").text
    assert '<html lang="id" dir="ltr">' in indonesian
    assert '<a href="/ar/?lang=ar" hreflang="ar" lang="ar">' in indonesian
    guides = json.loads(arabic_client.get("/api/guides").text)["guides"]
    for guide in guides:
        shown = arabic_client.get(f"/ar/guides/{guide['slug']}")
        assert shown.status_code == 200 and 'dir="rtl"' in shown.text
        assert guide["title"]["ar"] == guide["title"]["en"]
        assert guide["urls"]["ar"] == f"/ar/guides/{guide['slug']}"
    offline = arabic_client.get("/ar/offline")
    assert OFFLINE_TITLE in offline.text and 'lang="ar" dir="rtl"' in offline.text
    missing = arabic_client.get("/ar/no-such-page")
    assert missing.status_code == 404 and 'lang="ar" dir="rtl"' in missing.text
    assert arabic_client.get("/ar/privacy").status_code == 200
    assert arabic_client.get("/ar", follow_redirects=False).headers["location"] == "/ar/"


def test_the_arabic_manifest_says_rtl_and_the_others_ltr(arabic_client: TestClient) -> None:
    for prefix, lang, direction in (("", "id", "ltr"), ("/en", "en", "ltr"), ("/ar", "ar", "rtl")):
        manifest = arabic_client.get(f"{prefix}/manifest.webmanifest").json()
        assert (manifest["lang"], manifest["dir"]) == (lang, direction)
        assert manifest["start_url"] == f"{prefix}/?src=pwa"


def test_the_worker_knows_the_arabic_pages(arabic_client: TestClient) -> None:
    worker = arabic_client.get("/sw.js").text
    build = json.loads(worker.split("\n", 1)[0].removeprefix("const BUILD = ").rstrip(";"))
    assert {page["lang"]: page["scope"] for page in build["offline"]} == {
        "ar": "/ar/",
        "en": "/en/",
        "id": "/",
    }
    assert re.fullmatch(build["langPrefix"] + "/guides/x", "/ar/guides/x")
    shell = {entry["url"] for entry in build["precache"]}
    assert {"/ar/", "/ar/offline", "/ar/search"} <= shell


def test_an_arabic_phone_lands_on_arabic_and_the_choice_is_remembered(
    arabic_client: TestClient,
) -> None:
    navigate = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}
    first = arabic_client.get(
        "/?src=qr", headers={**navigate, "Accept-Language": "ar-EG,ar"}, follow_redirects=False
    )
    assert first.headers["location"] == "/ar/?src=qr"
    chosen = arabic_client.get("/ar/?lang=ar", headers=navigate)
    assert chosen.headers["set-cookie"].startswith("bk_lang=ar;")
    again = arabic_client.get("/", headers=navigate, follow_redirects=False)
    assert again.headers["location"] == "/ar/"


def test_the_server_search_answers_on_the_arabic_page(arabic_client: TestClient) -> None:
    found = arabic_client.get("/ar/search", params={"q": "passport"})
    assert found.status_code == 200 and 'dir="rtl"' in found.text
    hits = re.findall(r'<li><a href="(/ar/guides/[a-z0-9-]+)', found.text)
    assert hits, "the Arabic search finds the English texts it falls back to"
    # The English snippets keep their own direction on the right-to-left page.
    assert '<p lang="en" dir="ltr">' in found.text
    assert '<p lang="en" dir="ltr">' not in arabic_client.get("/en/search?q=passport").text


def test_views_of_arabic_pages_count_as_arabic(arabic: Languages) -> None:
    assert view_counts("/ar/guides/izin-tinggal", "src=qr", arabic) == (
        ("page_view", "", "ar"),
        ("guide_open", "izin-tinggal", "ar"),
        ("qr_scan", "", "ar"),
    )
    # Without the language in the registry, /ar/ is no language's prefix: not a guide page.
    assert view_counts("/ar/guides/izin-tinggal", "") == (("page_view", "", "id"),)


def test_an_added_language_may_label_a_closure_or_leave_it_to_its_fallback(
    arabic_office: Path,
) -> None:
    text = arabic_office.read_text(encoding="utf-8")
    closure = '[[hours.closed]]\ndate = 2031-12-25\nid = "Natal"\nen = "Christmas"\n'
    labelled = closure.replace('en = "Christmas"\n', 'en = "Christmas"\nar = "عيد الميلاد"\n')
    for added, arabic in ((closure, "Christmas"), (labelled, "عيد الميلاد")):
        arabic_office.write_text(text.replace("[[language]]", added + "\n[[language]]", 1))
        office = load_office(arabic_office)
        [christmas] = [c for c in office.main.hours.closures if c.label["id"] == "Natal"]
        assert office.languages.pick(christmas.label, "ar") == arabic
        assert office.languages.pick(christmas.label, "id") == "Natal"
