"""The public pages of a running site: the known ones, and every page they link to."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

from server.languages import Languages, shipped_languages
from testkit.browser import catalog

# Paths that are not pages an applicant reads: files, assets, the admin, machine endpoints.
_NOT_PAGES = ("/files/", "/static/", "/admin", "/api/", "/qr.", "/sw.js", "/healthz")
# A word from the sample guides, typed into any search box the pages offer.
SEARCH_WORD = "paspor"
# Bounds the crawl: the sample site has about twenty pages.
_MAX_PAGES = 80


class _Links(HTMLParser):
    """Where a page leads: its links, and its GET forms filled in with a search word."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self._form: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "a" and attr.get("href"):
            self.hrefs.append(attr["href"] or "")
        elif tag == "form" and (attr.get("method") or "get").lower() == "get":
            self._form = attr.get("action") or ""
        elif (
            tag == "input"
            and self._form is not None
            and attr.get("name")
            and (attr.get("type") or "text") in ("text", "search")
        ):
            query = urllib.parse.urlencode({attr["name"] or "": SEARCH_WORD})
            self.hrefs += [self._form, f"{self._form}?{query}"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def _html_of(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            if response.headers.get_content_type() != "text/html":
                return None
            text: str = response.read().decode()
            return text
    except urllib.error.HTTPError:
        return None  # a broken link is another test's business; the 404 page is listed


def known_pages(base_url: str, languages: Languages | None = None) -> list[str]:
    """The pages every site has, in each language, with the 404 page and the poster."""
    slugs = [guide["slug"] for guide in catalog(base_url)["guides"]]
    assert slugs, "the sample catalog has guides"
    pages: list[str] = []
    for language in languages or shipped_languages():
        prefix = language.prefix
        pages += [f"{prefix}/", *(f"{prefix}/guides/{slug}" for slug in slugs)]
        # The search page is linked once it exists; until then this is the 404 page again.
        pages += [f"{prefix}/offline", f"{prefix}/privacy", f"{prefix}/search"]
        pages.append(f"{prefix}/no-such-page")
    return [*pages, "/poster"]


def public_pages(base_url: str) -> list[str]:
    """The known pages and every same-site page reachable from them by links and forms."""
    pages = known_pages(base_url)
    seen = set(pages)
    queue = list(pages)
    while queue:
        html = _html_of(base_url + queue.pop(0))
        if html is None:
            continue
        parser = _Links()
        parser.feed(html)
        for href in parser.hrefs:
            url = urllib.parse.urlsplit(urllib.parse.urljoin(base_url + "/", href))
            if f"{url.scheme}://{url.netloc}" != base_url or url.path.startswith(_NOT_PAGES):
                continue
            # The language switch's `?lang=` only sets the choice cookie: the same page.
            query = urllib.parse.urlencode(
                [(k, v) for k, v in urllib.parse.parse_qsl(url.query) if k != "lang"]
            )
            path = url.path + (f"?{query}" if query else "")
            if path not in seen:
                assert len(seen) < _MAX_PAGES, f"more than {_MAX_PAGES} pages: {sorted(seen)}"
                seen.add(path)
                pages.append(path)
                queue.append(path)
    return pages
