"""Renders every public page of a catalog version, once, with Jinja2."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2

from server.assets import Assets
from server.catalog import Catalog, Guide
from server.i18n import LANGS, Messages, format_size, lang_prefix
from server.notices import NoticeBoard
from server.office import Office, Place
from server.office_page import DatedRow, WeekRow, dated_rows, office_data, week_rows
from server.reader import ReaderEdition
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
    def __init__(self, templates_dir: Path, messages: Messages, assets: Assets) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates_dir),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.messages = messages
        self.assets = assets

    def render(self, template: str, lang: str, office: Office, **context: Any) -> bytes:
        messages = self.messages

        def t(key: str) -> str:
            return messages.get(lang, key)

        def fmt_date(day: date) -> str:
            return messages.format_date(lang, day)

        helpers: dict[str, Callable[..., Any] | str | Office | None] = {
            "lang": lang,
            "prefix": lang_prefix(lang),
            "office": office,
            "t": t,
            "fmt_date": fmt_date,
            "fmt_size": format_size,
            "asset": self.assets.url,
            "alternates": None,
        }
        return self.env.get_template(template).render(**helpers | context).encode()

    def render_site(
        self,
        catalog: Catalog,
        office: Office,
        editions: Mapping[str, ReaderEdition] | None = None,
        search_urls: Mapping[str, str] | None = None,
        unrenderable: frozenset[str] = frozenset(),
        board: NoticeBoard | None = None,
    ) -> dict[str, bytes]:
        """Every public HTML page, keyed by its path.

        `editions` holds the rendered pages of the files that have them (by PDF
        sha256); `search_urls` the URL of each language's search index;
        `unrenderable` the files whose pages could not be made.
        """
        editions = editions or {}
        pages: dict[str, bytes] = {}
        featured = [LandingButton(g.order, g) for g in catalog.guides if g.featured]
        buttons = sorted(
            [*featured, LandingButton(office.whatsapp.order, None)], key=lambda b: b.order
        )
        others = [g for g in catalog.guides if not g.featured]
        built_at = board.built_at if board else datetime.now(UTC)
        local_now = built_at.astimezone(office.zone).replace(tzinfo=None)
        slugs = {guide.slug for guide in catalog.guides}
        for lang in LANGS:
            prefix = lang_prefix(lang)

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
                alternates=_alternates("/"),
                reader=_reader_totals(catalog, editions),
                places=places,
                office_json=office_data(office, lang, t, board),
                notices=board.notices if board else (),
                shown_notices={n.id for n in board.shown} if board else set(),
            )
            pages[prefix + PUBLIC_SERVICE_PATH] = self.render(
                "public_service.html",
                lang,
                office,
                service=office.public_service,
                guides=slugs,
                alternates=_alternates(PUBLIC_SERVICE_PATH),
            )
            for guide in catalog.guides:
                path = f"/guides/{guide.slug}"
                gfile = guide.file_for(lang)
                pages[prefix + path] = self.render(
                    "guide.html",
                    lang,
                    office,
                    guide=guide,
                    file=gfile,
                    edition=editions.get(gfile.sha256),
                    preparing=gfile.sha256 not in editions and gfile.sha256 not in unrenderable,
                    alternates=_alternates(path),
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
                alternates=_alternates("/offline"),
            )
        pages["/poster"] = self.render("poster.html", "id", office)
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
            index_url=index_url,
            alternates=_alternates(SEARCH_PATH),
        )

    def render_error(self, lang: str, office: Office, status: int) -> bytes:
        keys = (
            ("not_found_title", "not_found_body")
            if status == 404
            else ("error_title", "error_body")
        )
        return self.render(
            "message.html", lang, office, title_key=keys[0], body_key=keys[1], alternates=None
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


def _alternates(path: str) -> dict[str, str]:
    return {lang: lang_prefix(lang) + path for lang in LANGS}
