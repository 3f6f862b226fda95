"""The office's clock: Yogyakarta keeps WIB (UTC+7) all year, with no daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")


def office_now() -> datetime:
    return datetime.now(WIB)


def office_today() -> date:
    return office_now().date()


def office_time(iso_utc: str) -> str:
    """A stored UTC timestamp as the office reads it: `2026-11-28 09:15 WIB`."""
    try:
        moment = datetime.fromisoformat(iso_utc)
    except ValueError:
        return iso_utc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(WIB).strftime("%Y-%m-%d %H:%M WIB")
