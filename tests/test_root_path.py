"""The site under a root path (`/infokanimjogja`): every URL it emits, and the requests it takes."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.root_path import RootPathError, SiteRoot, normalize_root, root_of_url
from server.service_worker import cache_prefix
from server.settings import Settings, SettingsError
from testkit.admin_client import PASSWORD, add_account, form_value
from testkit.server import with_sample_reader

ROOT = "/infokanimjogja"
ORIGIN = "http://testserver"


@pytest.fixture
def rooted_settings(settings: Settings, sample_reader: Path) -> Settings:
    """The shipped office file's public_url has the path /infokanimjogja; nothing else is set."""
    with_sample_reader(settings.data_dir, sample_reader)
    return dataclasses.replace(settings, root_path=None)


@pytest.fixture
def rooted(rooted_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(rooted_settings), follow_redirects=False) as client:
        yield client


class _Links(HTMLParser):
    """Every URL a page refers to: links, forms, images, scripts, stylesheets."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.posts: list[str] = []  # the actions of POST forms: checked, not fetched
        self.data_root: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "html":
            self.data_root = named.get("data-root")
        if tag == "form" and (named.get("method") or "get").lower() == "post":
            self.posts.append(named.get("action") or "")
            return
        for attr in ("href", "src", "action", "data-index", "data-file", "data-guide-file"):
            value = named.get(attr)
            if value:
                self.urls.append(value)


def links_of(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def own_paths(html: str, page_url: str) -> list[str]:
    """The paths (with query) of the URLs on a page that point at this site."""
    paths = []
    for url in links_of(html).urls:
        absolute = urljoin(page_url, url)
        parts = urlsplit(absolute)
        if absolute.startswith(ORIGIN) or parts.netloc == "imigo.dev":
            if not parts.path and parts.fragment:
                continue
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def test_normalize_root() -> None:
    assert normalize_root("/") == ""
    assert normalize_root("") == ""
    assert normalize_root("/infokanimjogja/") == "/infokanimjogja"
    assert normalize_root("infokanimjogja") == "/infokanimjogja"
    assert normalize_root("/kanim/jogja") == "/kanim/jogja"
    for bad in ("/../etc", "/a b", "/info?x", "/a//b", "/a.b"):
        with pytest.raises(RootPathError):
            normalize_root(bad)
    assert root_of_url("https://imigo.dev/infokanimjogja") == "/infokanimjogja"
    assert root_of_url("https://imigo.dev") == ""


def test_site_root_strips_only_its_own_prefix() -> None:
    root = SiteRoot(ROOT)
    assert root.app_path(ROOT) == "/"
    assert root.app_path(ROOT + "/guides/x") == "/guides/x"
    assert root.app_path("/infokanimjogjax/guides") is None
    assert root.cookie_path() == ROOT
    assert root.cookie_path("/admin") == ROOT + "/admin"
    assert SiteRoot().cookie_path() == "/"


def test_bad_root_path_setting_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match=r"BILANG_KARYO_ROOT_PATH.*infokanimjogja"):
        Settings.from_env({"BILANG_KARYO_ROOT_PATH": "/../x"})
    assert Settings.from_env({"BILANG_KARYO_ROOT_PATH": "/"}).root_path == ""
    assert Settings.from_env({"BILANG_KARYO_ROOT_PATH": "/kanim/"}).root_path == "/kanim"


def test_the_qr_codes_address_is_the_landing_page(rooted: TestClient) -> None:
    """The 404 the poster led to: `/infokanimjogja?src=qr`; the code now holds the `/` too."""
    response = rooted.get(ROOT + "/?src=qr")
    assert response.status_code == 200
    assert "<h1>" in response.text and "Halaman tidak ditemukan" not in response.text
    # Typed without the slash: on to the landing page, with the query kept.
    moved = rooted.get(ROOT + "?src=qr")
    assert (moved.status_code, moved.headers["location"]) == (308, ROOT + "/?src=qr")


def test_every_link_on_every_page_stays_under_the_root(rooted: TestClient) -> None:
    """Crawl the site from its root: each of its own URLs carries the prefix and answers."""
    seen: set[str] = set()
    queue = [ROOT + "/", ROOT + "/en/", ROOT + "/poster", ROOT + "/search?q=paspor"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = rooted.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        if not response.headers["content-type"].startswith("text/html"):
            continue
        assert links_of(response.text).data_root in (ROOT, None)
        for action in links_of(response.text).posts:  # "Was this helpful?" on guide pages
            assert action.startswith(ROOT + "/"), f"{path} posts to {action} outside {ROOT}"
        for url in own_paths(response.text, ORIGIN + path):
            assert url.startswith(ROOT + "/"), f"{path} links {url} outside {ROOT}"
            queue.append(url)
    # The crawl reached guides, their PDFs and reader pages, assets and the English pages.
    assert any("/files/" in p for p in seen) and any("/static/" in p for p in seen)
    assert any(p.startswith(ROOT + "/en/guides/") for p in seen)
    assert any(p.startswith(ROOT + "/reader/") for p in seen)


def test_language_links_and_alternates_keep_the_root(rooted: TestClient) -> None:
    html = rooted.get(ROOT + "/guides/pembuatan-paspor").text
    assert f'href="{ROOT}/en/guides/pembuatan-paspor?lang=en"' in html
    assert f'hreflang="en" href="https://imigo.dev{ROOT}/en/guides/pembuatan-paspor"' in html
    assert f'href="https://imigo.dev{ROOT}/guides/pembuatan-paspor"' in html


def test_manifest_id_start_url_scope_and_icons(rooted: TestClient) -> None:
    for lang, start in (("id", ROOT + "/?src=pwa"), ("en", ROOT + "/en/?src=pwa")):
        prefix = "/en" if lang == "en" else ""
        manifest = rooted.get(f"{ROOT}{prefix}/manifest.webmanifest").json()
        assert manifest["id"] == ROOT + "/"
        assert manifest["scope"] == ROOT + "/"
        assert manifest["start_url"] == start
        for icon in manifest["icons"]:
            assert icon["src"].startswith(ROOT + "/static/")
            assert rooted.get(icon["src"]).status_code == 200


def _build(client: TestClient) -> dict[str, object]:
    source = client.get(ROOT + "/sw.js").text
    match = re.match(r"const BUILD = (.*);\n", source)
    assert match
    build: dict[str, object] = json.loads(match.group(1))
    return build


def test_service_worker_urls_and_caches_are_the_sites_own(rooted: TestClient) -> None:
    build = _build(rooted)
    assert build["root"] == ROOT
    assert build["cachePrefix"] == cache_prefix(SiteRoot(ROOT))
    precache = build["precache"]
    assert isinstance(precache, list) and precache
    for entry in precache:
        assert entry["url"].startswith(ROOT + "/"), entry
        assert rooted.get(entry["url"]).status_code == 200, entry
    files = build["files"]
    assert isinstance(files, list)
    for gfile in files:
        assert gfile["url"].startswith(ROOT + "/files/")
        assert all(page["url"].startswith(ROOT + "/reader/") for page in gfile["pages"])
    offline = build["offline"]
    assert isinstance(offline, list)
    assert {page["scope"] for page in offline} == {ROOT + "/", ROOT + "/en/"}


def test_cache_names_of_two_sites_on_one_host_never_overlap() -> None:
    """Each worker deletes caches that start with its prefix and are not its own."""
    roots = ["", "/infokanimjogja", "/infokanimsolo", "/infokanimjogja-solo", "/kanim/jogja"]
    prefixes = [cache_prefix(SiteRoot(root)) for root in roots]
    for a in prefixes:
        for b in prefixes:
            if a != b:
                assert not b.startswith(a), f"{a!r} would delete {b!r}'s caches"
    assert cache_prefix(SiteRoot("")) == "bilang-karyo-"  # phones' saved guides stay


def test_redirects_carry_the_root(rooted: TestClient) -> None:
    assert rooted.get(ROOT + "/en").headers["location"] == ROOT + "/en/"
    english = rooted.get(
        ROOT + "/",
        headers={"accept-language": "en-US", "sec-fetch-mode": "navigate"},
    )
    assert english.status_code == 302
    assert english.headers["location"] == ROOT + "/en/"
    guides = rooted.get(ROOT + "/api/guides").json()["guides"]
    current = guides[0]["files"]["id"]["url"]
    assert current.startswith(ROOT + "/files/")
    stale = re.sub(r"\.[0-9a-f]{16}\.pdf$", ".0000000000000000.pdf", current)
    moved = rooted.get(stale)
    assert moved.status_code == 307 and moved.headers["location"] == current


def test_the_apps_own_redirects_get_the_root_too(rooted_settings: Settings) -> None:
    """Starlette's trailing-slash redirect names the path it saw: the one without the root."""
    add_account(rooted_settings.data_dir)
    with TestClient(create_app(rooted_settings), follow_redirects=False) as client:
        client.post(
            ROOT + "/admin/login",
            data={
                "token": form_value(client.get(ROOT + "/admin/login").text, "token"),
                "name": "budi",
                "password": PASSWORD,
            },
        )
        moved = client.get(ROOT + "/admin/guides/izin-tinggal/")
        assert moved.status_code in (307, 308)
        assert moved.headers["location"] == ROOT + "/admin/guides/izin-tinggal"


