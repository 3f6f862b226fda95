"""Renders every public page of a catalog version, once, with Jinja2."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from server.assets import Assets
from server.catalog import Catalog, Guide
from server.guide_text import TOC_MIN_SECTIONS, GuideText, linked, sections
from server.i18n import Messages, format_size
from server.notices import NOTICES_URL, NoticeBoard
from server.office import Office, Place
from server.office_page import DatedRow, WeekRow, dated_rows, office_data, week_rows
from server.reader import ReaderEdition
from server.root_path import SiteRoot
from server.search import SEARCH_PATH, SearchHit

PUBLIC_SERVICE_PATH = "/public-service"


@dataclass(frozen=True)
class PlaceView:
    """A place on the landing page: its weekly hours and its coming closures, as text."""

    place: Place
    week: list[WeekRow]
    dated: list[DatedRow]


@dataclass(frozen=True)
class LandingButton:
    order: int
    guide: Guide | None  # None is the WhatsApp button


class PageRenderer:
    def __init__(
        self, templates_dir: Path, messages: Messages, assets: Assets, root: SiteRoot | None = None
    ) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates_dir),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["keep_words"] = keep_words
        self.messages = messages
        self.languages = messages.languages
        self.assets = assets
        self.root = root or SiteRoot()

    def render(self, template: str, lang: str, office: Office, **context: Any) -> bytes:
        messages = self.messages
        languages = self.languages
        language = languages[lang]

        def t(key: str) -> str:
            return messages.get(lang, key)

        def t_in(other: str, key: str) -> str:
            """A text in a given language: the poster and cards show both side by side."""
            return messages.get(other, key)

        def fmt_date(day: date) -> str:
            return messages.format_date(lang, day)

        def pick(texts: Mapping[str, str]) -> str:
            """A text the office wrote per language, in this page's language or its fallback."""
            return languages.pick(texts, lang)

        def lang_name(code: str) -> str:
            return languages[code].name

        def lang_attrs(code: str) -> Markup:
            """`lang="…"` for text in another language, and its `dir` where that differs from
            the page's: English text on an Arabic page reads left to right."""
            other = languages[code].dir if code in languages else language.dir
            if other == language.dir:
                return Markup('lang="{}"').format(code)
            return Markup('lang="{}" dir="{}"').format(code, other)

        root = self.root

        def asset(name: str) -> str:
            return root.url(self.assets.url(name))

        helpers: dict[str, Callable[..., Any] | str | Office | None] = {
            "lang": lang,
            "dir": language.dir,
            # The language that `/` serves (the poster's, the cards', `hreflang="x-default"`).
            "default_lang": languages.default.code,
            # `root`: where the site lives ("" or "/infokanimjogja"); `prefix`: this
            # language's pages under it. Every link in a template starts with one of them.
            "root": root.path,
            "prefix": root.url(language.prefix),
            # The language's prefix alone, for public addresses (`office.page_url`).
            "prefix_path": language.prefix,
            "office": office,
            "t": t,
            "t_in": t_in,
            "fmt_date": fmt_date,
            "pick": pick,
            "lang_name": lang_name,
            "lang_attrs": lang_attrs,
            # Each language's name, for search.js to label a hit with the language of its text.
            "lang_names": json.dumps({other.code: other.name for other in languages}),
            "lang_dirs": json.dumps({other.code: other.dir for other in languages}),
            "fmt_size": format_size,
            "asset": asset,
            "linked": linked,
            "alternates": None,
        }
        if context.get("alternates"):
            # Callers name pages by app path, as routes do; links need the public path.
            context["alternates"] = {
                code: root.url(path) for code, path in context["alternates"].items()
            }
        return self.env.get_template(template).render(**helpers | context).encode()

    def render_site(
        self,
        catalog: Catalog,
        office: Office,
        editions: Mapping[str, ReaderEdition] | None = None,
        search_urls: Mapping[str, str] | None = None,
        unrenderable: frozenset[str] = frozenset(),
        texts: Mapping[str, GuideText] | None = None,
        board: NoticeBoard | None = None,
    ) -> dict[str, bytes]:
        """Every public HTML page, keyed by its path.

        `editions` holds the rendered pages of the files that have them (by PDF
        sha256); `search_urls` the URL of each language's search index;
        `unrenderable` the files whose pages could not be made.
        """
        editions = editions or {}
        texts = texts or {}
        pages: dict[str, bytes] = {}
        featured = [LandingButton(g.order, g) for g in catalog.guides if g.featured]
        buttons = sorted(
            [*featured, LandingButton(office.whatsapp.order, None)], key=lambda b: b.order
        )
        others = [g for g in catalog.guides if not g.featured]
        built_at = board.built_at if board else datetime.now(UTC)
        local_now = built_at.astimezone(office.zone).replace(tzinfo=None)
        slugs = {guide.slug for guide in catalog.guides}
        for language in self.languages:
            lang, prefix = language.code, language.prefix

            def t(key: str, lang: str = lang) -> str:
                return self.messages.get(lang, key)

            places = [
                PlaceView(
                    place,
                    week_rows(place.hours, lang, t),
                    # The office's closures apply to the units too; they are listed once.
                    dated_rows(office, place.hours, lang, t, local_now),
                )
                for place in office.places
            ]
            pages[f"{prefix}/"] = self.render(
                "index.html",
                lang,
                office,
                catalog=catalog,
                buttons=buttons,
                others=others,
                alternates=self._alternates("/"),
                reader=_reader_totals(catalog, editions),
                places=places,
                office_json=office_data(office, lang, t, board, self.root.url(NOTICES_URL)),
                notices=board.notices if board else (),
                shown_notices={n.id for n in board.shown} if board else set(),
            )
            pages[prefix + PUBLIC_SERVICE_PATH] = self.render(
                "public_service.html",
                lang,
                office,
                service=office.public_service,
                guides=slugs,
                alternates=self._alternates(PUBLIC_SERVICE_PATH),
            )
            for guide in catalog.guides:
                path = f"/guides/{guide.slug}"
                gfile = guide.file_for(lang)
                text = texts.get(gfile.sha256)
                found = sections(text, tuple(guide.title.values())) if text else []
                pages[prefix + path] = self.render(
                    "guide.html",
                    lang,
                    office,
                    guide=guide,
                    file=gfile,
                    edition=editions.get(gfile.sha256),
                    text=text,
                    sections=found,
                    toc=len([s for s in found if s.level == 2]) >= TOC_MIN_SECTIONS,
                    preparing=gfile.sha256 not in editions and gfile.sha256 not in unrenderable,
                    alternates=self._alternates(path),
                    no_brokers=guide.slug in office.public_service.no_brokers_guides,
                )
            pages[prefix + SEARCH_PATH] = self.render_search(
                lang, office, "", None, (search_urls or {}).get(lang, "")
            )
            pages[f"{prefix}/offline"] = self.render(
                "message.html",
                lang,
                office,
                title_key="offline_title",
                body_key="offline_body",
                alternates=self._alternates("/offline"),
            )
        pages.update(self.render_printouts(catalog, office, buttons))
        return pages

    def render_printouts(
        self, catalog: Catalog, office: Office, buttons: list[LandingButton]
    ) -> dict[str, bytes]:
        """The A4 poster (`/poster`), a counter card per guide (`/poster/<slug>`, A6), and
        all the cards four to an A4 sheet (`/cards`)."""
        lang = self.languages.default.code
        pages = {"/poster": self.render("poster.html", lang, office, buttons=buttons)}
        for guide in catalog.guides:
            pages[f"/poster/{guide.slug}"] = self.render(
                "card.html", lang, office, cards=[guide], sheet=False
            )
        pages["/cards"] = self.render(
            "card.html", lang, office, cards=list(catalog.guides), sheet=True
        )
        return pages

    def render_search(
        self, lang: str, office: Office, query: str, hits: list[SearchHit] | None, index_url: str
    ) -> bytes:
        """The search page; `hits` is None before anything was searched."""
        return self.render(
            "search.html",
            lang,
            office,
            query=query,
            hits=hits,
            index_url=self.root.url(index_url) if index_url else "",
            alternates=self._alternates(SEARCH_PATH),
        )

    def _alternates(self, path: str) -> dict[str, str]:
        """The page in each language, by app path; `render` puts them under the root."""
        return {language.code: language.prefix + path for language in self.languages}

    def render_error(self, lang: str, office: Office, status: int) -> bytes:
        keys = (
            ("not_found_title", "not_found_body")
            if status == 404
            else ("error_title", "error_body")
        )
        return self.render(
            "message.html", lang, office, title_key=keys[0], body_key=keys[1], alternates=None
        )


def keep_words(text: str) -> Markup:
    """`text` with each hyphenated word ("M-Paspor") kept on one line: on a narrow screen the
    browser would break it after the hyphen. Escaped, as autoescape would."""
    return Markup("").join(
        Markup('<span class="nowrap">{}</span>').format(part)
        if "-" in part and not part.isspace()
        else escape(part)
        for part in re.split(r"(\s+)", text)
    )


@dataclass(frozen=True)
class ReaderTotals:
    """What saving every guide for offline costs: its PDFs and their reader pages."""

    files: int
    pages: int
    size: int


def _reader_totals(catalog: Catalog, editions: Mapping[str, ReaderEdition]) -> ReaderTotals:
    files = catalog.files()
    found = [editions[f.sha256] for f in files if f.sha256 in editions]
    return ReaderTotals(
        files=len(files),
        pages=sum(len(e.pages) for e in found),
        size=sum(f.size for f in files) + sum(e.size for e in found),
    )
