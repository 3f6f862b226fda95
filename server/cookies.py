"""The one cookie policy: every cookie the site sets or clears gets its flags here.

Each cookie is HttpOnly (no script reads it); SameSite as its `Cookie` says (Strict
for the admin's, Lax for the language choice, which a link from elsewhere should
keep); Secure when the request came over HTTPS, directly or through a trusted
proxy's X-Forwarded-Proto (uvicorn's proxy headers set the scheme), so that an
office testing over plain HTTP on its network can still sign in; and its Path lies
under the site's root path (`SiteRoot.cookie_path`), so that two sites on one host
never see each other's cookies. Clearing a cookie sends the same flags with
Max-Age=0, or the browser would keep it.
"""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Literal

from starlette.responses import Response
from starlette.types import Scope

from server.root_path import SiteRoot


@dataclass(frozen=True)
class Cookie:
    """One cookie the site uses: its name, where it is sent, and for how long."""

    name: str
    path: str  # app-relative ("/admin"); the root path goes in front
    same_site: Literal["Strict", "Lax"]
    max_age: int | None = None  # None: until the browser closes


@dataclass(frozen=True)
class CookiePolicy:
    """Writes the Set-Cookie headers of the site under `root`."""

    root: SiteRoot

    def set_header(self, cookie: Cookie, value: str, scope: Scope) -> bytes:
        """The Set-Cookie value that stores `value` (for raw ASGI responses)."""
        return self._header(cookie, value, scope, cookie.max_age)

    def clear_header(self, cookie: Cookie, scope: Scope) -> bytes:
        return self._header(cookie, "", scope, 0)

    def set(self, response: Response, cookie: Cookie, value: str, scope: Scope) -> None:
        """Add the cookie to `response`; `scope` is the request's (`request.scope`)."""
        response.headers.append("set-cookie", self.set_header(cookie, value, scope).decode())

    def clear(self, response: Response, cookie: Cookie, scope: Scope) -> None:
        response.headers.append("set-cookie", self.clear_header(cookie, scope).decode())

    def _header(self, cookie: Cookie, value: str, scope: Scope, max_age: int | None) -> bytes:
        jar: SimpleCookie = SimpleCookie()
        jar[cookie.name] = value
        morsel = jar[cookie.name]
        morsel["path"] = self.root.cookie_path(cookie.path)
        morsel["httponly"] = True
        morsel["samesite"] = cookie.same_site
        if scope.get("scheme") == "https":
            morsel["secure"] = True
        if max_age is not None:
            morsel["max-age"] = max_age
        if max_age == 0:
            morsel["expires"] = "Thu, 01 Jan 1970 00:00:00 GMT"
        return morsel.OutputString().encode("latin-1")
