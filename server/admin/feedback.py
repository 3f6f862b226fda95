"""The admin page for the "Was this helpful?" answers: counts per guide, the latest, CSV."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.admin.context import Admin, run, staff
from server.admin.records import csv_response
from server.admin.sessions import Session
from server.clock import office_today
from server.feedback import feedback_csv


def feedback_routes(admin: Admin) -> list[Route]:
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
        Route("/feedback", staff(admin, feedback)),
        Route("/feedback.csv", staff(admin, feedback_export)),
    ]
