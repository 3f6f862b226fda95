"""Assembles the admin: its services from the settings, and its routes under /admin."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.accounts import Accounts
from server.admin.auth import auth_routes
from server.admin.context import NO_STORE, Admin
from server.admin.feedback import feedback_routes
from server.admin.guides import guide_routes
from server.admin.notices import notice_routes
from server.admin.records import record_routes
from server.admin.sessions import LoginThrottle, SessionStore, load_secret
from server.admin.texts import text_routes
from server.audit import AuditLog
from server.db import problem_of
from server.feedback import FeedbackStore
from server.notices import NoticeStore
from server.publish import Publisher
from server.settings import PWA_DIR, Settings
from server.site import LiveSite
from server.usage import UsageStore


def create_admin(settings: Settings, live: LiveSite, publisher: Publisher) -> Admin:
    db = publisher.db
    secret = load_secret(settings.data_dir)
    return Admin(
        settings=settings,
        live=live,
        publisher=publisher,
        accounts=Accounts(db),
        sessions=SessionStore(db, secret, settings.session_minutes * 60),
        throttle=LoginThrottle(
            db,
            secret,
            slow_after=settings.login_slow_after,
            delay_step=settings.login_delay_seconds,
            lock_after=settings.login_lock_after,
            window_seconds=settings.login_lock_minutes * 60,
        ),
        audit=AuditLog(db),
        usage=UsageStore(db),
        notices=NoticeStore(db),
        feedback=FeedbackStore(db),
        messages=live.renderer.messages,
        templates_dir=PWA_DIR / "templates",
        css_path=PWA_DIR / "admin" / "admin.css",
    )


class NoStore:
    """Nothing under /admin may be kept by a browser, a proxy or the service worker."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
                ]
                message["headers"] = [*headers, (b"cache-control", b"no-store")]
            await send(message)

        await self.app(scope, receive, send_no_store)


log = logging.getLogger("bilang_karyo")


class DatabaseGuard:
    """A locked, damaged, vanished or full database gets a page saying so (503), not a 500."""

    def __init__(self, app: ASGIApp, admin: Admin) -> None:
        self.app = app
        self.admin = admin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            problem = problem_of(exc, self.admin.publisher.db.path)
            if problem is None or started or scope["type"] != "http":
                raise
            log.error("admin: %s", problem)
            await self.admin.refusal(None, problem)(scope, receive, send)


def admin_routes(admin: Admin) -> list[BaseRoute]:
    async def stylesheet(request: Request) -> Response:
        return Response(admin.css, media_type="text/css; charset=utf-8", headers=NO_STORE)

    routes: list[BaseRoute] = [
        *auth_routes(admin),
        *guide_routes(admin),
        *record_routes(admin),
        *text_routes(admin),
        *notice_routes(admin),
        *feedback_routes(admin),
        Route(admin.css_url.removeprefix("/admin"), stylesheet),
    ]
    return [
        Route(
            "/admin",
            lambda request: RedirectResponse(admin.root.url("/admin/"), 308, headers=NO_STORE),
        ),
        Mount("/admin", app=NoStore(DatabaseGuard(Router(routes), admin))),
    ]
