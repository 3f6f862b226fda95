"""Signing in and out of the admin, with throttling of repeated failures."""

from __future__ import annotations

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.admin.context import LOGIN, Admin, Refused, check_origin, limited_form, run
from server.admin.sessions import LOGIN_COOKIE
from server.audit import shorten_address

_LOGIN_FORM_BYTES = 8 * 1024
# Each password check is an Argon2id verify holding 64 MiB for about a tenth of a second.
# At most this many run at once in a process, so a burst of logins cannot exhaust memory...
PASSWORD_CHECKS_AT_ONCE = 2
# ...and at most this many more wait for their turn; the rest are told to try again.
PASSWORD_CHECKS_WAITING = 16


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _next_url(raw: object) -> str:
    # Only somewhere inside the admin: never an address another site chose.
    if isinstance(raw, str) and raw.startswith("/admin") and "//" not in raw and "\\" not in raw:
        return raw
    return "/admin/"


def auth_routes(admin: Admin) -> list[Route]:
    checks = anyio.CapacityLimiter(PASSWORD_CHECKS_AT_ONCE)

    def login_page(
        request: Request, status: int = 200, error: str = "", headers: dict[str, str] | None = None
    ) -> Response:
        token, cookie = admin.sessions.login_token()
        response = admin.page(
            "admin/login.html",
            None,
            status,
            headers,
            token=token,
            error=error,
            next=_next_url(request.query_params.get("next")),
            done=request.query_params.get("done", ""),
        )
        admin.cookies.set(response, LOGIN, cookie, request.scope)
        return response

    async def login(request: Request) -> Response:
        if request.method == "GET":
            if await admin.session_of(request) is not None:
                return admin.redirect("/admin/")
            return login_page(request)
        try:
            check_origin(request)
            form = await limited_form(request, _LOGIN_FORM_BYTES)
        except Refused as refused:
            return login_page(request, refused.status, refused.key)
        token = form.get("token")
        if not isinstance(token, str) or not admin.sessions.login_token_matches(
            request.cookies.get(LOGIN_COOKIE), token
        ):
            return login_page(request, 403, "csrf")
        name = str(form.get("name") or "").strip().lower()[:64]
        password = str(form.get("password") or "")
        address = _address(request)
        if checks.statistics().tasks_waiting >= PASSWORD_CHECKS_WAITING:
            return login_page(request, 503, "login_busy", {"Retry-After": "5"})
        keys = admin.throttle.keys(name, address)
        # Reserved atomically before the password is checked (see LoginThrottle.admit).
        verdict = await run(admin.throttle.admit, keys)
        if verdict.retry_after is not None:
            # No audit row: a locked-out address must not be able to fill the disk.
            wait = str(verdict.retry_after)
            return login_page(request, 429, "throttled", {"Retry-After": wait})
        if verdict.delay:
            await anyio.sleep(verdict.delay)
        try:
            correct = await anyio.to_thread.run_sync(
                admin.accounts.verify, name, password, limiter=checks
            )
        except BaseException:
            with anyio.CancelScope(shield=True):
                await run(admin.throttle.withdraw, verdict)
            raise
        network = shorten_address(address)
        if not correct:
            await run(admin.audit.record, name, "login_failed", detail=network)
            return login_page(request, 401, "bad_login")
        await run(admin.throttle.succeeded, keys, verdict)
        cookie, _ = await run(admin.sessions.create, name)
        await run(admin.audit.record, name, "login", detail=network)
        await run(admin.audit.prune_sign_ins)
        response = admin.redirect(_next_url(form.get("next")))
        admin.set_session_cookie(response, request, cookie)
        admin.cookies.clear(response, LOGIN, request.scope)
        return response

    async def logout(request: Request) -> Response:
        session = await admin.session_of(request)
        if session is None:
            return admin.redirect("/admin/login")
        await admin.checked_form(request, session)
        await run(admin.sessions.end, session)
        await run(admin.audit.record, session.account, "logout")
        response = admin.redirect("/admin/login?done=logout")
        admin.clear_session_cookie(response, request)
        return response

    return [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]
