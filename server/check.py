"""`bilang-karyo check`: the SOP's "the website works and holds the service information"."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from server.catalog import FileCache, load_catalog, read_entries
from server.catalog_file import CATALOG_NAME, CatalogError
from server.check_live import check_live_site
from server.i18n import MessagesError, format_size, load_messages
from server.languages import Languages, shipped_languages
from server.office import Office, OfficeError, load_office
from server.publish_checks import dropped_owner


@dataclass
class CheckReport:
    lines: list[tuple[str, str]] = field(default_factory=list)  # (OK|WARN|FAIL, text)

    def ok(self, text: str) -> None:
        self.lines.append(("OK", text))

    def warn(self, text: str) -> None:
        self.lines.append(("WARN", text))

    def fail(self, text: str) -> None:
        self.lines.append(("FAIL", text))

    @property
    def problems(self) -> int:
        return sum(1 for level, _ in self.lines if level == "FAIL")

    @property
    def warnings(self) -> int:
        return sum(1 for level, _ in self.lines if level == "WARN")

    def render(self) -> str:
        body = "\n".join(f"{level:<4} {text}" for level, text in self.lines)
        verdict = "all good" if not self.problems else f"{self.problems} problem(s)"
        return f"{body}\n\nResult: {verdict}, {self.warnings} warning(s)."


def run_check(
    guides_dir: Path, office_file: Path, url: str | None = None, root_path: str | None = None
) -> CheckReport:
    """`url`: None checks only the files; "" the running site at the office's public URL,
    as the QR code encodes it; anything else the running site at that address instead.
    `root_path` as the server's setting (None: the path of public_url)."""
    report = CheckReport()
    office = _check_office(office_file, report)
    languages = office.languages if office is not None else shipped_languages()
    if office is not None:
        _check_languages(languages, report)
    slugs = _check_catalog(guides_dir, report, languages)
    _check_office_guides(office_file, slugs, report)
    if url is not None:
        if office is None:
            report.fail("the running site is not checked: the office file must load first")
        else:
            check_live_site(office, url, root_path, report)
    return report


def _check_office(office_file: Path, report: CheckReport) -> Office | None:
    try:
        office = load_office(office_file)
    except OfficeError as exc:
        report.fail(f"office file: {exc}")
        return None
    report.ok(f"office file {office_file}: {office.name}")
    report.ok(f"public URL: {office.public_url}; the QR code holds {office.qr_url}")
    report.ok(
        f"WhatsApp gateway: {office.whatsapp.display_number}, message {office.whatsapp.message!r}"
    )
    closures = sum(len(place.hours.closures) for place in office.places)
    specials = sum(len(place.hours.specials) for place in office.places)
    report.ok(
        f"time zone {office.timezone} ({office.zone_label}); hours for {len(office.places)} "
        f"place(s), {closures} dated closure(s), {specials} special day(s)"
    )
    for warning in office.warnings():
        report.warn(warning)
    return office


def _check_office_guides(office_file: Path, slugs: set[str] | None, report: CheckReport) -> None:
    """The guides office.toml names (public-service items, the no-brokers notice) exist."""
    try:
        office = load_office(office_file)
    except OfficeError:
        return  # reported already
    if slugs is None:
        return
    service = office.public_service
    named = [(f"public_service.{link.key}.guide", link.guide) for link in service.links]
    named += [("public_service.no_brokers_guides", slug) for slug in service.no_brokers_guides]
    for field_name, slug in named:
        if slug and slug not in slugs:
            report.warn(f"{office_file}: {field_name} names {slug!r}, which is not in the catalog")


def _check_languages(languages: Languages, report: CheckReport) -> None:
    """Every language's messages load; the ones a language lacks are listed (they show in its
    fallback language)."""
    try:
        messages = load_messages(languages)
    except MessagesError as exc:
        report.fail(f"messages: {exc}")
        return
    names = ", ".join(f"{language.code} ({language.dir})" for language in languages)
    report.ok(f"languages: {names}")
    for code, keys in messages.fallen_back.items():
        shown = ", ".join(keys[:8]) + (", ..." if len(keys) > 8 else "")
        report.warn(
            f"language {code}: {len(keys)} message(s) not translated in "
            f"{languages[code].messages.name}, shown in {languages[code].fallback}: {shown}"
        )


def _check_catalog(
    guides_dir: Path, report: CheckReport, languages: Languages | None = None
) -> set[str] | None:
    """The catalog and its PDFs, read and checked as the site loads them (`load_catalog`)."""
    languages = languages or shipped_languages()
    catalog_path = guides_dir / CATALOG_NAME
    files = FileCache()
    try:
        # Every listed and dropped-in PDF is read and checked here, once; what fails is
        # left out (`skipped`) and reported file by file below, from the same cache.
        load_catalog(guides_dir, files, skipped=[], languages=languages)
        entries = read_entries(guides_dir, languages)
    except (CatalogError, OSError) as exc:
        report.fail(str(exc))
        return None
    report.ok(f"catalog {catalog_path}: {len(entries)} guide(s)")
    named: set[str] = set()
    for entry in entries:
        named.update(entry.files.values())
        for lang in languages.codes:
            name = entry.files.get(lang)
            if name is None:
                continue
            path = guides_dir / name
            try:
                facts = files.facts(path)
            except FileNotFoundError:
                report.fail(f"{entry.slug} [{lang}]: {name} is missing from {guides_dir}")
                continue
            except CatalogError as exc:
                report.fail(f"{entry.slug} [{lang}]: {name}: {_reason(exc, path)}")
                continue
            report.ok(
                f"{entry.slug} [{lang}]: {name}, {facts.pages} page(s), "
                f"{format_size(path.stat().st_size)}"
            )
        missing = [lang for lang in languages.codes if lang not in entry.files]
        if missing:
            report.ok(
                f"{entry.slug}: no {', '.join(missing)} file (Indonesian-only guide)"
                if list(entry.files) == [languages.default.code]
                else f"{entry.slug}: only in {', '.join(entry.files)}"
            )
    for path in sorted(guides_dir.glob("*.pdf")):
        if path.name in named:
            continue
        if dropped_owner(path.name, languages) is not None:
            # The site serves a PDF named like this even when it is not listed, so a
            # damaged one stops the whole catalog from loading.
            try:
                files.facts(path)
            except (OSError, CatalogError) as exc:
                reason = _reason(exc, path) if isinstance(exc, CatalogError) else exc
                report.fail(f"{path.name}: {reason}; the site keeps its last good catalog")
                continue
        report.warn(f"{path.name}: not listed in {CATALOG_NAME}")
    return {entry.slug for entry in entries}


def _reason(exc: CatalogError, path: Path) -> str:
    """The reason alone: the report names the file already."""
    return str(exc).removeprefix(f"{path}: ")
