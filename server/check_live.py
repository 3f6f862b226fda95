"""`bilang-karyo check --url`: the running site, reached as an applicant's phone reaches it.

The QR code's address is fetched exactly as printed; it must end on the landing
page under the site's root path, and the manifest and sw.js it needs to install
and work offline must answer there too. A proxy that points elsewhere, drops the
path, or answers with its own page is caught here rather than by the applicants.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from server.office import Office
from server.root_path import SiteRoot, normalize_root

if TYPE_CHECKING:
    from server.check import CheckReport

_TIMEOUT = 15
_USER_AGENT = "bilang-karyo-check"
_MANIFEST_LINK = re.compile(r'<link rel="manifest" href="([^"]+)"')
_DATA_ROOT = re.compile(r'<html lang="[a-z]+"(?: dir="(?:ltr|rtl)")?(?: data-root="([^"]*)")?>')
_LANDING_MARK = '<nav class="buttons"'


class _Fetched:
    def __init__(self, url: str, status: int, content_type: str, body: bytes) -> None:
        self.url = url
        self.status = status
        self.content_type = content_type
        self.body = body


def _fetch(url: str) -> _Fetched:
    """GET, following redirects as a phone's browser does; raises OSError when unreachable."""
    request = urllib.request.Request(
        url, headers={"User-Agent": _USER_AGENT, "Accept": "text/html,*/*"}
    )
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
            return _Fetched(
                response.geturl(),
                response.status,
                response.headers.get("content-type", ""),
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return _Fetched(url, error.code, error.headers.get("content-type", ""), error.read())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def check_live_site(
    office: Office, address: str, root_path: str | None, report: CheckReport
) -> None:
    """`address` "": the QR code's own address; else that address in place of public_url."""
    root = SiteRoot(office.root_path if root_path is None else root_path)
    if address:
        base = address.rstrip("/")
        start = base + "/?src=qr"
        if urlsplit(base).path.rstrip("/") != root.path:
            report.warn(
                f"{address}: its path is not the site's root path {root.home!r} "
                f"(public_url {office.public_url}); checking it all the same"
            )
            # The address given is the one to judge: its links must work where it is reached.
            root = SiteRoot(normalize_root(urlsplit(base).path))
    else:
        start = office.qr_url
        base = office.home_url.rstrip("/")
    landing = _check_landing(start, root, report)
    if landing is None:
        return
    _check_manifest(landing, root, report)
    _check_worker(base, root, report)
    _check_health(base, report)


def _check_landing(url: str, root: SiteRoot, report: CheckReport) -> _Fetched | None:
    try:
        page = _fetch(url)
    except (OSError, ValueError) as exc:
        report.fail(f"{url} (the QR code's address) does not answer: {_reason(exc)}")
        return None
    if page.status != 200:
        report.fail(
            f"{url} (the QR code's address) answers {page.status}, not the landing page; "
            "check the proxy's location for the site's path and public_url in the office file"
        )
        return None
    html = page.body.decode("utf-8", errors="replace")
    marker = _DATA_ROOT.search(html)
    if _LANDING_MARK not in html or marker is None:
        report.fail(
            f"{url} answers 200, but not with Bilang Karyo's landing page "
            "(is the proxy sending this address to another site?)"
        )
        return None
    served_root = marker.group(1) or ""
    if served_root != root.path:
        report.fail(
            f"{url}: the site serves its links under {served_root or '/'!r}, "
            f"but is reached under {root.path or '/'!r}; set --root-path "
            "(BILANG_KARYO_ROOT_PATH) or public_url to the address people use"
        )
        return None
    moved = f" (after redirects, at {page.url})" if page.url != url else ""
    report.ok(f"{url} (the QR code's address) reaches the landing page{moved}")
    return page


def _check_manifest(landing: _Fetched, root: SiteRoot, report: CheckReport) -> None:
    link = _MANIFEST_LINK.search(landing.body.decode("utf-8", errors="replace"))
    if link is None:
        report.fail(f"{landing.url}: the landing page names no manifest; it cannot be installed")
        return
    url = urljoin(landing.url, link.group(1))
    try:
        fetched = _fetch(url)
        manifest: Any = json.loads(fetched.body) if fetched.status == 200 else None
    except (OSError, ValueError) as exc:
        report.fail(f"{url} (the manifest) does not answer with JSON: {_reason(exc)}")
        return
    if not isinstance(manifest, dict):
        report.fail(f"{url} (the manifest) answers {fetched.status}; the app cannot be installed")
        return
    scope, start_url = manifest.get("scope"), str(manifest.get("start_url", ""))
    if scope != root.home or not start_url.startswith(root.home):
        report.fail(
            f"{url}: the manifest's scope {scope!r} and start_url {start_url!r} are not under "
            f"{root.home!r}; installed, the app would open outside the site"
        )
        return
    report.ok(f"{url} (the manifest) answers, scope {scope}")


def _check_worker(base: str, root: SiteRoot, report: CheckReport) -> None:
    url = base + "/sw.js"
    try:
        fetched = _fetch(url)
    except (OSError, ValueError) as exc:
        report.fail(f"{url} (the service worker) does not answer: {_reason(exc)}")
        return
    body = fetched.body[:200_000].decode("utf-8", errors="replace")
    if fetched.status != 200 or "javascript" not in fetched.content_type:
        report.fail(
            f"{url} (the service worker) answers {fetched.status} {fetched.content_type!r}; "
            "without it nothing works offline"
        )
        return
    match = re.match(r"const BUILD = (\{.*?\});\n", body)
    try:
        build = json.loads(match.group(1)) if match else None
    except ValueError:
        build = None
    if not isinstance(build, dict) or build.get("root") != root.path:
        report.fail(f"{url} is not this site's service worker for {root.home!r}")
        return
    report.ok(f"{url} (the service worker) answers, version {build.get('version')}")


def _check_health(base: str, report: CheckReport) -> None:
    url = base + "/healthz"
    try:
        fetched = _fetch(url)
        health: Any = json.loads(fetched.body)
    except (OSError, ValueError) as exc:
        report.fail(f"{url} does not answer: {_reason(exc)}")
        return
    if not isinstance(health, dict):
        report.fail(f"{url} answers {fetched.status} without the site's health report")
        return
    for source, cause in (health.get("problems") or {}).items():
        report.fail(f"the running site reports a problem ({source}): {cause}")
    if health.get("last_error"):
        report.fail(f"the running site could not load the catalog: {health['last_error']}")
    else:
        catalog = health.get("catalog", {})
        report.ok(
            f"running site serves catalog {catalog.get('version')} "
            f"with {catalog.get('guides')} guide(s)"
        )
