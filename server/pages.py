"""Renders every public page of a catalog version, once, with Jinja2."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from server.assets import Assets
from server.catalog import Catalog, Guide
from server.i18n import LANGS, Messages, format_size, lang_prefix
from server.office import Office


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

    def render_site(self, catalog: Catalog, office: Office) -> dict[str, bytes]:
        """Every public HTML page, keyed by its path."""
        pages: dict[str, bytes] = {}
        featured = [LandingButton(g.order, g) for g in catalog.guides if g.featured]
        buttons = sorted(
            [*featured, LandingButton(office.whatsapp.order, None)], key=lambda b: b.order
        )
        others = [g for g in catalog.guides if not g.featured]
        for lang in LANGS:
            prefix = lang_prefix(lang)
            pages[f"{prefix}/"] = self.render(
                "index.html",
                lang,
                office,
                catalog=catalog,
                buttons=buttons,
                others=others,
                alternates=_alternates("/"),
            )
            for guide in catalog.guides:
                path = f"/guides/{guide.slug}"
                pages[prefix + path] = self.render(
                    "guide.html",
                    lang,
                    office,
                    guide=guide,
                    file=guide.file_for(lang),
                    alternates=_alternates(path),
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

    def render_error(self, lang: str, office: Office, status: int) -> bytes:
        keys = (
            ("not_found_title", "not_found_body")
            if status == 404
            else ("error_title", "error_body")
        )
        return self.render(
            "message.html", lang, office, title_key=keys[0], body_key=keys[1], alternates=None
        )


def _alternates(path: str) -> dict[str, str]:
    return {lang: lang_prefix(lang) + path for lang in LANGS}
