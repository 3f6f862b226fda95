"""One immutable build of the whole public site, and the holder that swaps builds."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from server.assets import Assets
from server.blobs import BlobStore
from server.catalog import Catalog, CatalogError, FileCache, GuideFile, load_catalog
from server.db import DatabaseProblem
from server.guide_text import GuideText, TextError, TextStore
from server.languages import Languages, shipped_languages
from server.manifest import FAVICON_URL, MANIFEST_TYPE, favicon, manifest_url, web_manifest
from server.notices import NOTICES_URL, NoticeBoard, NoticeStore, board_from
from server.office import Office
from server.pages import PageRenderer
from server.prebuilt import HTML, IMMUTABLE, LANDING_VARY, Prebuilt, prebuild
from server.qr import qr_png, qr_svg
from server.reader import ReaderEdition, ReaderImage, ReaderQueue, ReaderStore
from server.root_path import SiteRoot
from server.search import SEARCH_PATH, SearchIndex, build_entries, build_index, office_glossary
from server.service_worker import WORKER_URL, build_worker

log = logging.getLogger("bilang_karyo")


@dataclass(frozen=True)
class Site:
    """Everything the public routes serve, built for one catalog version."""

    catalog: Catalog
    office: Office
    responses: dict[str, Prebuilt]
    files: dict[str, GuideFile]  # hashed file URL -> file
    error_pages: dict[tuple[str, int], Prebuilt]
    editions: dict[str, ReaderEdition] = field(default_factory=dict)  # PDF sha256 -> pages
    images: dict[str, ReaderImage] = field(default_factory=dict)  # page image URL -> file
    search: dict[str, SearchIndex] = field(default_factory=dict)  # lang -> index
    texts: dict[str, GuideText] = field(default_factory=dict)  # PDF sha256 -> shown text
    # Pages whose query string the fast path leaves to Starlette (`/search?q=`).
    query_pages: frozenset[str] = frozenset()
    # The notices this build's landing pages carry (with the store's revision they came from).
    board: NoticeBoard | None = None


def build_site(
    catalog: Catalog,
    office: Office,
    renderer: PageRenderer,
    assets: Assets,
    reader: ReaderStore | None = None,
    unrenderable: frozenset[str] = frozenset(),
    texts: Mapping[str, GuideText] | None = None,
    board: NoticeBoard | None = None,
) -> Site:
    """`unrenderable`: PDF hashes whose reader pages failed; their pages offer the PDF alone.

    `texts`: the text version of each PDF (by sha256) that has one ready to show;
    `board`: the notices for the landing pages.
    """
    root = renderer.root
    languages = renderer.languages
    editions = current_editions(catalog, reader)
    texts = texts or {}
    indexes = {
        lang: build_index(
            build_entries(catalog, lang, texts.get), lang, office_glossary(), root, languages
        )
        for lang in languages.codes
    }
    responses: dict[str, Prebuilt] = dict(assets.responses)
    for index in indexes.values():
        responses[index.url] = prebuild(index.body, "application/json", IMMUTABLE)
    pages = renderer.render_site(
        catalog,
        office,
        editions,
        {lang: index.url for lang, index in indexes.items()},
        unrenderable,
        texts,
        board,
    )
    for path, html in pages.items():
        responses[path] = prebuild(
            html, HTML, vary=LANDING_VARY if path == "/" else "Accept-Encoding"
        )
    for lang in languages.codes:
        manifest = web_manifest(lang, office, renderer.messages, assets, root)
        responses[manifest_url(lang, languages)] = prebuild(manifest, MANIFEST_TYPE)
    responses[WORKER_URL] = build_worker(
        catalog,
        pages,
        responses,
        assets,
        editions,
        [index.url for index in indexes.values()],
        root,
        languages,
    )
    responses[FAVICON_URL] = favicon(assets)
    responses["/api/guides"] = prebuild(
        catalog_json(catalog, editions, root, languages), "application/json"
    )
    responses[NOTICES_URL] = prebuild(notices_json(board), "application/json")
    responses["/qr.svg"] = prebuild(qr_svg(office.qr_url), "image/svg+xml")
    responses["/qr.png"] = prebuild(qr_png(office.qr_url), "image/png")
    for guide in catalog.guides:
        # The counter cards' codes: one guide each, scans counted like the poster's.
        responses[f"/qr/{guide.slug}.svg"] = prebuild(
            qr_svg(office.page_url(f"/guides/{guide.slug}") + "?src=qr"), "image/svg+xml"
        )
    error_pages = {
        (lang, status): prebuild(renderer.render_error(lang, office, status), HTML, "no-store")
        for lang in languages.codes
        for status in (404, 500)
    }
    return Site(
        catalog=catalog,
        office=office,
        responses=responses,
        files={f.url: f for f in catalog.files()},
        error_pages=error_pages,
        editions=editions,
        images={
            url: image
            for edition in editions.values()
            if reader is not None
            for url, image in reader.images(edition).items()
        },
        search=indexes,
        texts=dict(texts),
        query_pages=frozenset(language.prefix + SEARCH_PATH for language in languages),
        board=board,
    )


def notices_json(board: NoticeBoard | None) -> bytes:
    """`/api/notices`: what the landing page carries, for a page that was opened earlier."""
    notices = [n.as_json() for n in board.notices] if board else []
    body = {"revision": board.revision if board else 0, "notices": notices}
    return json.dumps(body, ensure_ascii=False).encode()


def current_editions(catalog: Catalog, reader: ReaderStore | None) -> dict[str, ReaderEdition]:
    """The rendered pages of each current file that has them by now."""
    if reader is None:
        return {}
    found = {f.sha256: reader.load(f.sha256) for f in catalog.files()}
    return {sha: edition for sha, edition in found.items() if edition is not None}


def catalog_json(
    catalog: Catalog,
    editions: dict[str, ReaderEdition] | None = None,
    root: SiteRoot | None = None,
    languages: Languages | None = None,
) -> bytes:
    """`/api/guides`; each file's `reader` lists its page images once they are rendered.

    Its URLs are public ones, under the root path.
    """
    editions = editions or {}
    root = root or SiteRoot()
    languages = languages or shipped_languages()
    guides = []
    for guide in catalog.guides:
        checked = guide.last_checked.isoformat()
        guides.append(
            {
                "slug": guide.slug,
                "order": guide.order,
                "featured": guide.featured,
                "title": dict(guide.title),
                "summary": dict(guide.summary),
                "sources": list(guide.sources),
                "last_checked": checked,
                "size": guide.size,
                "urls": {
                    language.code: root.url(f"{language.prefix}/guides/{guide.slug}")
                    for language in languages
                },
                "files": {
                    lang: {
                        "url": root.url(f.url),
                        "size": f.size,
                        "sha256": f.sha256,
                        "pages": f.pages,
                        "last_checked": checked,
                        "reader": _reader_json(editions.get(f.sha256), root),
                    }
                    for lang, f in guide.files.items()
                },
            }
        )
    body = {"version": catalog.version, "guides": guides}
    return json.dumps(body, ensure_ascii=False, indent=1).encode()


def _reader_json(edition: ReaderEdition | None, root: SiteRoot) -> list[dict[str, object]]:
    if edition is None:
        return []
    return [
        {"url": root.url(edition.image_url(p.number)), "size": p.size, "has_text": bool(p.text)}
        for p in edition.pages
    ]


@dataclass
class ReloadStatus:
    """What `/healthz` reports about the most recent catalog load."""

    last_error: str | None = None
    last_error_at: datetime | None = None
    last_success_at: datetime | None = None
    reloads: int = 0
    # Other things that are failing and being retried, by source ("guides_sync", "usage",
    # "database", "watcher"): the site serves on, `/healthz` says "degraded" and why.
    problems: dict[str, str] = field(default_factory=dict)

    def report(self, source: str, cause: str) -> None:
        if self.problems.get(source) != cause:
            log.error("%s: %s (still serving; retrying)", source, cause)
        self.problems[source] = cause

    def clear(self, source: str) -> None:
        if self.problems.pop(source, None) is not None:
            log.info("%s: working again", source)


class LiveSite:
    """Holds the current `Site`; a reload builds a new one and swaps it in whole.

    Readers take `live.site` once per request and so never see a half-built
    site. A catalog that fails to load leaves the last good one serving.
    """

    def __init__(
        self,
        guides_dir: Path,
        office: Office,
        store: BlobStore,
        renderer: PageRenderer,
        assets: Assets,
        reader: ReaderStore | None = None,
        texts: TextStore | None = None,
        max_file_bytes: int | None = None,
    ) -> None:
        self.guides_dir = guides_dir
        self.office = office
        self.store = store
        self.renderer = renderer
        self.assets = assets
        self.reader = reader
        self.texts = texts
        # Text versions made in the background: those of versions from before text versions
        # existed, and the OCR of scanned ones (slow; they wait for Tikkim's review anyway).
        self._text_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="text")
        self._text_asked: set[str] = set()
        # Set by create_app once the database is open; None builds pages without notices.
        self.notice_store: NoticeStore | None = None
        self.status = ReloadStatus()
        self._cache = FileCache(max_file_bytes)
        self._lock = threading.Lock()
        # Each finished render rebuilds the site, so that its guide page shows the reader.
        self.reader_queue = (
            ReaderQueue(reader, self._read_blob, self.rebuild) if reader is not None else None
        )
        self.site = build_site(Catalog(guides=()), office, renderer, assets, reader)

    def reload(self) -> bool:
        """Load the catalog from disk; True when the new one is now served."""
        with self._lock:
            # With no good catalog yet (the server starting), a bad PDF is left out and
            # the rest served; later, any bad file keeps the last good catalog serving.
            skipped: list[str] | None = [] if self.status.last_success_at is None else None
            try:
                catalog = load_catalog(
                    self.guides_dir, self.store, self._cache, skipped, self.languages
                )
            except Exception as exc:
                # CatalogError names the file and the reason; OSError is a PDF that cannot be
                # read or no room to store it (a full disk); anything else is our own bug,
                # which must not stop the site either.
                if not isinstance(exc, CatalogError | OSError):
                    log.exception("catalog load failed unexpectedly")
                self.status.last_error = str(exc) or type(exc).__name__
                self.status.last_error_at = datetime.now(UTC)
                log.error("catalog not loaded, still serving the last good one: %s", exc)
                return False
            for warning in catalog.warnings:
                log.warning("catalog: %s", warning)
            self.site = self._build(catalog)
            if skipped:
                self.status.last_error = "; ".join(skipped)
                self.status.last_error_at = datetime.now(UTC)
                log.error("left out of the catalog: %s", self.status.last_error)
            else:
                self.status.last_error = None
                self.status.last_error_at = None
            self.status.last_success_at = datetime.now(UTC)
            self.status.reloads += 1
            log.info("catalog %s loaded: %d guides", catalog.version, len(catalog.guides))
        self._queue_renders(catalog)
        return True

    @property
    def root(self) -> SiteRoot:
        """Where the site lives on its host (root_path.py)."""
        return self.renderer.root

    @property
    def languages(self) -> Languages:
        """The languages the site speaks (server/languages.py)."""
        return self.renderer.languages

    def rebuild(self) -> None:
        """Build the current catalog again, now that more of its pages are rendered."""
        with self._lock:
            self.site = self._build(self.site.catalog)

    def notices_changed(self) -> bool:
        """A notice was added or removed (here or by the CLI), or one started or ended."""
        if self.notice_store is None:
            return False
        site = self.site
        try:
            revision = self.notice_store.revision()
        except (DatabaseProblem, sqlite3.Error, OSError):
            revision = site.board.revision if site.board else 0  # unreadable: keep what is shown
        if site.board is None or revision != site.board.revision:
            return True
        return site.board.key(site.board.built_at) != site.board.key(datetime.now(UTC))

    def _notice_board(self) -> NoticeBoard | None:
        """The notices for the next build. The public site needs no database: when it cannot
        be read, the pages keep the notices they carried (the admin and /healthz say why)."""
        if self.notice_store is None:
            return None
        try:
            return board_from(self.notice_store)
        except (DatabaseProblem, sqlite3.Error, OSError) as exc:
            log.warning("notices not read, the pages keep the ones they had: %s", exc)
            return self.site.board

    def _build(self, catalog: Catalog) -> Site:
        failed = self.reader_queue.failed() if self.reader_queue else frozenset()
        texts = self._texts(catalog)
        board = self._notice_board()
        site = build_site(
            catalog, self.office, self.renderer, self.assets, self.reader, failed, texts, board
        )
        # A worker generated from the previous build may still be installing and fetch its
        # search index; keep that one generation answering, so its install does not fail.
        previous = self.site
        for index in previous.search.values():
            site.responses.setdefault(index.url, previous.responses[index.url])
        return site

    def _texts(self, catalog: Catalog) -> dict[str, GuideText]:
        if self.texts is None:
            return {}
        found = {f.sha256: self.texts.shown(f.sha256) for f in catalog.files()}
        return {sha: text for sha, text in found.items() if text is not None}

    def _queue_renders(self, catalog: Catalog) -> None:
        for gfile in catalog.files():
            if self.reader_queue is not None:
                self.reader_queue.request(gfile.sha256)
            texts = self.texts
            if texts is None or gfile.sha256 in self._text_asked:
                continue
            if texts.state(gfile.sha256) in ("missing", "ocr_waiting"):
                self._text_asked.add(gfile.sha256)
                self._text_pool.submit(self._make_text, texts, gfile.sha256)

    def _make_text(self, texts: TextStore, sha256: str) -> None:
        try:
            data = self._read_blob(sha256)
            if texts.state(sha256) == "missing":
                texts.make(sha256, data)
            if texts.state(sha256) == "ocr_waiting":
                texts.make_ocr(sha256, data)
        except (TextError, OSError) as exc:
            log.error("text: the text version of %s could not be made: %s", sha256[:16], exc)
            return
        try:
            self.rebuild()
        except Exception:  # the next load tries again
            log.exception("text: rebuilding the site after %s failed", sha256[:16])

    def close(self) -> None:
        self._text_pool.shutdown(wait=False, cancel_futures=True)

    def _read_blob(self, sha256: str) -> bytes:
        return self.store.path_for(sha256).read_bytes()
