"""The guide catalog: the guides, their PDF files, and loading them from `guides/`."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from server.catalog_file import (
    CATALOG_NAME,
    CatalogError,
    GuideEntry,
    is_valid_slug,
    parse_catalog,
)
from server.languages import Languages, shipped_languages
from server.pdf import PdfError, inspect_pdf
from server.storage.files import sha256_hex

__all__ = ["Catalog", "CatalogError", "FileCache", "Guide", "GuideFile", "load_catalog"]

# A PDF dropped in without a catalog entry is picked up when named like this, with the code
# of one of the registry's languages (server/languages.py).
_DROPPED_NAME = re.compile(r"^(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.(?P<lang>[a-z]{2,3})\.pdf$")
_DROPPED_ORDER = 1000


@dataclass(frozen=True)
class GuideFile:
    slug: str
    lang: str
    filename: str
    size: int
    sha256: str
    pages: int

    @property
    def url(self) -> str:
        """Carries the content hash, so browsers may keep it forever."""
        return f"/files/{self.slug}.{self.lang}.{self.sha256[:16]}.pdf"

    @property
    def download_name(self) -> str:
        return f"{self.slug}-{self.lang}.pdf"


@dataclass(frozen=True)
class Guide:
    slug: str
    order: int
    featured: bool
    last_checked: date
    title: Mapping[str, str]
    summary: Mapping[str, str]
    sources: tuple[str, ...]
    files: Mapping[str, GuideFile]
    in_catalog: bool = True
    # The file each language's page shows: its own, else its fallback's (server/languages.py).
    shown: Mapping[str, GuideFile] = field(default_factory=dict)

    def file_for(self, lang: str) -> GuideFile:
        """The file in `lang`, else in its fallback language, else another one we have."""
        return self.files.get(lang) or self.shown.get(lang) or next(iter(self.files.values()))

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files.values())


@dataclass(frozen=True)
class Catalog:
    guides: tuple[Guide, ...]
    warnings: tuple[str, ...] = ()
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def version(self) -> str:
        """Changes whenever anything an applicant could see changes."""
        payload = json.dumps(
            [
                [
                    g.slug,
                    g.order,
                    g.featured,
                    g.last_checked.isoformat(),
                    g.title,
                    g.summary,
                    g.sources,
                    {lang: f.sha256 for lang, f in sorted(g.files.items())},
                ]
                for g in self.guides
            ],
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def guide(self, slug: str) -> Guide | None:
        return next((g for g in self.guides if g.slug == slug), None)

    def files(self) -> list[GuideFile]:
        return [f for g in self.guides for f in g.files.values()]


@dataclass(frozen=True)
class _FileFacts:
    stat_key: tuple[int, int, int]
    sha256: str
    pages: int


class FileCache:
    """Each PDF's hash and page count while its size, mtime and inode stay the same.

    Page counts are also kept by content hash (`known`): bytes the publisher has
    checked already, here or in another process (`lookup`: the versions it
    recorded), are not parsed again.
    """

    def __init__(
        self, max_bytes: int | None = None, lookup: Callable[[str], int | None] | None = None
    ) -> None:
        self._facts: dict[Path, _FileFacts] = {}
        self.known: dict[str, int] = {}  # sha256 -> pages
        self.max_bytes = max_bytes
        self.lookup = lookup

    def facts(self, path: Path) -> _FileFacts:
        stat = path.stat()
        if self.max_bytes is not None and stat.st_size > self.max_bytes:
            # The same limit as an upload: a larger file dropped into guides/ is not served.
            limit = f"{self.max_bytes / (1024 * 1024):g} MB"
            raise CatalogError(f"{path}: the file is larger than the limit of {limit}")
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        known = self._facts.get(path)
        if known and known.stat_key == key:
            return known
        data = path.read_bytes()
        after = path.stat()
        if (after.st_size, after.st_mtime_ns, after.st_ino) != key or len(data) != after.st_size:
            raise CatalogError(f"{path}: the file changed while it was read; still being copied?")
        digest = sha256_hex(data)
        facts = _FileFacts(key, digest, self.pages(digest, data, path))
        self._facts[path] = facts
        return facts

    def pages(self, digest: str, data: bytes, path: Path | None = None) -> int:
        """The page count of `data`, checked once per content (see pdf.py)."""
        pages = self.known.get(digest)
        if pages is None and self.lookup is not None:
            pages = self.lookup(digest)
        if pages is None:
            try:
                pages = inspect_pdf(data, digest).pages
            except PdfError as exc:
                raise CatalogError(f"{path}: {exc}" if path else str(exc)) from None
        self.known[digest] = pages
        return pages


def load_catalog(
    guides_dir: Path,
    cache: FileCache | None = None,
    skipped: list[str] | None = None,
    languages: Languages | None = None,
) -> Catalog:
    """Read the catalog and every PDF it names; raise `CatalogError` if any is unusable.

    It only reads: storing the files is publishing's (publish.py, folder_sync.py). With
    `skipped` (a list), an unusable PDF is left out instead, and the reason added to it.
    """
    cache = cache or FileCache()
    languages = languages or shipped_languages()
    entries = read_entries(guides_dir, languages)
    warnings: list[str] = []
    pdf_names = _pdf_names(guides_dir)
    guides: list[Guide] = []
    referenced: set[str] = set()
    for entry in entries:
        referenced.update(entry.files.values())
        if entry.retired:
            continue
        files = {}
        for lang, name in entry.files.items():
            if name not in pdf_names:
                warnings.append(f"guide '{entry.slug}': files.{lang} = {name!r} is missing")
                continue
            try:
                files[lang] = _guide_file(guides_dir, entry.slug, lang, name, cache)
            except CatalogError as exc:
                if skipped is None:
                    raise
                skipped.append(str(exc))
        if not files:
            warnings.append(f"guide '{entry.slug}' has no PDF files and is not shown")
            continue
        guides.append(_guide(entry, files))

    _add_dropped_files(
        guides_dir, pdf_names - referenced, guides, warnings, cache, skipped, languages
    )
    guides = [_in_every_language(guide, languages) for guide in guides]
    guides.sort(key=lambda g: (g.order, g.slug))
    return Catalog(guides=tuple(guides), warnings=tuple(warnings))


def read_entries(guides_dir: Path, languages: Languages | None = None) -> list[GuideEntry]:
    """The entries of guides/catalog.toml; `CatalogError` says what is wrong with it."""
    catalog_path = guides_dir / CATALOG_NAME
    try:
        text = catalog_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(f"{catalog_path}: not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{catalog_path}: cannot be read: {exc}") from None
    return parse_catalog(text, catalog_path, languages or shipped_languages())


def _in_every_language(guide: Guide, languages: Languages) -> Guide:
    """The guide with a title, a summary and a file for each language's pages: a language
    the catalog leaves out shows its fallback's (the catalog file itself is not changed)."""
    shown = {}
    for code in languages.codes:
        found = next(
            (guide.files[lang] for lang in languages.chain(code) if lang in guide.files), None
        )
        if found is not None:
            shown[code] = found
    return replace(
        guide,
        title=languages.complete(guide.title),
        summary=languages.complete(guide.summary),
        shown=shown,
    )


