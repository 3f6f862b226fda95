"""Admin pages for the guides: the list, one guide's history, and every change to them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.admin.context import FORM_OVERHEAD, Admin, Handler, Refused, run
from server.admin.context import staff as staff  # notices, records, texts, feedback use it
from server.admin.sessions import Session
from server.catalog_file import GuideEntry
from server.clock import office_today
from server.languages import shipped_languages
from server.publish_checks import (
    GuideTexts,
    PublishError,
    check_pdf,
    check_slug,
    read_limited,
)
from server.versions import Version

DONE_KEYS = ("published", "added", "edited", "rolled_back", "retired", "restored", "reordered")


@dataclass(frozen=True)
class GuideStatus:
    slug: str
    title: dict[str, str]
    order: int
    featured: bool
    last_checked: date
    needs_review: bool
    retired: bool
    in_catalog: bool
    current: dict[str, Version | None]


def guide_statuses(admin: Admin) -> list[GuideStatus]:
    review_days = admin.settings.review_days
    today = office_today()
    statuses = []
    entries = admin.publisher.entries()
    listed = {e.slug for e in entries}
    for entry in entries:
        statuses.append(_status(admin, entry.slug, entry, entry.title, today, review_days))
    # PDFs dropped into guides/ without a catalog entry are served too; show them.
    for guide in admin.live.site.catalog.guides:
        if guide.slug not in listed:
            dropped = GuideEntry(guide.slug, guide.order, False, guide.last_checked,
                                 dict(guide.title), {}, (), {})  # fmt: skip
            statuses.append(_status(admin, guide.slug, dropped, dropped.title, today, review_days))
    statuses.sort(key=lambda s: (s.retired, s.order, s.slug))
    return statuses


def _status(
    admin: Admin, slug: str, entry: GuideEntry, title: Any, today: date, review_days: int
) -> GuideStatus:
    return GuideStatus(
        slug=slug,
        title=dict(title),
        order=entry.order,
        featured=entry.featured,
        last_checked=entry.last_checked,
        needs_review=(today - entry.last_checked).days > review_days,
        retired=entry.retired,
        in_catalog=bool(entry.summary),
        current={lang: admin.publisher.versions.current(slug, lang) for lang in _langs(admin)},
    )


def texts_from(form: FormData, require_all: bool) -> GuideTexts:
    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    order: int | None = None
    if text("order"):
        try:
            order = int(text("order"))
        except ValueError:
            raise Refused(400, "bad_order") from None
    checked: date | None = None
    if text("last_checked"):
        try:
            checked = date.fromisoformat(text("last_checked"))
        except ValueError:
            raise Refused(400, "bad_date") from None
        if checked > office_today():
            raise Refused(400, "bad_date", "the check date is in the future")
    # The form has the texts of the shipped languages (id, en), as the admin's pages speak
    # both; another language's are written in catalog.toml (README "Adding a language"), and
    # an edit here keeps them.
    shipped = shipped_languages().codes
    title = {lang: text(f"title_{lang}") for lang in shipped}
    summary = {lang: text(f"summary_{lang}") for lang in shipped}
    has_texts = require_all or any(title.values()) or any(summary.values())
    return GuideTexts(
        title=title if has_texts else None,
        summary=summary if has_texts else None,
        sources=tuple(line for line in text("sources").splitlines() if line.strip())
        if "sources" in form
        else None,
        order=order,
        featured=(form.get("featured") == "1") if "featured_shown" in form else None,
        last_checked=checked,
    )


def _langs(admin: Admin) -> tuple[str, ...]:
    """The languages a guide's file may be in (server/languages.py)."""
    return admin.live.languages.codes


def _upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    if isinstance(value, UploadFile) and (value.filename or value.size):
        return value
    return None


# The changes a POST may make to a guide: the form in, the publisher's change done.
Action = Callable[[Request, Session, FormData], None]


