"""`/search?q=` and `/en/search?q=`: the guide search answered by the server, for pages without JS.

The empty search page is part of the prebuilt site (and of the offline shell);
only a query reaches this route, which the fast path leaves to Starlette.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.prebuilt import HTML
from server.search import SEARCH_PATH, search_index
from server.site import LiveSite

# Longer than any sensible query; the rest is ignored rather than refused.
MAX_QUERY_CHARS = 200


def search_routes(live: LiveSite) -> list[Route]:
    async def search_page(request: Request) -> Response:
        lang = live.languages.of_path(request.url.path)
        query = " ".join(request.query_params.get("q", "")[:MAX_QUERY_CHARS].split())
        site = live.site
        index = site.search[lang]
        hits = search_index(index, query) if query else None
        body = live.renderer.render_search(lang, site.office, query, hits, index.url)
        # The results follow the catalog; the browser asks again rather than keep them.
        return Response(body, media_type=HTML, headers={"Cache-Control": "no-cache"})

    return [Route(language.prefix + SEARCH_PATH, search_page) for language in live.languages]
