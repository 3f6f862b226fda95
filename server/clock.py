"""The office's clock, in the time zone office.toml names (`timezone`; WIB by default)."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Jakarta"  # WIB, UTC+7 all year, no daylight saving


class _Zone:
    """The zone in use; set once from office.toml when the app or a command starts."""

    current: tzinfo = ZoneInfo(DEFAULT_TIMEZONE)


def use_timezone(zone: tzinfo) -> None:
    """Called by `create_live_site` and the CLI with the office's zone."""
    _Zone.current = zone


def office_zone() -> tzinfo:
    return _Zone.current


def office_now() -> datetime:
    return datetime.now(_Zone.current)


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
    return moment.astimezone(_Zone.current).strftime("%Y-%m-%d %H:%M %Z")
