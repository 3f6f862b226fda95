"""The one handler that answers every `BilangKaryoError` a route raises, as its area shows it.

Routes raise and do not catch just to translate: the admin shows its refusal page, the
feedback form its own page, and every other refusal (the JSON APIs) gets
`{"error": detail, "code": key}` with the error's status and headers; a failure of the
server's own there gets the public error page, as any other failure does.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.errors import BilangKaryoError

log = logging.getLogger("bilang_karyo")

Responder = Callable[[Request, BilangKaryoError], Response]
NO_STORE = {"Cache-Control": "no-store"}


def json_refusal(request: Request, error: BilangKaryoError) -> Response:
    """For scripts and the site's own JavaScript: the key to look up, the details in English."""
    return JSONResponse(
        {"error": error.detail or error.key, "code": error.key},
        error.status,
        headers={**NO_STORE, **error.headers},
    )


ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]


def error_handler(
    areas: Mapping[str, Responder],
    default: Responder = json_refusal,
    server_error: ExceptionHandler | None = None,
) -> ExceptionHandler:
    """Starlette's exception handler for `BilangKaryoError`: the responder of the area
    (the longest path prefix of `areas` the request's app path starts with) answers.

    Outside every area, a failure of the server's own (status 500 and up) goes to
    `server_error`, the public error page, so that its details (a file's path) stay in
    the log; refusals get `default`.
    """
    prefixes = sorted(areas, key=len, reverse=True)

    async def handle(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, BilangKaryoError):  # registered for that class only
            raise exc
        if exc.status >= 500:
            log.error("%s %s: %s", request.method, request.url.path, exc)
        path = request.url.path
        for prefix in prefixes:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return areas[prefix](request, exc)
        if exc.status >= 500 and server_error is not None:
            return await server_error(request, exc)
        return default(request, exc)

    return handle
