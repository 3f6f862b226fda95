"""Which language an applicant gets: Accept-Language on the first visit, then their own choice.

The choice is remembered in one cookie holding only a language code of the registry
(server/languages.py), set when the
applicant uses the language switch (its links carry `?lang=`). Nothing else is
stored, and the cookie never reaches the usage records.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from starlette.types import Scope

from server.cookies import Cookie, CookiePolicy
from server.languages import Languages, shipped_languages
from server.root_path import SiteRoot

LANG_COOKIE = "bk_lang"
LANGUAGE_COOKIE = Cookie(LANG_COOKIE, "/", "Lax", max_age=365 * 24 * 3600)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def remembered_language(scope: Scope, languages: Languages | None = None) -> str | None:
    languages = languages or shipped_languages()
    for part in _header(scope, b"cookie").split(";"):
        name, _, value = part.strip().partition("=")
        if name == LANG_COOKIE and value in languages:
            return value
    return None


def switched_language(scope: Scope, languages: Languages | None = None) -> str | None:
    """The language named by the switch link's `?lang=`, if any."""
    languages = languages or shipped_languages()
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    for name, value in parse_qsl(query):
        if name == "lang" and value in languages:
            return value
    return None


def is_navigation(scope: Scope) -> bool:
    """A person opening the page, not a script or service worker fetching it.

    The worker precaches `/` itself; redirecting that fetch would fail its install.
    """
    mode = _header(scope, b"sec-fetch-mode")
    if mode:
        return mode == "navigate"
    # Browsers too old to send Sec-Fetch-Mode still ask for HTML when navigating.
    return "text/html" in _header(scope, b"accept")


def navigating(headers: Mapping[bytes, bytes]) -> bool:
    """`is_navigation` on a request's headers already gathered in a dict (the hot path's)."""
    mode = headers.get(b"sec-fetch-mode")
    if mode is not None:
        return mode == b"navigate"
    return b"text/html" in headers.get(b"accept", b"")


def landing_redirect(
    scope: Scope, root: SiteRoot | None = None, languages: Languages | None = None
) -> str | None:
    """Where `/` should send this request instead of serving the default language, if anywhere."""
    languages = languages or shipped_languages()
    if switched_language(scope, languages) is not None or not is_navigation(scope):
        return None
    lang = remembered_language(scope, languages)
    if lang is None:
        lang = languages.preferred(_header(scope, b"accept-language"))
    prefix = languages.prefix(lang)
    if not prefix:
        return None
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    return (root or SiteRoot()).url(f"{prefix}/") + (f"?{query}" if query else "")


def choice_cookie(
    scope: Scope, root: SiteRoot | None = None, languages: Languages | None = None
) -> bytes | None:
    """A Set-Cookie value when the request records a new choice.

    Its Path is the site's root path, so that another site on the same host keeps its own.
    """
    chosen = switched_language(scope, languages)
    if chosen is None or chosen == remembered_language(scope, languages):
        return None
    return CookiePolicy(root or SiteRoot()).set_header(LANGUAGE_COOKIE, chosen, scope)
