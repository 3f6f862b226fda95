"""The service worker at `/sw.js`, generated from the catalog so each version is a new worker."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from server.assets import Assets
from server.catalog import Catalog
from server.languages import Languages, shipped_languages
from server.prebuilt import NO_CACHE, Prebuilt, prebuild
from server.reader import ReaderEdition
from server.root_path import SiteRoot
from server.settings import PWA_DIR

WORKER_URL = "/sw.js"
WORKER_TYPE = "application/javascript; charset=utf-8"
# Past this, a navigation is answered from the cache: the Wi-Fi in the service room is weak.
NAVIGATION_TIMEOUT_MS = 3000
# The poster and counter cards are printed in the office, not read on phones; screenshots
# are only for the browser's install sheet.
_PRINTOUTS = ("/poster", "/cards")
_NOT_PRECACHED_ASSETS = ("screenshots/", "poster.css", "card", "nojs.css")


# The worker's source, in parts that are joined in this order; each part is one concern.
WORKER_PARTS = ("sw.js", "sw-range.js", "sw-usage.js")


@functools.cache
def worker_source() -> str:
    """pwa/sw.js and its parts, read once per process."""
    return "\n".join((PWA_DIR / part).read_text(encoding="utf-8") for part in WORKER_PARTS)


def cache_prefix(root: SiteRoot) -> str:
    """What the worker's cache names start with.

    Caches belong to the origin, not to a worker's scope: two sites on one host
    (`/infokanimjogja`, `/infokanimsolo`) would otherwise share them, and each
    worker's clean-up would delete the other's. The ":" ends the root path (it
    cannot occur in one), so that no site's prefix starts another's. The site at
    the root keeps the names it always had, and so keeps the guides phones saved.
    """
    return f"bilang-karyo@{root.path}:" if root.path else "bilang-karyo-"


def precache_entries(
    pages: Iterable[str],
    responses: Mapping[str, Prebuilt],
    assets: Assets,
    extra: Iterable[str] = (),
    root: SiteRoot | None = None,
) -> list[dict[str, Any]]:
    """The app shell as `{url, revision}`; the revision is the start of the body's sha256.

    `extra` are more URLs of `responses` to keep with the shell: the search indexes.
    Those and the assets carry a hash in their URL and are marked `versioned`: the
    worker may take them from the browser's HTTP cache, where the page just put them.
    """
    root = root or SiteRoot()
    entries: list[dict[str, Any]] = [
        {"url": root.url(url), "revision": responses[url].etag}
        for url in pages
        if not url.startswith(_PRINTOUTS)
    ]
    versioned = list(extra) + [
        url
        for name, url in sorted(assets.urls.items())
        if not name.startswith(_NOT_PRECACHED_ASSETS)
    ]
    entries += [
        {"url": root.url(url), "revision": responses[url].etag, "versioned": True}
        for url in versioned
    ]
    return entries


def worker_config(
    catalog: Catalog,
    precache: list[dict[str, Any]],
    editions: Mapping[str, ReaderEdition] | None = None,
    root: SiteRoot | None = None,
    languages: Languages | None = None,
) -> dict[str, Any]:
    """What the worker needs to know about this version of the site (its `BUILD`).

    A guide file saved for offline is its PDF and its reader pages (`pages`: each
    image's URL and size), once they are rendered. Every URL is a public one, under
    the root path (`root`), which the worker also gets to match request paths.
    """
    editions = editions or {}
    root = root or SiteRoot()
    languages = languages or shipped_languages()
    files = [
        {
            "key": f"{f.slug}.{f.lang}",
            "guide": f.slug,
            "lang": f.lang,
            "url": root.url(f.url),
            "size": f.size,
            "sha256": f.sha256,
            "pages": _page_images(editions.get(f.sha256), root),
        }
        for f in catalog.files()
    ]
    # Longest scope first, so that the worker finds /en/ before /.
    offline = sorted(
        (
            {
                "lang": language.code,
                "scope": root.url(f"{language.prefix}/"),
                "url": root.url(f"{language.prefix}/offline"),
            }
            for language in languages
        ),
        key=lambda page: -len(page["scope"]),
    )
    body: dict[str, Any] = {
        "root": root.path,
        "cachePrefix": cache_prefix(root),
        "precache": precache,
        "files": files,
        "titles": {guide.slug: dict(guide.title) for guide in catalog.guides},
        "offline": offline,
        # A regex group for the languages' URL prefixes (`(?:/en)?`), for the guide pages.
        "langPrefix": languages.prefix_pattern(),
        "navigationTimeoutMs": NAVIGATION_TIMEOUT_MS,
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return {"version": digest[:16], **body}


def _page_images(edition: ReaderEdition | None, root: SiteRoot) -> list[dict[str, Any]]:
    if edition is None:
        return []
    return [{"url": root.url(edition.image_url(p.number)), "size": p.size} for p in edition.pages]


def build_worker(
    catalog: Catalog,
    pages: Iterable[str],
    responses: Mapping[str, Prebuilt],
    assets: Assets,
    editions: Mapping[str, ReaderEdition] | None = None,
    extra_precache: Iterable[str] = (),
    root: SiteRoot | None = None,
    languages: Languages | None = None,
) -> Prebuilt:
    precache = precache_entries(pages, responses, assets, extra_precache, root)
    config = worker_config(catalog, precache, editions, root, languages)
    # One line, so that a reader of sw.js sees the worker's code right below it.
    script = f"const BUILD = {json.dumps(config, separators=(',', ':'))};\n{worker_source()}"
    # no-cache: browsers revalidate sw.js on every update check, so a new catalog shows at once.
    return prebuild(script.encode(), WORKER_TYPE, NO_CACHE)