def _pdf_names(guides_dir: Path) -> set[str]:
    root = guides_dir.resolve()
    names = set()
    for path in guides_dir.glob("*.pdf"):
        # A link pointing out of guides/ is not ours to serve.
        if path.is_file() and path.resolve().parent == root:
            names.add(path.name)
    return names


def _guide_file(guides_dir: Path, slug: str, lang: str, name: str, cache: FileCache) -> GuideFile:
    path = guides_dir / name
    try:
        facts = cache.facts(path)
    except FileNotFoundError:
        raise CatalogError(f"{path}: disappeared while it was read") from None
    return GuideFile(slug, lang, name, path.stat().st_size, facts.sha256, facts.pages)


def _guide(entry: GuideEntry, files: Mapping[str, GuideFile]) -> Guide:
    return Guide(
        slug=entry.slug,
        order=entry.order,
        featured=entry.featured,
        last_checked=entry.last_checked,
        title=entry.title,
        summary=entry.summary,
        sources=entry.sources,
        files=dict(files),
    )


def _add_dropped_files(
    guides_dir: Path,
    names: set[str],
    guides: list[Guide],
    warnings: list[str],
    cache: FileCache,
    skipped: list[str] | None = None,
    languages: Languages | None = None,
) -> None:
    """Serve PDFs dropped in without a catalog entry, so a new guide shows up at once."""
    languages = languages or shipped_languages()
    for name in sorted(names):
        match = _DROPPED_NAME.fullmatch(name)
        if not match or not is_valid_slug(match["slug"]) or match["lang"] not in languages:
            named = " or ".join(f"<slug>.{code}.pdf" for code in languages.codes)
            warnings.append(f"{name}: ignored; name it {named}")
            continue
        slug, lang = match["slug"], match["lang"]
        try:
            gfile = _guide_file(guides_dir, slug, lang, name, cache)
        except CatalogError as exc:
            if skipped is None:
                raise
            skipped.append(str(exc))
            continue
        index = next((i for i, g in enumerate(guides) if g.slug == slug), None)
        if index is not None and lang not in guides[index].files:
            old = guides[index]
            guides[index] = Guide(**{**old.__dict__, "files": {**old.files, lang: gfile}})
            warnings.append(f"{name}: not in {CATALOG_NAME}; shown as the {lang} file of '{slug}'")
            continue
        if index is not None:
            warnings.append(f"{name}: ignored; '{slug}' already has a {lang} file in the catalog")
            continue
        title = slug.replace("-", " ").capitalize()
        mtime = datetime.fromtimestamp(os.stat(guides_dir / name).st_mtime, UTC).date()
        guides.append(
            Guide(
                slug=slug,
                order=_DROPPED_ORDER,
                featured=False,
                last_checked=mtime,
                title={code: title for code in languages.codes},
                summary={code: "" for code in languages.codes},
                sources=(),
                files={lang: gfile},
                in_catalog=False,
            )
        )
        warnings.append(f"{name}: not in {CATALOG_NAME}; add titles and a summary for '{slug}'")
