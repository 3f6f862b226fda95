"""Admin pages for the records: the audit log and the usage dashboard, with CSV exports."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.admin.context import NO_STORE, Admin, run, staff
from server.admin.sessions import Session
from server.audit import ACTIONS, AuditFilter, audit_csv
from server.clock import office_today
from server.usage import CSV_COLUMNS, METRICS, usage_csv
from server.usage_report import DAYS, build_report, chart_svg


def _filter(request: Request) -> AuditFilter:
    params = request.query_params

    def iso_date(name: str) -> str:
        raw = params.get(name, "")
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            return ""

    action = params.get("action", "")
    return AuditFilter(
        action=action if action in ACTIONS else "",
        guide=params.get("guide", "").strip()[:64],
        actor=params.get("actor", "").strip()[:64],
        since=iso_date("since"),
        until=iso_date("until"),
    )


def csv_response(body: str, name: str) -> Response:
    return Response(
        body.encode("utf-8-sig"),  # the BOM makes spreadsheet programs read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


def record_routes(admin: Admin) -> list[Route]:
    async def audit(request: Request, session: Session) -> Response:
        where = _filter(request)
        entries = await run(admin.audit.entries, where, 500)
        actors = await run(admin.audit.actors)
        return admin.page(
            "admin/audit.html",
            session,
            entries=entries,
            where=where,
            actions=ACTIONS,
            actors=actors,
            query=request.url.query,
        )

    async def audit_export(request: Request, session: Session) -> Response:
        entries = await run(admin.audit.entries, _filter(request), None)
        return csv_response(audit_csv(entries), f"audit-{office_today().isoformat()}.csv")

    async def usage(request: Request, session: Session) -> Response:
        today = office_today()
        rows = await run(admin.usage.rows, today - timedelta(days=DAYS - 1))
        titles = {g.slug: g.title["id"] for g in admin.live.site.catalog.guides}
        report = build_report(rows, titles, today)

        def both(key: str) -> tuple[str, str]:
            return admin.messages.get("id", key), admin.messages.get("en", key)

        legend = {
            "id": both("admin_usage_views_id"),
            "en": both("admin_usage_views_en"),
            "opens": both("admin_usage_opens"),
        }
        chart = chart_svg(report, both("admin_usage_chart"), legend)
        return admin.page(
            "admin/usage.html",
            session,
            report=report,
            chart=chart,
            metrics=METRICS,
            days=DAYS,
            csv_columns=CSV_COLUMNS,
        )

    async def usage_export(request: Request, session: Session) -> Response:
        raw = request.query_params.get("days", "")
        days = int(raw) if raw.isdecimal() and len(raw) <= 4 else 365
        since = office_today() - timedelta(days=days)
        rows = await run(admin.usage.rows, since)
        return csv_response(usage_csv(rows), f"usage-{office_today().isoformat()}.csv")

    return [
        Route("/audit", staff(admin, audit)),
        Route("/audit.csv", staff(admin, audit_export)),
        Route("/usage", staff(admin, usage)),
        Route("/usage.csv", staff(admin, usage_export)),
    ]