def test_language_cookie_is_scoped_to_the_site(rooted: TestClient) -> None:
    response = rooted.get(ROOT + "/en/?lang=en")
    cookie = response.headers["set-cookie"]
    assert f"Path={ROOT};" in cookie


def test_api_guides_urls_are_public_ones(rooted: TestClient) -> None:
    for guide in rooted.get(ROOT + "/api/guides").json()["guides"]:
        assert all(url.startswith(ROOT + "/") for url in guide["urls"].values())
        for gfile in guide["files"].values():
            assert rooted.get(gfile["url"]).status_code == 200
            assert all(page["url"].startswith(ROOT + "/reader/") for page in gfile["reader"])


def test_search_index_links_under_the_root(rooted: TestClient) -> None:
    html = rooted.get(ROOT + "/search").text
    index_url = re.search(r'data-index="([^"]+)"', html)
    assert index_url and index_url.group(1).startswith(ROOT + "/")
    index = rooted.get(index_url.group(1)).json()
    assert index["prefix"] == ROOT
    hits = rooted.get(ROOT + "/en/search?q=passport").text
    assert f'href="{ROOT}/en/guides/' in hits


def test_admin_under_the_root(rooted_settings: Settings) -> None:
    add_account(rooted_settings.data_dir)
    with TestClient(create_app(rooted_settings), follow_redirects=False) as client:
        assert client.get(ROOT + "/admin").headers["location"] == ROOT + "/admin/"
        assert (
            client.get(ROOT + "/admin/")
            .headers["location"]
            .startswith(ROOT + "/admin/login?next=/admin/")
        )
        page = client.get(ROOT + "/admin/login")
        assert f'action="{ROOT}/admin/login"' in page.text
        assert f"Path={ROOT}/admin" in page.headers["set-cookie"]
        css = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)
        assert css and css.group(1).startswith(ROOT + "/admin/")
        assert client.get(css.group(1)).status_code == 200
        signed_in = client.post(
            ROOT + "/admin/login",
            data={"token": form_value(page.text, "token"), "name": "budi", "password": PASSWORD},
        )
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == ROOT + "/admin/"
        assert f"Path={ROOT}/admin" in signed_in.headers["set-cookie"]
        listing = client.get(ROOT + "/admin/")
        assert listing.status_code == 200
        for url in own_paths(listing.text, ORIGIN + ROOT + "/admin/"):
            assert url.startswith(ROOT + "/"), url