class GuidePages:
    """The admin's pages for the guides: each handler a method, each change an action."""

    def __init__(self, admin: Admin) -> None:
        self.admin = admin

    def routes(self) -> list[Route]:
        admin = self.admin
        upload_limit = admin.max_bytes + FORM_OVERHEAD
        return [
            Route("/", staff(admin, self.guides)),
            Route(
                "/reorder", staff(admin, self.change(self.reorder, "reordered")), methods=["POST"]
            ),
            Route("/guides/new", staff(admin, self.new_guide), methods=["GET", "POST"]),
            Route("/guides/{slug}", staff(admin, self.show)),
            Route(
                "/guides/{slug}/upload",
                staff(admin, self.change(self.upload, "published", upload_limit)),
                methods=["POST"],
            ),
            Route(
                "/guides/{slug}/edit",
                staff(admin, self.change(self.edit, "edited")),
                methods=["POST"],
            ),
            Route(
                "/guides/{slug}/rollback",
                staff(admin, self.change(self.rollback, "rolled_back")),
                methods=["POST"],
            ),
            Route(
                "/guides/{slug}/retire",
                staff(admin, self.change(self.retire, _retire_done)),
                methods=["POST"],
            ),
        ]

    # Pages -----------------------------------------------------------------

    async def guides(self, request: Request, session: Session) -> Response:
        admin = self.admin
        statuses = await run(guide_statuses, admin)
        return admin.page(
            "admin/guides.html",
            session,
            guides=statuses,
            done=_done(request),
            error=None,
            review_days=admin.settings.review_days,
            warnings=admin.live.site.catalog.warnings,
            last_error=admin.live.status.last_error,
        )

    async def show(self, request: Request, session: Session) -> Response:
        return await self.guide_page(request, session)

    async def guide_page(
        self,
        request: Request,
        session: Session,
        status: int = 200,
        error: PublishError | None = None,
    ) -> Response:
        """One guide's page; after a refused change, with what was refused and why."""
        admin = self.admin
        slug = request.path_params["slug"]
        statuses = await run(guide_statuses, admin)
        guide = next((s for s in statuses if s.slug == slug), None)
        if guide is None:
            raise Refused(404, "unknown_guide", slug)
        entry = await run(admin.publisher.entry, slug)
        history = await run(admin.publisher.versions.history, slug)
        return admin.page(
            "admin/guide.html",
            session,
            status,
            guide=guide,
            entry=entry,
            history=history,
            error=error,
            done=_done(request),
            today=office_today().isoformat(),
            max_mb=admin.settings.max_upload_mb,
        )

    async def new_guide(self, request: Request, session: Session) -> Response:
        admin = self.admin
        if request.method == "GET":
            return admin.page("admin/new.html", session, form={}, error=None,
                              max_mb=admin.settings.max_upload_mb)  # fmt: skip
        form = await admin.checked_form(request, session, 2 * admin.max_bytes + FORM_OVERHEAD)
        try:
            slug = str(form.get("slug") or "").strip()
            await run(_add_guide, admin, slug, session, form)
        except PublishError as exc:
            # The form again, with what was typed, so that nothing is lost.
            values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
            return admin.page("admin/new.html", session, exc.status, form=values, error=exc,
                              max_mb=admin.settings.max_upload_mb)  # fmt: skip
        finally:
            await form.close()
        return admin.redirect(f"/admin/guides/{slug}?done=added")

    # Changes ---------------------------------------------------------------

    def change(
        self, action: Action, done: str | Callable[[FormData], str], max_body: int = FORM_OVERHEAD
    ) -> Handler:
        """A POST that changes a guide: CSRF first, then the change, then back to the page.

        A refused change to one guide shows that guide's page with the reason; any other
        refusal is answered by the admin's refusal page (server/error_handler.py).
        """

        async def handler(request: Request, session: Session) -> Response:
            slug = request.path_params.get("slug")
            form = await self.admin.checked_form(request, session, max_body)
            try:
                await run(action, request, session, form)
            except PublishError as exc:
                if slug is None:
                    raise
                return await self.guide_page(request, session, exc.status, exc)
            finally:
                await form.close()
            key = done(form) if callable(done) else done
            target = f"/admin/guides/{slug}" if slug else "/admin/"
            return self.admin.redirect(f"{target}?done={key}")

        return handler

    def upload(self, request: Request, session: Session, form: FormData) -> None:
        file = _upload(form, "file")
        if file is None:
            raise PublishError("no_file", "choose a PDF file to upload")
        lang = str(form.get("lang") or "")
        texts = texts_from(form, require_all=False)
        extra = GuideTexts(last_checked=texts.last_checked) if texts.last_checked else None
        slug = request.path_params["slug"]
        self.admin.publisher.publish(slug, lang, file.file, session.account, extra)

    def edit(self, request: Request, session: Session, form: FormData) -> None:
        texts = texts_from(form, require_all=True)
        self.admin.publisher.edit(request.path_params["slug"], session.account, texts)

    def rollback(self, request: Request, session: Session, form: FormData) -> None:
        raw = str(form.get("version") or "")
        if not raw.isdigit():
            raise PublishError("no_version", f"no version {raw!r}")
        lang = str(form.get("lang") or "") or None
        self.admin.publisher.rollback(
            request.path_params["slug"], session.account, to=int(raw), lang=lang
        )

    def retire(self, request: Request, session: Session, form: FormData) -> None:
        retired = form.get("retired") == "1"
        if retired and form.get("confirm") != "1":
            raise PublishError("confirm_retire", "tick the box to confirm")
        self.admin.publisher.set_retired(request.path_params["slug"], session.account, retired)

    def reorder(self, request: Request, session: Session, form: FormData) -> None:
        orders = {}
        for key, value in form.multi_items():
            if key.startswith("order_") and isinstance(value, str):
                try:
                    orders[key.removeprefix("order_")] = int(value)
                except ValueError:
                    raise Refused(400, "bad_order") from None
        self.admin.publisher.reorder(session.account, orders)


def guide_routes(admin: Admin) -> list[Route]:
    return GuidePages(admin).routes()


def _retire_done(form: FormData) -> str:
    return "retired" if form.get("retired") == "1" else "restored"


def _add_guide(admin: Admin, slug: str, session: Session, form: FormData) -> None:
    check_slug(slug)
    texts = texts_from(form, require_all=True)
    files = {lang: f for lang in _langs(admin) if (f := _upload(form, f"file_{lang}")) is not None}
    if not files:
        raise PublishError("no_file", "choose at least one PDF file")
    if admin.publisher.entry(slug) is not None:
        raise PublishError("guide_exists", f"there is already a guide {slug!r}")
    # Check every file before publishing any, so a bad second file adds nothing.
    for file in files.values():
        check_pdf(read_limited(file.file, admin.max_bytes))
        file.file.seek(0)
    for lang, file in files.items():
        admin.publisher.publish(slug, lang, file.file, session.account, texts)


def _done(request: Request) -> str:
    done = request.query_params.get("done", "")
    return done if done in DONE_KEYS else ""
