"""The admin page for the notices on the landing page: list, post, remove."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.admin.context import Admin, run, staff
from server.admin.sessions import Session
from server.clock import office_zone
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

    return [
        Route("/notices", staff(admin, show)),
        Route("/notices/add", staff(admin, add), methods=["POST"]),
        Route("/notices/{notice_id}/remove", staff(admin, remove), methods=["POST"]),
    ]
