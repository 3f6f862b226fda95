"""Assembles the ASGI application from its settings: `create_app(settings)`."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from server.admin.routes import admin_routes, create_admin
from server.assets import load_assets
from server.cleanup import remove_orphans
from server.clock import use_timezone
from server.error_handler import error_handler
from server.errors import BilangKaryoError
from server.fastpath import FastPath
from server.feedback import FeedbackStore
from server.feedback_api import FEEDBACK_URL, feedback_refusal, feedback_routes
from server.folder_sync import FolderSync
from server.guide_text import TextStore
from server.health import health_report
from server.i18n import load_messages
from server.notices import NoticeStore
from server.office import Office, load_office
from server.pages import PageRenderer
from server.prebuilt import Prebuilt
from server.publish import Publisher
from server.rate_limit import RateLimiter
from server.reader import ReaderStore
from server.redirects import RelativeRedirects
from server.replica_mode import replica_sync_for
from server.root_path import RootPathStrip, SiteRoot
from server.search_page import search_routes
from server.security import SecurityHeadersMiddleware
from server.settings import PWA_DIR, Settings
from server.shown_paths import ShownPaths
from server.site import LiveSite
from server.storage import configured
from server.storage.default import open_files
from server.storage.errors import DatabaseProblem
from server.storage.files import GuideFiles
from server.storage.replica_files import ReplicaFiles
from server.storage.served import ServedFiles
from server.usage import UsageStore
from server.usage_api import run_usage_flusher, usage_routes
from server.usage_counter import UsageCounter
from server.watcher import watch_guides

log = logging.getLogger("bilang_karyo")


def create_live_site(settings: Settings, files: GuideFiles | None = None) -> LiveSite:
    """Everything but the web layer; `check` and the CLI share it. Raises on bad settings.
    `files`: where guide files are kept (the data folder's, unless given)."""
    office = load_office(settings.office_file)
    use_timezone(office.zone)
    root = site_root(settings, office)
    messages = load_messages(office.languages)
    for code, keys in messages.fallen_back.items():
        log.warning(
            "language %s: %d message(s) not translated, shown in %s: %s",
            code,
            len(keys),
            office.languages[code].fallback,
            ", ".join(keys[:5]) + (", ..." if len(keys) > 5 else ""),
        )
    assets = load_assets(PWA_DIR / "static")
    renderer = PageRenderer(PWA_DIR / "templates", messages, assets, root)
    store = files or open_files(settings.data_dir)
    reader = ReaderStore(settings.data_dir / "reader")
    texts = TextStore(settings.data_dir / "text")
    return LiveSite(
        settings.guides_dir,
        office,
        store,
        renderer,
        assets,
        reader,
        texts,
    )


def site_root(settings: Settings, office: Office) -> SiteRoot:
    """The root path: as set, else the path of the office's public URL."""
    return SiteRoot(office.root_path if settings.root_path is None else settings.root_path)


def create_app(settings: Settings) -> ASGIApp:
    # The public site needs no database: a damaged, vanished, locked or full one is
    # reported in /healthz and by the admin, and the site serves guides/ regardless.
    db = configured.open_records(settings, open_now=False)
    live = create_live_site(settings, configured.open_files(settings, db))
    try:
        db.ensure()
    except DatabaseProblem as problem:
        live.status.report("database", str(problem))
    publisher = Publisher(
        settings.guides_dir,
        settings.data_dir,
        db=db,
        files=live.store,
        max_bytes=settings.max_upload_mb * 1024 * 1024,
        site=live,
        languages=live.languages,  # the office's: the catalog it hands over falls back by them
    )
    live.notice_store = NoticeStore(publisher.db)
    # Finishes a publish a crash interrupted, and records hand-copied PDFs, before serving.
    folder = FolderSync(publisher, live.status)
    # A replica first brings guides/ up to what the others published (replica_mode.py).
    sync = replica_sync_for(settings, db, live, publisher)
    # Pages missing at start (a new install, files copied in while the server was stopped)
    # are made in the background: serving soon matters more; the site is built once more
    # when they are all made. Their texts are made now, as they always were.
    folder.refresh(render=False)
    try:
        remove_orphans(publisher, live)
    except Exception as exc:  # the database unreadable, say: keep everything, serve on
        log.warning("leftovers of stopped publishes not checked: %s", exc)
    admin = create_admin(settings, live, publisher)
    root = live.renderer.root
    usage, usage_store = UsageCounter(live.languages), UsageStore(publisher.db)
    shown_paths = ShownPaths(settings.guides_dir, settings.data_dir, settings.office_file)

    async def healthz(request: Request) -> Response:
        status, body = health_report(live)
        if sync is not None:
            body.update(sync.health())
        # Public: files are named by folder (guides/…, data/…), not by their place on the server.
        return JSONResponse(
            shown_paths.json(body), status_code=status, headers={"Cache-Control": "no-store"}
        )

    async def stale_file(request: Request) -> Response:
        # A page cached before Tikkim published a new version links the old
        # hash; send the applicant on to the current file of that guide.
        slug, _, rest = request.path_params["name"].partition(".")
        lang = rest.partition(".")[0]
        guide = live.site.catalog.guide(slug)
        if guide is None or lang not in guide.files:
            raise HTTPException(404)
        return RedirectResponse(
            root.url(guide.files[lang].url), status_code=307, headers={"Cache-Control": "no-cache"}
        )

    async def error_page(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        lang = live.languages.of_path(request.url.path)
        page: Prebuilt = live.site.error_pages[(lang, 404 if status == 404 else 500)]
        return Response(
            page.body,
            status_code=status,
            headers={"Cache-Control": "no-store"},
            media_type="text/html",
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = anyio.Event()
        async with anyio.create_task_group() as tasks:
            # The guides-folder drop is a single-machine feature: replicas publish through
            # the admin or the CLI, and follow each other through the database.
            if settings.watch and sync is None:
                tasks.start_soon(watch_guides, live, stop, folder.refresh, settings.watch_step_ms)
            if sync is not None:
                sync.listen()
            tasks.start_soon(
                run_usage_flusher,
                usage,
                usage_store,
                stop,
                settings.usage_flush_seconds,
                live.status,
            )
            tasks.start_soon(watch_notices, live, stop, settings.notice_check_seconds)
            yield
            stop.set()
            if live.reader_queue is not None:
                live.reader_queue.close()  # a render in progress stops at its next page
            live.close()
            if sync is not None:
                await anyio.to_thread.run_sync(sync.stop)
            tasks.cancel_scope.cancel()

    routes = [
        Route("/healthz", healthz),
        # `/en` is the English landing page's address without its slash.
        *(
            Route(prefix, _to_slash(root.url(prefix + "/")))
            for prefix in (language.prefix for language in live.languages)
            if prefix
        ),
        Route("/files/{name:str}", stale_file),
        *usage_routes(live, usage_store),
        *feedback_routes(
            live,
            FeedbackStore(publisher.db),
            RateLimiter(settings.feedback_per_minute, burst=settings.feedback_per_minute),
            RateLimiter(
                settings.feedback_overall_per_minute, burst=settings.feedback_overall_per_minute
            ),
        ),
        *search_routes(live),
        *admin_routes(admin),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeadersMiddleware), Middleware(RelativeRedirects)],
        exception_handlers={
            # Every refusal and explained failure, answered as its area shows them.
            BilangKaryoError: error_handler(
                {"/admin": admin.refusal_response, FEEDBACK_URL: feedback_refusal(live)},
                server_error=error_page,
            ),
            HTTPException: error_page,
            Exception: error_page,
        },
        lifespan=lifespan,
    )
    app.state.live = live
    app.state.admin = admin
    app.state.folder = folder  # tests copy files into guides/ and refresh as the watcher does
    # A replica serves from its local copies of the shared files (replica_files.py).
    local = live.store.local if isinstance(live.store, ReplicaFiles) else None
    fast = FastPath(live, ServedFiles(live.store, local), app, usage)
    # At the root, requests go straight in, as they always did.
    return RootPathStrip(fast, root) if root.path else fast


def _to_slash(location: str) -> Callable[[Request], Response]:
    def redirect(request: Request) -> Response:
        return RedirectResponse(location, status_code=308)

    return redirect


async def watch_notices(live: LiveSite, stop: anyio.Event, seconds: float) -> None:
    """Builds the pages again when a notice is posted by the CLI, starts or ends, so that
    the landing page (and the worker's precache of it) carries the notices as they are."""
    while not stop.is_set():
        with anyio.move_on_after(seconds):
            await stop.wait()
        try:
            if await anyio.to_thread.run_sync(live.notices_changed):
                await anyio.to_thread.run_sync(live.rebuild)
        except Exception:  # a locked database must not stop the site; try again next time
            log.exception("notices not checked; trying again")


def create_app_from_env() -> ASGIApp:
    """For multi-worker uvicorn, which imports the app in each worker process."""
    return create_app(Settings.from_env())
