"""The health report behind `/healthz`, for Docker, monitoring and Tikkim."""

from __future__ import annotations

from typing import Any

from server import __version__
from server.site import LiveSite


def health_report(live: LiveSite) -> tuple[int, dict[str, Any]]:
    """The HTTP status and the JSON body.

    A failed reload still answers 200: the last good catalog is serving, and
    restarting the container would not fix a broken file in `guides/`.
    """
    site = live.site
    catalog = site.catalog
    status = live.status
    warnings = [*site.office.warnings(), *catalog.warnings]
    if not catalog.guides:
        state, code = "error", 503
    elif status.last_error or status.problems:
        state, code = "degraded", 200
    elif warnings:
        state, code = "warn", 200
    else:
        state, code = "ok", 200
    body: dict[str, Any] = {
        "status": state,
        "version": __version__,
        "catalog": {
            "version": catalog.version,
            "guides": len(catalog.guides),
            "files": len(catalog.files()),
            "loaded_at": status.last_success_at.isoformat() if status.last_success_at else None,
        },
        "last_error": status.last_error,
        "last_error_at": status.last_error_at.isoformat() if status.last_error_at else None,
        "problems": dict(status.problems),
        "warnings": warnings,
        "reader": reader_report(live),
    }
    return code, body


def reader_report(live: LiveSite) -> dict[str, Any]:
    """How many current guide files have their reader pages, and how far the rest are."""
    files = live.site.catalog.files()
    queue = live.reader_queue
    states = {f.sha256: queue.state(f.sha256) if queue else None for f in files}
    failed = sorted(
        f"{f.slug}.{f.lang}" for f in files if (s := states[f.sha256]) and s.error is not None
    )
    return {
        "ready": sum(1 for f in files if f.sha256 in live.site.editions),
        "files": len(files),
        "pending": len(queue.pending()) if queue else 0,
        "failed": failed,
    }
