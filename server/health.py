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
    elif status.last_error:
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
        "warnings": warnings,
    }
    return code, body
