"""The one publishing path: the admin, the CLI and the dropped-file watcher all change guides here.

Everything is checked before anything changes; a refusal raises `PublishError`
and leaves the disk as it was. Accepted changes go through `Journal`, so a
crash at any point is finished on the next start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from server.catalog import Catalog, FileCache, load_catalog
from server.catalog_edit import entry_with, existing, new_file_name
from server.catalog_file import (
    CATALOG_NAME,
    CatalogError,
    GuideEntry,
    parse_catalog,
)
from server.catalog_write import leading_comments, render_checked
from server.clock import office_today
from server.guide_text import TextError, TextStore
from server.journal import (
    AuditRecord,
    Change,
    ChangeUnfinished,
    FileWrite,
    Journal,
    checkpoint,
)
from server.languages import Languages, shipped_languages
from server.publish_checks import (
    DEFAULT_MAX_BYTES,
    GuideTexts,
    Outcome,
    PublishError,
    check_lang,
    check_pdf,
    check_slug,
    check_space,
    disk_errors,
    read_limited,
    too_large,
)
from server.reader import ReaderQueue, ReaderStore
from server.storage.default import open_files, open_records
from server.storage.files import GuideFiles, sha256_hex
from server.storage.records import Records
from server.storage.rows import utc_now
from server.versions import Version, rollback_target

if TYPE_CHECKING:
    from server.site import LiveSite

log = logging.getLogger("bilang_karyo")

FOLDER_ACTOR = "folder"


class Publisher:
    """Checks, stores and records every change to guides/, then hands the new catalog to the
    live site (`site`, in the server; None in the CLI, whose changes the server's watcher
    picks up)."""

    def __init__(
        self,
        guides_dir: Path,
        data_dir: Path,
        *,
        db: Records | None = None,
        files: GuideFiles | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        site: LiveSite | None = None,
        render_progress: Callable[[str, int, int], None] | None = None,
        languages: Languages | None = None,
    ) -> None:
        self.guides_dir = guides_dir
        # The languages a guide's file may be in (server/languages.py).
        self.languages = languages or shipped_languages()
        self.db = db or open_records(data_dir)
        self.store = files or open_files(data_dir)
        self.versions = self.db.versions
        self.texts = TextStore(data_dir / "text")
        self.max_bytes = max_bytes
        self.site = site
        # The site's own queue when there is one, so that its pages know a render that failed.
        queue = site.reader_queue if site is not None else None
        self.renders = queue or ReaderQueue(
            ReaderStore(data_dir / "reader"), self._read_blob, lambda: None
        )
        # "slug.lang", pages done, pages in all: the CLI shows a render's progress.
        self.render_progress = render_progress
        # Each file's hash and page count: bytes checked here, or recorded as a version by
        # another process (the CLI), are not parsed again when the catalog is loaded.
        self.files = FileCache(max_bytes, lookup=self._recorded_pages)
        self.lock = self.db.publish_lock
        self.journal = Journal(self.db, guides_dir, self.store)
        self._hash_cache: dict[str, tuple[tuple[int, int, int], str]] = {}

    # Reading ----------------------------------------------------------------

    def catalog_text(self) -> str:
        path = self.guides_dir / CATALOG_NAME
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""
        except (OSError, UnicodeDecodeError) as exc:
            raise PublishError("catalog_broken", f"{path}: cannot be read: {exc}") from None

    def entries(self) -> list[GuideEntry]:
        path = self.guides_dir / CATALOG_NAME
        try:
            return parse_catalog(self.catalog_text(), path, self.languages)
        except CatalogError as exc:
            raise PublishError(
                "catalog_broken", f"{exc}; fix catalog.toml before publishing"
            ) from None

    def entry(self, slug: str) -> GuideEntry | None:
        return next((e for e in self.entries() if e.slug == slug), None)

    # Changing ---------------------------------------------------------------

    def publish(
        self,
        slug: str,
        lang: str,
        source: BinaryIO,
        actor: str,
        texts: GuideTexts | None = None,
    ) -> Outcome:
        """A new version of one language of a guide; with `texts`, may add the guide."""
        check_slug(slug)
        check_lang(lang, self.languages)
        data = read_limited(source, self.max_bytes)
        digest = sha256_hex(data)
        pages = self.check(data, digest)
        # Before the version goes live, so that its first build has its text and its pages.
        self.derive(digest, data, f"{slug}.{lang}")
        checkpoint("validated")
        with self.lock.held():
            self.journal.recover()
            entries = self.entries()
            entry = next((e for e in entries if e.slug == slug), None)
            if entry is None and texts is None:
                raise PublishError(
                    "unknown_guide",
                    f"there is no guide {slug!r}; give its titles and summaries to add it",
                )
            name = entry.files.get(lang) if entry else None
            name = name or new_file_name(entries, slug, lang)
            current = self._adopt(slug, lang, name)
            new_entry = entry_with(entries, entry, slug, texts or GuideTexts())
            new_entry = replace(new_entry, files={**new_entry.files, lang: name})
            old = self._current_hash(current, name)
            if digest == old and new_entry == entry:
                return Outcome("publish", slug, lang, None, old, digest, changed=False)
            if texts is None or texts.last_checked is None:
                # A new version means someone checked the guide today.
                new_entry = replace(new_entry, last_checked=office_today())
            blob = 0 if self.store.has(digest) else len(data)
            check_space([*self.store.room_needed(blob), (self.guides_dir, len(data))])
            with disk_errors():
                self.store.put(data, digest)
            checkpoint("blob-stored")
            version = _new_version(
                current, slug, lang, digest, len(data), pages, actor,
                new_entry.last_checked.isoformat(),
            )  # fmt: skip
            audit = [AuditRecord(actor, "publish", slug, lang, old, digest, f"v{version.number}")]
            if entry is None:
                audit.insert(0, AuditRecord(actor, "add_guide", slug, detail=new_entry.title["id"]))
            write = FileWrite(name, digest)
            known = entry is not None and name in entry.files.values()
            self.commit(
                Change(
                    writes_before=(write,) if known else (),
                    catalog_text=self._render(entries, new_entry),
                    writes_after=() if known else (write,),
                    versions=(version,) if digest != old else (),
                    audit=tuple(audit),
                ),
                contents={digest: data},
            )
        return Outcome("publish", slug, lang, version.number, old, digest)

    def rollback(
        self, slug: str, actor: str, *, to: int | None = None, lang: str | None = None
    ) -> Outcome:
        check_slug(slug)
        with self.lock.held():
            self.journal.recover()
            history = self.versions.history(slug)
            if not history:
                raise PublishError("no_history", f"guide {slug!r} has no recorded versions")
            target = rollback_target(slug, history, to, lang, self.languages)
            lang = target.lang
            entries = self.entries()
            entry = next((e for e in entries if e.slug == slug), None)
            name = (entry.files.get(lang) if entry else None) or f"{slug}.{lang}.pdf"
            current = self.versions.current(slug, lang)
            old = self._current_hash(current, name)
            if target.sha256 == old:
                raise PublishError(
                    "already_current", f"version {target.number} is already the one served"
                )
            try:
                data = self.store.read(target.sha256)
            except FileNotFoundError:
                data = b""
            if sha256_hex(data) != target.sha256:
                raise PublishError("blob_missing", f"the stored copy of v{target.number} is gone")
            check_space([(self.guides_dir, target.size)])
            # Made already unless the version is from before text versions or the reader.
            self.derive(target.sha256, data, f"{slug}.{lang}")
            self.files.known[target.sha256] = target.pages
            number = current.number + 1 if current else 1
            # The version comes back with the date it was checked on, not today's.
            checked = target.checked_on()
            version = replace(
                target,
                id=0,
                number=number,
                created_at=utc_now(),
                actor=actor,
                action="rollback",
                restored_from=target.number,
                last_checked=checked.isoformat(),
            )
            catalog_text = None
            if entry is not None:
                restored = replace(entry, files={**entry.files, lang: name}, last_checked=checked)
                if restored != entry:
                    catalog_text = self._render(entries, restored)
            write = FileWrite(name, target.sha256)
            self.commit(
                Change(
                    writes_before=(write,),
                    catalog_text=catalog_text,
                    versions=(version,),
                    audit=(
                        AuditRecord(
                            actor,
                            "rollback",
                            slug,
                            lang,
                            old,
                            target.sha256,
                            f"v{number} = v{target.number}",
                        ),
                    ),
                ),
                contents={target.sha256: data},
            )
        return Outcome("rollback", slug, lang, number, old, target.sha256)

    def edit(self, slug: str, actor: str, texts: GuideTexts) -> Outcome:
        """Change a guide's texts, sources, order, prominence or check date."""
        check_slug(slug)
        with self.lock.held():
            self.journal.recover()
            entries = self.entries()
            entry = existing(entries, slug)
            new_entry = entry_with(entries, entry, slug, texts)
            if new_entry == entry:
                return Outcome("edit", slug, changed=False)
            changed = [f for f in _EDITABLE if getattr(entry, f) != getattr(new_entry, f)]
            return self._catalog_change(entries, new_entry, actor, "edit", ", ".join(changed))

    def set_retired(self, slug: str, actor: str, retired: bool = True) -> Outcome:
        check_slug(slug)
        action = "retire" if retired else "restore"
        with self.lock.held():
            self.journal.recover()
            entries = self.entries()
            entry = existing(entries, slug)
            if entry.retired == retired:
                state = "retired" if retired else "shown"
                raise PublishError("already_" + action, f"guide {slug!r} is already {state}")
            return self._catalog_change(entries, replace(entry, retired=retired), actor, action)

    def reorder(self, actor: str, orders: Mapping[str, int]) -> Outcome:
        with self.lock.held():
            self.journal.recover()
            entries = self.entries()
            unknown = set(orders) - {e.slug for e in entries}
            if unknown:
                raise PublishError("unknown_guide", f"no guide {sorted(unknown)[0]!r}")
            new = [replace(e, order=orders.get(e.slug, e.order)) for e in entries]
            if new == entries:
                return Outcome("reorder", "", changed=False)
            moved = [f"{e.slug}={e.order}" for e, o in zip(new, entries, strict=True) if e != o]
            header = leading_comments(self.catalog_text())
            text = self._checked_text(new, header)
            self.commit(
                Change(
                    catalog_text=text,
                    audit=(AuditRecord(actor, "reorder", detail=", ".join(moved)),),
                )
            )
        return Outcome("reorder", "")

    def record_folder_file(
        self,
        slug: str,
        lang: str,
        path: Path,
        current: Version | None,
        derive: bool = True,
        render: bool = True,
    ) -> Outcome | None:
        """Record a PDF that is in guides/ but not yet a version, as the folder's publish.

        The file stays as it is (a copy may still be going on); `None` when it is
        already the `current` version. `derive`: make its text and (with `render`) its
        pages before it goes live; not so for a file kept only to be restorable. At
        start-up the site makes the pages in the background. Call with the lock held.
        """
        if path.stat().st_size > self.max_bytes:
            raise too_large(self.max_bytes)
        digest = self.hash_file(path)
        if current is not None and current.sha256 == digest:
            return None
        data = path.read_bytes()
        if sha256_hex(data) != digest:
            raise PublishError("pdf_incomplete", "the file changed while it was read")
        pages = self.check(data, digest)
        if derive:
            self.derive(digest, data, f"{slug}.{lang}", render)
        self.store.put(data, digest)
        old = current.sha256 if current else ""
        version = _new_version(
            current, slug, lang, digest, len(data), pages, FOLDER_ACTOR, self._checked_date(slug)
        )
        audit = AuditRecord(
            FOLDER_ACTOR, "publish", slug, lang, old, digest, f"v{version.number} {path.name}"
        )
        # The folder sync shows the site once, after every file is recorded.
        self.commit(Change(versions=(version,), audit=(audit,)), show=False)
        return Outcome("publish", slug, lang, version.number, old, digest)

    def _adopt(self, slug: str, lang: str, name: str) -> Version | None:
        """The current version of the file. A file Tikkim put in guides/ before any version
        was recorded becomes one first, so that no publish ever replaces bytes that cannot
        be brought back."""
        current = self.versions.current(slug, lang)
        path = self.guides_dir / name
        if current is None and path.is_file():
            try:
                # About to be replaced: its text and pages are made if it is rolled back to.
                if self.record_folder_file(slug, lang, path, None, derive=False) is not None:
                    current = self.versions.current(slug, lang)
            except PublishError as exc:
                log.warning("%s: not kept as a version: %s", name, exc)
        return current

    # Helpers ---------------------------------------------------------------

    def check(self, data: bytes, sha256: str) -> int:
        """The page count of a PDF we may publish (refused with `PublishError` otherwise)."""
        pages = check_pdf(data, sha256)
        self.files.known[sha256] = pages
        return pages

    def derive(self, sha256: str, data: bytes, name: str = "", render: bool = True) -> None:
        """What the site shows of a version besides its PDF: its text version and its reader
        pages, made before the version goes live (each once: both stores are by content).
        Without `render`, the site's queue makes the pages in the background."""
        self.make_text(sha256, data)
        if not render:
            return
        progress = self.render_progress

        def report(done: int, total: int) -> None:
            if progress is not None:
                progress(name, done, total)

        self.renders.render_now(sha256, data, report)

    def make_text(self, sha256: str, data: bytes) -> None:
        """The text version of a PDF; one that cannot be read leaves the guide its pages."""
        try:
            self.texts.make(sha256, data)
        except (TextError, OSError) as exc:
            log.warning("text version of %s not made: %s", sha256[:16], exc)

    def commit(
        self, change: Change, contents: Mapping[str, bytes] | None = None, show: bool = True
    ) -> None:
        """Apply `change` (the lock held); `contents`: the bytes it writes, by sha256, as
        checked. Then, unless `show` is False, the live site is handed the new catalog."""
        try:
            with disk_errors():
                self.journal.commit(change, contents)
        except ChangeUnfinished as exc:
            # Past the journal: the change stands and is finished later, so this is no
            # refusal with "nothing changed".
            raise PublishError("unfinished", str(exc), 507) from exc
        if show:
            self.show()

    def show(self, derive: bool = True) -> bool:
        """Hand the catalog, as guides/ holds it now, to the live site; True when the site
        was built anew. Call with the lock held, so that it is the catalog just written.
        `derive`: make the text and pages of a file not stored yet (not at start-up: the
        site makes them in the background)."""
        site = self.site
        if site is None:
            return False
        # Until a catalog has loaded (the server starting), a bad PDF is left out and the
        # rest served; later, any bad file keeps the last good catalog serving.
        skipped: list[str] | None = None if site.loaded else []
        try:
            catalog = load_catalog(self.guides_dir, self.files, skipped, self.languages)
            self._store_unstored(catalog, derive)
        except Exception as exc:
            site.refuse(exc)
            return False
        return site.show(catalog, skipped or ())

    def _store_unstored(self, catalog: Catalog, derive: bool) -> None:
        """The site serves from the blob store: a file not recorded yet (the database could
        not be written, say) is stored now, with its text and pages."""
        for gfile in catalog.files():
            if self.store.has(gfile.sha256):
                continue
            data = (self.guides_dir / gfile.filename).read_bytes()
            if sha256_hex(data) != gfile.sha256:
                raise CatalogError(f"{gfile.filename}: the file changed while it was read")
            if derive:
                self.derive(gfile.sha256, data, f"{gfile.slug}.{gfile.lang}")
            self.store.put(data, gfile.sha256)

    def _catalog_change(
        self,
        entries: list[GuideEntry],
        new_entry: GuideEntry,
        actor: str,
        action: str,
        detail: str = "",
    ) -> Outcome:
        old_text = self.catalog_text()
        text = self._render(entries, new_entry)
        old, new = sha256_hex(old_text.encode()), sha256_hex(text.encode())
        entry = AuditRecord(actor, action, new_entry.slug, "", old, new, detail)
        self.commit(Change(catalog_text=text, audit=(entry,)))
        return Outcome(action, new_entry.slug, "", None, old, new)

    def _render(self, entries: list[GuideEntry], new_entry: GuideEntry) -> str:
        replaced = [new_entry if e.slug == new_entry.slug else e for e in entries]
        if not any(e.slug == new_entry.slug for e in entries):
            replaced.append(new_entry)
        return self._checked_text(replaced, leading_comments(self.catalog_text()))

    def _checked_text(self, entries: list[GuideEntry], header: str) -> str:
        try:
            return render_checked(entries, header, self.guides_dir / CATALOG_NAME, self.languages)
        except CatalogError as exc:
            raise PublishError("bad_texts", str(exc)) from None

    def _checked_date(self, slug: str) -> str | None:
        """The guide's "last checked" date in the catalog, which a file copied in by hand
        leaves as it was; None when the catalog cannot tell."""
        try:
            entry = self.entry(slug)
        except PublishError:
            return None
        return entry.last_checked.isoformat() if entry else None

    def _current_hash(self, current: Version | None, name: str) -> str:
        if current is not None:
            return current.sha256
        path = self.guides_dir / name
        return self.hash_file(path) if path.is_file() else ""

    def _recorded_pages(self, sha256: str) -> int | None:
        try:
            return self.versions.pages_of(sha256)
        except Exception:  # the database unreadable: the file is checked (parsed) instead
            return None

    def _read_blob(self, sha256: str) -> bytes:
        return self.store.read(sha256)

    def hash_file(self, path: Path) -> str:
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        known = self._hash_cache.get(path.name)
        if known and known[0] == key:
            return known[1]
        digest = sha256_hex(path.read_bytes())
        self._hash_cache[path.name] = (key, digest)
        return digest


_EDITABLE = ("title", "summary", "sources", "order", "featured", "last_checked")


def _new_version(
    current: Version | None,
    slug: str,
    lang: str,
    sha256: str,
    size: int,
    pages: int,
    actor: str,
    last_checked: str | None,
) -> Version:
    """The next published version of the guide's file in `lang`, after `current`."""
    number = current.number + 1 if current else 1
    return Version(
        0, slug, number, lang, sha256, size, pages, utc_now(), actor, "publish", None, last_checked
    )