def test_a_proxy_that_strips_the_prefix_gets_the_same_site(rooted: TestClient) -> None:
    """nginx's `proxy_pass http://app/;` passes `/guides/x` for `/infokanimjogja/guides/x`."""
    stripped = rooted.get("/guides/pembuatan-paspor")
    passed = rooted.get(ROOT + "/guides/pembuatan-paspor")
    assert stripped.status_code == passed.status_code == 200
    assert stripped.text == passed.text


def test_root_path_setting_overrides_public_url(settings: Settings, tmp_path: Path) -> None:
    other = dataclasses.replace(settings, root_path="/infokanimsolo")
    with TestClient(create_app(other)) as client:
        html = client.get("/infokanimsolo/").text
        assert 'data-root="/infokanimsolo"' in html
        assert 'href="/infokanimsolo/guides/' in html


def test_at_the_root_nothing_carries_a_prefix(client: TestClient) -> None:
    html = client.get("/").text
    assert "data-root" not in html
    assert 'href="/guides/' in html
    assert _build_at_root(client)["root"] == ""


def _build_at_root(client: TestClient) -> dict[str, object]:
    match = re.match(r"const BUILD = (.*);\n", client.get("/sw.js").text)
    assert match
    build: dict[str, object] = json.loads(match.group(1))
    return build


def test_visits_under_the_root_are_counted_by_the_sites_own_paths(
    rooted_settings: Settings,
) -> None:
    from tests.test_usage import NAVIGATE, counts

    with TestClient(create_app(rooted_settings)) as client:
        client.get(ROOT + "/?src=qr", headers=NAVIGATE)
        client.get(ROOT + "/en/guides/izin-tinggal?src=share", headers=NAVIGATE)
    found = counts(rooted_settings)
    assert found[("qr_scan", "", "id")] == 1
    assert found[("share_open", "izin-tinggal", "en")] == 1
    assert found[("guide_open", "izin-tinggal", "en")] == 1
