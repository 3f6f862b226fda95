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
from typing import BinaryIO

from server.blobs import BlobStore, sha256_hex
from server.catalog_edit import entry_with, existing, new_file_name
from server.catalog_file import (
    CATALOG_NAME,
    CatalogError,
    GuideEntry,
    parse_catalog,
)
from server.catalog_write import leading_comments, render_checked
from server.clock import office_today
from server.db import Database, utc_now
from server.guide_text import TextError, TextStore
from server.journal import (
    AuditRecord,
    Change,
    ChangeUnfinished,
    FileWrite,
    GuidesLock,
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
from server.versions import Version, Versions, next_number, rollback_target

log = logging.getLogger("bilang_karyo")

FOLDER_ACTOR = "folder"


class Publisher:
    def __init__(
        self,
        guides_dir: Path,
        data_dir: Path,
        *,
        db: Database | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        on_change: Callable[[], object] | None = None,
        languages: Languages | None = None,
    ) -> None:
        self.guides_dir = guides_dir
        # The languages a guide's file may be in (server/languages.py).
        self.languages = languages or shipped_languages()
        self.db = db or Database(data_dir)
        self.store = BlobStore(data_dir / "blobs")
        self.versions = Versions(self.db)
        self.texts = TextStore(data_dir / "text")
        self.max_bytes = max_bytes
        self.on_change = on_change
        self.lock = GuidesLock(data_dir / "publish.lock")
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
        pages = check_pdf(data)
        # Before the version goes live, so that its guide page has its text from the start.
        self.make_text(sha256_hex(data), data)
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
            self._adopt(slug, lang, name)
            new_entry = entry_with(entries, entry, slug, texts or GuideTexts())
            new_entry = replace(new_entry, files={**new_entry.files, lang: name})
            digest = sha256_hex(data)
            old = self._current_hash(slug, lang, name)
            if digest == old and new_entry == entry:
                return Outcome("publish", slug, lang, None, old, digest, changed=False)
            if texts is None or texts.last_checked is None:
                # A new version means someone checked the guide today.
                new_entry = replace(new_entry, last_checked=office_today())
            blob = 0 if self.store.has(digest) else len(data)
            check_space([(self.store.root, blob), (self.guides_dir, len(data))])
            with disk_errors():
                self.store.put(data, digest)
            checkpoint("blob-stored")
            number = self.next_number(slug, lang)
            version = Version(
                0,
                slug,
                number,
                lang,
                digest,
                len(data),
                pages,
                utc_now(),
                actor,
                "publish",
                None,
                new_entry.last_checked.isoformat(),
            )
            audit = [AuditRecord(actor, "publish", slug, lang, old, digest, f"v{number}")]
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
                )
            )
        return Outcome("publish", slug, lang, number, old, digest)

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
            old = self._current_hash(slug, lang, name)
            if target.sha256 == old:
                raise PublishError(
                    "already_current", f"version {target.number} is already the one served"
                )
            path = self.store.path_for(target.sha256)
            if not path.is_file() or sha256_hex(path.read_bytes()) != target.sha256:
                raise PublishError("blob_missing", f"the stored copy of v{target.number} is gone")
            check_space([(self.guides_dir, target.size)])
            if self.texts.layer(target.sha256) is None:  # made before text versions existed
                self.make_text(target.sha256, path.read_bytes())
            number = self.next_number(slug, lang)
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
                )
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

    def record_folder_file(self, slug: str, lang: str, path: Path) -> Outcome | None:
        """Record a PDF that is in guides/ but not yet a version, as the folder's publish.

        The file stays as it is (a copy may still be going on); `None` when it
        is already the current version. Call with the lock held.
        """
        if path.stat().st_size > self.max_bytes:
            raise too_large(self.max_bytes)
        current = self.versions.current(slug, lang)
        digest = self.hash_file(path)
        if current is not None and current.sha256 == digest:
            return None
        data = path.read_bytes()
        if sha256_hex(data) != digest:
            raise PublishError("pdf_incomplete", "the file changed while it was read")
        pages = check_pdf(data)
        self.make_text(digest, data)
        self.store.put(data, digest)
        old = current.sha256 if current else ""
        number = self.next_number(slug, lang)
        version = Version(
            0,
            slug,
            number,
            lang,
            digest,
            len(data),
            pages,
            utc_now(),
            FOLDER_ACTOR,
            "publish",
            None,
            self._checked_date(slug),
        )
        audit = AuditRecord(
            FOLDER_ACTOR, "publish", slug, lang, old, digest, f"v{number} {path.name}"
        )
        self.commit(Change(versions=(version,), audit=(audit,)), notify=False)
        return Outcome("publish", slug, lang, number, old, digest)

    def _adopt(self, slug: str, lang: str, name: str) -> None:
        """A file Tikkim put in guides/ before any version was recorded becomes one
        first, so that no publish ever replaces bytes that cannot be brought back."""
        path = self.guides_dir / name
        if self.versions.current(slug, lang) is None and path.is_file():
            try:
                self.record_folder_file(slug, lang, path)
            except PublishError as exc:
                log.warning("%s: not kept as a version: %s", name, exc)

    # Helpers ---------------------------------------------------------------

    def make_text(self, sha256: str, data: bytes) -> None:
        """The text version of a PDF; one that cannot be read leaves the guide its pages."""
        try:
            self.texts.make(sha256, data)
        except (TextError, OSError) as exc:
            log.warning("text version of %s not made: %s", sha256[:16], exc)

    def commit(self, change: Change, notify: bool = True) -> None:
        try:
            with disk_errors():
                self.journal.commit(change)
        except ChangeUnfinished as exc:
            # Past the journal: the change stands and is finished later, so this is no
            # refusal with "nothing changed".
            raise PublishError("unfinished", str(exc), 507) from exc
        if notify and self.on_change is not None:
            self.on_change()

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

    def next_number(self, slug: str, lang: str) -> int:
        with self.db.connect() as conn:
            return next_number(conn, slug, lang)

    def _checked_date(self, slug: str) -> str | None:
        """The guide's "last checked" date in the catalog, which a file copied in by hand
        leaves as it was; None when the catalog cannot tell."""
        try:
            entry = self.entry(slug)
        except PublishError:
            return None
        return entry.last_checked.isoformat() if entry else None

    def _current_hash(self, slug: str, lang: str, name: str) -> str:
        version = self.versions.current(slug, lang)
        if version is not None:
            return version.sha256
        path = self.guides_dir / name
        return self.hash_file(path) if path.is_file() else ""

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
