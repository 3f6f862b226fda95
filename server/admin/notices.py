"""Admin pages for the notices on the landing page, and the "Was this helpful?" answers."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.admin.context import Admin, run
from server.admin.guides import staff
from server.admin.records import csv_response
from server.admin.sessions import Session
from server.clock import office_today, office_zone
from server.feedback import feedback_csv
from server.notices import MAX_CHARS, MAX_SHOWN, NoticeError, parse_local_time, shown

_DONE = ("notice_added", "notice_removed")


def notice_routes(admin: Admin) -> list[Route]:
    async def notices_page(
        request: Request,
        session: Session,
        status: int = 200,
        error: NoticeError | None = None,
        form: dict[str, str] | None = None,
    ) -> Response:
        now = datetime.now(UTC)
        current = await run(admin.notices.current, now)
        done = request.query_params.get("done", "")
        return admin.page(
            "admin/notices.html",
            session,
            status,
            notices=current,
            shown_ids={n.id for n in shown(current, now)},
            now=now,
            error=error,
            done=done if done in _DONE else "",
            form=form or {},
            max_chars=MAX_CHARS,
            max_shown=MAX_SHOWN,
            timezone=admin.live.office.timezone,
        )

    async def show(request: Request, session: Session) -> Response:
        return await notices_page(request, session)

    async def add(request: Request, session: Session) -> Response:
        form = await admin.checked_form(request, session)
        values = {key: str(form.get(key) or "") for key in ("text_id", "text_en", "starts", "ends")}
        await form.close()
        try:
            zone = office_zone()
            starts = parse_local_time(values["starts"], zone, "start")
            ends = parse_local_time(values["ends"], zone, "end")
            text = {"id": values["text_id"], "en": values["text_en"]}
            await run(admin.notices.add, text, starts, ends, session.account)
        except NoticeError as exc:
            return await notices_page(request, session, 400, exc, values)
        await run(admin.live.rebuild)
        return admin.redirect("/admin/notices?done=notice_added")

    async def remove(request: Request, session: Session) -> Response:
        form = await admin.checked_form(request, session)
        await form.close()
        raw = request.path_params["notice_id"]
        try:
            await run(admin.notices.remove, int(raw) if raw.isdigit() else -1, session.account)
        except NoticeError as exc:
            return await notices_page(request, session, 404, exc)
        await run(admin.live.rebuild)
        return admin.redirect("/admin/notices?done=notice_removed")

    async def feedback(request: Request, session: Session) -> Response:
        titles = {g.slug: g.title["id"] for g in admin.live.site.catalog.guides}
        guide = request.query_params.get("guide", "").strip()[:64]
        tallies = await run(admin.feedback.tallies)
        records = await run(admin.feedback.records, guide, 200)
        return admin.page(
            "admin/feedback.html",
            session,
            tallies=tallies,
            records=records,
            titles=titles,
            guide=guide,
        )

    async def feedback_export(request: Request, session: Session) -> Response:
        guide = request.query_params.get("guide", "").strip()[:64]
        records = await run(admin.feedback.records, guide, None)
        name = f"feedback-{guide + '-' if guide else ''}{office_today().isoformat()}.csv"
        return csv_response(feedback_csv(records), name)

    return [
        Route("/notices", staff(admin, show)),
        Route("/notices/add", staff(admin, add), methods=["POST"]),
        Route("/notices/{notice_id}/remove", staff(admin, remove), methods=["POST"]),
        Route("/feedback", staff(admin, feedback)),
        Route("/feedback.csv", staff(admin, feedback_export)),
    ]
