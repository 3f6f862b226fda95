"""What every admin page shares: its services, rendering, sessions, CSRF and upload limits."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import anyio.to_thread
import jinja2
from markupsafe import Markup, escape
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Message

from server.accounts import Accounts
from server.admin.sessions import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    LoginThrottle,
    Session,
    SessionStore,
    csrf_matches,
)
from server.audit import AuditLog
from server.clock import office_time
from server.cookies import Cookie, CookiePolicy
from server.errors import BilangKaryoError
from server.errors import Refused as Refused  # admin modules import it from here
from server.feedback import FeedbackStore
from server.guide_text import linked
from server.i18n import Messages, format_size
from server.notices import NoticeStore
from server.publish import Publisher
from server.reader import ReaderStatus
from server.settings import Settings
from server.site import LiveSite
from server.usage import UsageStore

NO_STORE = {"Cache-Control": "no-store"}
# The admin's cookies: the signed-in session, and the sign-in form's CSRF pair.
SESSION = Cookie(SESSION_COOKIE, "/admin", "Strict")
LOGIN = Cookie(LOGIN_COOKIE, "/admin", "Strict")
# Form fields other than the file: titles, summaries, sources and the like.
FORM_OVERHEAD = 256 * 1024

P = ParamSpec("P")
T = TypeVar("T")


async def run(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Database and disk work runs in a worker thread, off the event loop."""
    return await anyio.to_thread.run_sync(lambda: func(*args, **kwargs))


@dataclass
class Admin:
    settings: Settings
    live: LiveSite
    publisher: Publisher
    accounts: Accounts
    sessions: SessionStore
    throttle: LoginThrottle
    audit: AuditLog
    usage: UsageStore
    notices: NoticeStore
    feedback: FeedbackStore
    messages: Messages
    templates_dir: Path
    css_path: Path

    def __post_init__(self) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.templates_dir),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.css = self.css_path.read_bytes()
        self.css_url = f"/admin/admin.{hashlib.sha256(self.css).hexdigest()[:10]}.css"
        self.root = self.live.root
        self.cookies = CookiePolicy(self.root)
        self.env.globals.update(
            # Links start with `admin_url` (the admin under the site's root path), as
            # redirects do (`redirect`); public pages' links with `root`.
            admin_url=self.root.url("/admin"),
            root=self.root.path,
            bi=self.bilingual,
            label=self.label,
            t=self.messages.get,
            when=office_time,
            fmt_size=format_size,
            css_url=self.root.url(self.css_url),
            office=self.live.office,
            languages=self.live.languages,
            reader_status=self.reader_status,
            text_state=self.text_state,
            linked=linked,
        )

    def text_state(self, sha256: str) -> str:
        """Where a version's text version is: see TextStore.state()."""
        texts = self.live.texts
        return texts.state(sha256) if texts is not None else "missing"

    def reader_status(self, sha256: str) -> ReaderStatus:
        """How far the reader pages of a version are (they render in the background)."""
        queue = self.live.reader_queue
        return queue.status(sha256) if queue is not None else ReaderStatus("unknown")

    @property
    def max_bytes(self) -> int:
        return self.settings.max_upload_mb * 1024 * 1024

    def bilingual(self, key: str) -> Markup:
        """Indonesian first, English after it, as the office's staff read both."""
        id_text, en_text = self.messages.get("id", key), self.messages.get("en", key)
        if id_text == en_text:
            return Markup(escape(id_text))
        return Markup('{} <span class="en" lang="en">{}</span>').format(id_text, en_text)

    def label(self, key: str) -> str:
        """Plain "Indonesian / English" text, for attributes (a table cell's card label)."""
        id_text, en_text = self.messages.get("id", key), self.messages.get("en", key)
        return id_text if id_text == en_text else f"{id_text} / {en_text}"

    def page(
        self,
        template: str,
        session: Session | None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        html = self.env.get_template(template).render(session=session, **context)
        return HTMLResponse(html, status_code=status, headers={**NO_STORE, **(headers or {})})

    def refusal(
        self, session: Session | None, refused: BilangKaryoError, **context: Any
    ) -> HTMLResponse:
        """The page saying what was refused and why; nothing was changed."""
        return self.page(
            "admin/refused.html",
            session,
            refused.status,
            refused.headers,
            refused=refused,
            **context,
        )

    def refusal_response(self, request: Request, refused: BilangKaryoError) -> Response:
        """The admin's answer to any refusal raised while handling `request`
        (see server/error_handler.py), for the account signed in, if any."""
        return self.refusal(getattr(request.state, "session", None), refused)

    def redirect(self, url: str) -> RedirectResponse:
        """See other: `url` is the app's path (`/admin/...`); the public one has the root path."""
        return RedirectResponse(self.root.url(url), status_code=303, headers=NO_STORE)

    async def session_of(self, request: Request) -> Session | None:
        """The signed-in session, also kept on the request for the page of a refusal."""
        session = await run(self.sessions.load, request.cookies.get(SESSION_COOKIE))
        request.state.session = session
        return session

    def set_session_cookie(self, response: Response, request: Request, value: str) -> None:
        self.cookies.set(response, SESSION, value, request.scope)

    def clear_session_cookie(self, response: Response, request: Request) -> None:
        self.cookies.clear(response, SESSION, request.scope)

    async def checked_form(
        self, request: Request, session: Session, max_body: int = FORM_OVERHEAD
    ) -> FormData:
        """The posted form, read within `max_body` bytes, once its CSRF token is checked."""
        check_origin(request)
        form = await limited_form(request, max_body)
        token = form.get("csrf")
        if not isinstance(token, str) or not csrf_matches(session, token):
            await form.close()  # uploaded files wait in temporary files until closed
            raise Refused(403, "csrf")
        return form


def check_origin(request: Request) -> None:
    """Browsers send Origin with every POST; one from elsewhere is a forged form."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise Refused(403, "csrf", "the form was sent from another site")


async def limited_form(request: Request, max_body: int) -> FormData:
    """Parse a form, refusing with 413 once more than `max_body` bytes arrive.

    Files are spooled to temporary files by Starlette as they stream in, so a
    large upload is never held in memory, and a too-large one stops early.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        raise Refused(413, "too_large")
    received = 0
    receive = request.receive

    async def counting_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_body:
                raise Refused(413, "too_large")  # read no further
        return message

    limited = Request(request.scope, counting_receive)
    try:
        return await limited.form(max_files=4, max_fields=64, max_part_size=FORM_OVERHEAD)
    except (HTTPException, MultiPartException) as exc:
        # Too many fields or files, a part over its limit, or a body that is not a form.
        detail = exc.detail if isinstance(exc, HTTPException) else exc.message
        raise Refused(400, "bad_form", str(detail)) from None


Handler = Callable[[Request, Session], Awaitable[Response]]


def staff(admin: Admin, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Only for a signed-in account; checked before any request body is read.

    A refusal the handler raises is answered by the admin's refusal page, for that
    account (server/error_handler.py).
    """

    async def endpoint(request: Request) -> Response:
        session = await admin.session_of(request)
        if session is None and request.method != "GET":
            # A change sent with a forged, expired or signed-out session: say so,
            # rather than drop the form on the sign-in page without a word.
            raise Refused(401, "session_ended")
        if session is None:
            return admin.redirect(f"/admin/login?next={request.url.path}")
        return await handler(request, session)

    return endpoint
