"""The public side of the usage records: the report endpoint, the flush task, the privacy page."""

from __future__ import annotations

import functools
import json
import logging

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.languages import Languages
from server.rate_limit import RateLimiter, retry_after
from server.site import LiveSite, ReloadStatus, Site
from server.usage import UsageStore, parse_events
from server.usage_counter import UsageCounter

log = logging.getLogger("bilang_karyo")

MAX_REPORT_BYTES = 16 * 1024
# Events one address may report (page views the service worker kept, guide opens, clicks):
# Wi-Fi puts every phone behind one address, so the allowance is wide, but bounded.
EVENTS_PER_MINUTE = 300
EVENTS_BURST = 300
PRIVACY_PATH = "/privacy"
_NO_STORE = {"Cache-Control": "no-store"}


async def flush_usage(
    counter: UsageCounter, store: UsageStore, status: ReloadStatus | None = None
) -> None:
    counts = counter.take()
    if not counts:
        return
    try:
        # Shielded: a shutdown must not drop counts already taken from memory.
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(store.flush, counts)
    except Exception as exc:  # a full, locked or damaged database must not stop the site
        log.warning("usage counts not saved yet; trying again at the next flush: %s", exc)
        counter.give_back(counts)
        if status is not None:
            status.report("usage", f"usage counts not saved yet, kept in memory: {exc}")
    else:
        if status is not None:
            status.clear("usage")


async def run_usage_flusher(
    counter: UsageCounter,
    store: UsageStore,
    stop: anyio.Event,
    seconds: float,
    status: ReloadStatus | None = None,
) -> None:
    """Writes the counters out every `seconds`, and once more when the server stops."""
    try:
        while not stop.is_set():
            with anyio.move_on_after(seconds):
                await stop.wait()
            await flush_usage(counter, store, status)
    finally:
        await flush_usage(counter, store, status)


def routed_pages(languages: Languages) -> frozenset[str]:
    """Pages Starlette answers that count as views, as the pre-built ones do."""
    return frozenset(language.prefix + PRIVACY_PATH for language in languages)


def counted_page(site: Site, routed: frozenset[str], path: str) -> bool:
    """Whether showing `path` counts as a page view: the site's pages, not its files."""
    prebuilt = site.responses.get(path)
    return (prebuilt is not None and prebuilt.is_page) or path in routed


def usage_routes(live: LiveSite, store: UsageStore) -> list[Route]:
    limiter = RateLimiter(per_minute=EVENTS_PER_MINUTE, burst=EVENTS_BURST)
    languages = live.languages
    routed = routed_pages(languages)

    async def report(request: Request) -> Response:
        address = request.client.host if request.client else "unknown"
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_REPORT_BYTES:
                return JSONResponse({"error": "too large"}, 413, headers=_NO_STORE)
        try:
            site = live.site
            guides = {g.slug for g in site.catalog.guides}
            events = parse_events(
                json.loads(body),
                guides,
                functools.partial(counted_page, site, routed),
                languages=languages,
            )
        except (ValueError, UnicodeDecodeError) as exc:
            return JSONResponse({"error": str(exc)}, 400, headers=_NO_STORE)
        except RecursionError:  # JSON nested deeper than the parser will go
            return JSONResponse({"error": "nested too deeply"}, 400, headers=_NO_STORE)
        wait = limiter.take(address, cost=max(1, len(events)))
        if wait is not None:
            return JSONResponse(
                {"error": "too many events from this address; try again later"},
                429,
                headers={**_NO_STORE, "Retry-After": retry_after(wait)},
            )
        counted = await anyio.to_thread.run_sync(store.record_events, events)
        return JSONResponse({"received": len(events), "counted": counted}, headers=_NO_STORE)

    pages: dict[str, bytes] = {}

    async def privacy(request: Request) -> Response:
        lang = languages.of_path(request.url.path)
        if lang not in pages:
            alternates = {code.code: code.prefix + PRIVACY_PATH for code in languages}
            pages[lang] = live.renderer.render(
                "privacy.html", lang, live.office, alternates=alternates
            )
        return Response(
            pages[lang],
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    return [
        Route("/api/usage", report, methods=["POST"]),
        *(Route(page, privacy) for page in sorted(routed)),
    ]
