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
import urllib.parse
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.clock import office_today
from server.error_handler import Responder
from server.errors import BilangKaryoError
from server.feedback import MAX_BODY_BYTES, FeedbackError, FeedbackStore, parse_answer
from server.rate_limit import RateLimiter, retry_after
from server.site import LiveSite
from server.storage.errors import DatabaseProblem

log = logging.getLogger("bilang_karyo")

FEEDBACK_URL = "/api/feedback"
_NO_STORE = {"Cache-Control": "no-store"}
_FORM = "application/x-www-form-urlencoded"


def feedback_routes(
    live: LiveSite, store: FeedbackStore, per_address: RateLimiter, overall: RateLimiter
) -> list[Route]:
    async def receive(request: Request) -> Response:
        """A refused answer (`FeedbackError`) is told by `feedback_refusal`."""
        as_form = _is_form(request)
        # A declared size first: refused unread, and not counted against the address.
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise FeedbackError(f"the body is larger than {MAX_BODY_BYTES} bytes", "size", 413)
        _limit(request, per_address, overall)
        if not as_form and _content_type(request) != "application/json":
            raise FeedbackError("send application/json or a form", "type", 415)
        body = await _read_limited(request)
        data = _decode(body, as_form)
        chosen = data.get("lang")
        lang = request.state.lang = (
            str(chosen) if chosen in live.languages else live.languages.default.code
        )
        guides = {g.slug for g in live.site.catalog.guides}
        answer = parse_answer(data, guides, secrets.token_hex(16), live.languages)
        try:
            stored = await anyio.to_thread.run_sync(store.save, answer, office_today())
        except (DatabaseProblem, OSError) as exc:
            # The phone keeps the answer and sends it again later (feedback.js).
            log.error("feedback not stored: %s", exc)
            raise FeedbackError(
                "answers cannot be stored now; send it again later",
                "unavailable",
                503,
                {"Retry-After": "300"},
            ) from None
        if as_form:
            return _page(live, lang, "feedback_thanks_title", None, _NO_STORE, answer.guide)
        return JSONResponse({"stored": stored}, 201 if stored else 200, headers=_NO_STORE)

    return [Route(FEEDBACK_URL, receive, methods=["POST"])]


def feedback_refusal(live: LiveSite) -> Responder:
    """How a refused answer is told: a page for the plain form, JSON for feedback.js."""

    def respond(request: Request, refusal: BilangKaryoError) -> Response:
        headers = {**_NO_STORE, **refusal.headers}
        if _is_form(request):
            lang = getattr(request.state, "lang", live.languages.default.code)
            return _page(live, lang, "feedback_refused_title", refusal, headers)
        refused = {"error": refusal.detail, "code": refusal.key}
        return JSONResponse(refused, refusal.status, headers=headers)

    return respond


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _is_form(request: Request) -> bool:
    return _content_type(request) == _FORM


def _limit(request: Request, per_address: RateLimiter, overall: RateLimiter) -> None:
    """The address's allowance, then everyone's (a flood from many addresses)."""
    address = request.client.host if request.client else "unknown"
    for limiter, key in ((per_address, address), (overall, "*")):
        wait = limiter.take(key)
        if wait is not None:
            seconds = retry_after(wait)
            raise FeedbackError(
                f"too many answers; try again in {seconds} s", "rate", 429, {"Retry-After": seconds}
            )


async def _read_limited(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise FeedbackError(f"the body is larger than {MAX_BODY_BYTES} bytes", "size", 413)
    return body


def _decode(body: bytes, as_form: bool) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise FeedbackError("the body is not UTF-8") from None
    if as_form:
        try:
            pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=8)
        except ValueError:
            raise FeedbackError("too many form fields") from None
        return dict(pairs)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise FeedbackError("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise FeedbackError("send one JSON object")
    return data


def _page(
    live: LiveSite,
    lang: str,
    title_key: str,
    refusal: BilangKaryoError | None,
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
        code=refusal.key if refusal else "",
        back=back,
    )
    status = refusal.status if refusal else 200
    return Response(html, status, headers=headers, media_type="text/html; charset=utf-8")
