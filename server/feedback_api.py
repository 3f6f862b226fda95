"""`POST /api/feedback`: "Was this helpful?" from a guide page, as JSON (feedback.js) or a form.

Refusals come before any work: a body declared over `MAX_BODY_BYTES` (413, unread), too many
answers from one address this minute (429, with Retry-After), a type other than JSON or a
plain form (415), a body that grows past the limit as it streams (413, read no further),
then what is wrong with the answer itself (400). None of them touches the
database, so a flood costs the site little and changes nothing else.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import urllib.parse
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.clock import office_today
from server.db import DatabaseProblem
from server.feedback import MAX_BODY_BYTES, FeedbackError, FeedbackStore, parse_answer
from server.rate_limit import RateLimiter, retry_after
from server.site import LiveSite

log = logging.getLogger("bilang_karyo")

FEEDBACK_URL = "/api/feedback"
_NO_STORE = {"Cache-Control": "no-store"}
_FORM = "application/x-www-form-urlencoded"


class Refusal(Exception):
    """`code` names the applicant's message (feedback_err_<code>); `reason` is for developers."""

    def __init__(
        self, status: int, code: str, reason: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason
        self.headers = headers or {}


def feedback_routes(
    live: LiveSite, store: FeedbackStore, per_address: RateLimiter, overall: RateLimiter
) -> list[Route]:
    async def receive(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        as_form = content_type == _FORM
        lang = live.languages.default.code
        try:
            # A declared size first: refused unread, and not counted against the address.
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                raise Refusal(413, "size", f"the body is larger than {MAX_BODY_BYTES} bytes")
            _limit(request, per_address, overall)
            if content_type not in ("application/json", _FORM):
                raise Refusal(415, "type", "send application/json or a form")
            body = await _read_limited(request)
            data = _decode(body, as_form)
            if data.get("lang") in live.languages:
                lang = str(data["lang"])
            guides = {g.slug for g in live.site.catalog.guides}
            try:
                answer = parse_answer(data, guides, secrets.token_hex(16), live.languages)
            except FeedbackError as exc:
                raise Refusal(400, exc.code, str(exc)) from None
            try:
                stored = await anyio.to_thread.run_sync(store.save, answer, office_today())
            except (DatabaseProblem, sqlite3.Error, OSError) as exc:
                # The phone keeps the answer and sends it again later (feedback.js).
                log.error("feedback not stored: %s", exc)
                raise Refusal(
                    503,
                    "unavailable",
                    "answers cannot be stored now; send it again later",
                    {"Retry-After": "300"},
                ) from None
        except Refusal as refusal:
            headers = {**_NO_STORE, **refusal.headers}
            if as_form:
                return _page(live, lang, "feedback_refused_title", refusal, headers)
            refused = {"error": refusal.reason, "code": refusal.code}
            return JSONResponse(refused, refusal.status, headers=headers)
        if as_form:
            return _page(live, lang, "feedback_thanks_title", None, _NO_STORE, answer.guide)
        return JSONResponse({"stored": stored}, 201 if stored else 200, headers=_NO_STORE)

    return [Route(FEEDBACK_URL, receive, methods=["POST"])]


def _limit(request: Request, per_address: RateLimiter, overall: RateLimiter) -> None:
    """The address's allowance, then everyone's (a flood from many addresses)."""
    address = request.client.host if request.client else "unknown"
    for limiter, key in ((per_address, address), (overall, "*")):
        wait = limiter.take(key)
        if wait is not None:
            seconds = retry_after(wait)
            raise Refusal(
                429, "rate", f"too many answers; try again in {seconds} s", {"Retry-After": seconds}
            )


async def _read_limited(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise Refusal(413, "size", f"the body is larger than {MAX_BODY_BYTES} bytes")
    return body


def _decode(body: bytes, as_form: bool) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "invalid", "the body is not UTF-8") from None
    if as_form:
        try:
            pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=8)
        except ValueError:
            raise Refusal(400, "invalid", "too many form fields") from None
        return dict(pairs)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise Refusal(400, "invalid", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Refusal(400, "invalid", "send one JSON object")
    return data


def _page(
    live: LiveSite,
    lang: str,
    title_key: str,
    refusal: Refusal | None,
    headers: dict[str, str],
    guide: str = "",
) -> Response:
    prefix = live.languages.prefix(lang)
    back = f"{prefix}/guides/{guide}" if guide else f"{prefix}/"
    back = live.renderer.root.url(back)
    html = live.renderer.render(
        "feedback_done.html",
        lang,
        live.office,
        title_key=title_key,
        code=refusal.code if refusal else "",
        back=back,
    )
    status = refusal.status if refusal else 200
    return Response(html, status, headers=headers, media_type="text/html; charset=utf-8")
