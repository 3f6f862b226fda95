"""One immutable build of the whole public site, and the holder that swaps builds."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from server.assets import Assets
from server.catalog import Catalog, CatalogError, GuideFile
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
from server.storage.errors import DatabaseProblem
from server.storage.files import GuideFiles
from server.work_log import note

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
    note("build", responses[WORKER_URL].etag)
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
    """Holds the current `Site`; showing a new catalog builds a new one and swaps it in whole.

    Readers take `live.site` once per request and so never see a half-built
    site. The publisher hands it each catalog it loads (`show`); one that fails
    to load (`refuse`) leaves the last good one serving.
    """

    def __init__(
        self,
        guides_dir: Path,
        office: Office,
        store: GuideFiles,
        renderer: PageRenderer,
        assets: Assets,
        reader: ReaderStore | None = None,
        texts: TextStore | None = None,
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
        self._texts_waiting = 0  # texts asked of the pool and not made yet
        # Counts the texts waiting, from the pool's thread and the publisher's.
        self._texts_lock = threading.Lock()
        # Set by create_app once the database is open; None builds pages without notices.
        self.notice_store: NoticeStore | None = None
        self.status = ReloadStatus()
        # Builds come from the publisher (a request or the watcher's thread) and from the
        # background renders, texts and notice checks: one at a time, so that an older
        # build never replaces a newer one.
        self._lock = threading.Lock()
        self._site: Site | None = None
        self._built_from: tuple[object, ...] | None = None  # what `_site` was built from
        # Versions whose pages are missing (made before the reader, or a render that failed)
        # are rendered here in the background; the site is built once the queue is empty.
        self.reader_queue = (
            ReaderQueue(reader, self._read_blob, self._background_done)
            if reader is not None
            else None
        )

    @property
    def site(self) -> Site:
        """What the public routes serve now (pages without guides until a catalog loads)."""
        site = self._site
        if site is None:
            with self._lock:
                if self._site is None:
                    self._show(Catalog(guides=()))
                site = self._site
            assert site is not None
        return site

    @property
    def loaded(self) -> bool:
        """A catalog has been shown: from now on a bad file keeps the last good one."""
        return self.status.last_success_at is not None

    def show(self, catalog: Catalog, skipped: Sequence[str] = ()) -> bool:
        """Serve `catalog`; False when the site served already shows exactly this (nothing is
        built then). `skipped`: the files left out of it, each with its reason."""
        for warning in catalog.warnings:
            log.warning("catalog: %s", warning)
        with self._lock:
            built = self._show(catalog)
            if skipped:
                self.status.last_error = "; ".join(skipped)
                self.status.last_error_at = datetime.now(UTC)
                log.error("left out of the catalog: %s", self.status.last_error)
            else:
                self.status.last_error = None
                self.status.last_error_at = None
            self.status.last_success_at = datetime.now(UTC)
            self.status.reloads += 1
        if built:
            log.info("catalog %s loaded: %d guides", catalog.version, len(catalog.guides))
        self._queue_renders(catalog)
        return built

    def refuse(self, problem: Exception) -> None:
        """The catalog could not be loaded: the last good one keeps serving, /healthz says why.

        CatalogError names the file and the reason; OSError is a PDF that cannot be read or
        no room to store it (a full disk); anything else is our own bug, which must not stop
        the site either."""
        if not isinstance(problem, CatalogError | OSError):
            log.error("catalog load failed unexpectedly", exc_info=problem)
        self.status.last_error = str(problem) or type(problem).__name__
        self.status.last_error_at = datetime.now(UTC)
        log.error("catalog not loaded, still serving the last good one: %s", problem)

    @property
    def root(self) -> SiteRoot:
        """Where the site lives on its host (root_path.py)."""
        return self.renderer.root

    @property
    def languages(self) -> Languages:
        """The languages the site speaks (server/languages.py)."""
        return self.renderer.languages

    def rebuild(self) -> None:
        """Build the current catalog again if more of its pages or texts are ready, or the
        notices changed; nothing is built when the site would come out the same."""
        with self._lock:
            if self._site is not None:
                self._show(self._site.catalog)

    def notices_changed(self) -> bool:
        """A notice was added or removed (here or by the CLI), or one started or ended."""
        if self.notice_store is None:
            return False
        site = self.site
        try:
            revision = self.notice_store.revision()
        except (DatabaseProblem, OSError):
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
        except (DatabaseProblem, OSError) as exc:
            log.warning("notices not read, the pages keep the ones they had: %s", exc)
            return self._site.board if self._site else None

    def _show(self, catalog: Catalog) -> bool:
        """Build the site for `catalog` unless the one served was built from the same. Call
        with the lock held."""
        failed = self.reader_queue.failed() if self.reader_queue else frozenset()
        texts = self._texts(catalog)
        board = self._notice_board()
        built_from = (
            catalog.version,
            tuple(guide.in_catalog for guide in catalog.guides),
            frozenset(current_editions(catalog, self.reader)),
            failed & {f.sha256 for f in catalog.files()},
            frozenset(texts),
            (board.revision, board.key(board.built_at)) if board else None,
        )
        if self._site is not None and built_from == self._built_from:
            return False
        site = build_site(
            catalog, self.office, self.renderer, self.assets, self.reader, failed, texts, board
        )
        # A worker generated from the previous build may still be installing and fetch its
        # search index; keep that one generation answering, so its install does not fail.
        previous = self._site
        if previous is not None:
            for index in previous.search.values():
                site.responses.setdefault(index.url, previous.responses[index.url])
        self._site, self._built_from = site, built_from
        return True

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
                with self._texts_lock:
                    self._texts_waiting += 1
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
        finally:
            with self._texts_lock:
                self._texts_waiting -= 1
        try:
            self._background_done()
        except Exception:  # the next load tries again
            log.exception("text: rebuilding the site after %s failed", sha256[:16])

    def _background_done(self) -> None:
        """A text or pages made in the background: the site is built again once all that
        was waiting is made, so that a start-up's backlog makes one more build, not one
        for each file."""
        with self._texts_lock:
            texts_waiting = self._texts_waiting
        if texts_waiting or (self.reader_queue is not None and self.reader_queue.pending()):
            return
        self.rebuild()

    def close(self) -> None:
        self._text_pool.shutdown(wait=False, cancel_futures=True)

    def _read_blob(self, sha256: str) -> bytes:
        return self.store.read(sha256)
