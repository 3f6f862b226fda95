"""Opening hours: the weekly plan, breaks, closures (across midnight too), holidays on a
weekday, special service days, the time zone, and the line the landing page shows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.clock import office_time, use_timezone
from server.hours import Hours, HoursError, parse_hours, status_line
from server.i18n import load_messages
from server.settings import PWA_DIR

MESSAGES = load_messages(PWA_DIR / "messages.toml")
WEEKDAY = ["08:00-12:00", "13:00-15:00"]
RULES: dict[str, Any] = {
    "monday": WEEKDAY,
    "tuesday": WEEKDAY,
    "wednesday": WEEKDAY,
    "thursday": WEEKDAY,
    "friday": ["08:00-11:30", "13:00-15:00"],
    "closed": [
        # A holiday on a weekday (Friday).
        {"date": date(2026, 12, 25), "id": "Hari Raya Natal", "en": "Christmas Day"},
        # From Tuesday noon across midnight until Wednesday 10:00.
        {
            "from": datetime(2026, 12, 8, 12, 0),
            "until": datetime(2026, 12, 9, 10, 0),
            "id": "Pemeliharaan sistem",
            "en": "System maintenance",
        },
    ],
    "special": [
        {
            "date": date(2026, 12, 5),
            "times": ["08:00-12:00"],
            "id": "Layanan paspor hari Sabtu",
            "en": "Saturday passport service",
        }
    ],
}


@pytest.fixture
def hours() -> Hours:
    return parse_hours(RULES, "hours")


def line(hours: Hours, now: datetime, lang: str = "id") -> str:
    return status_line(hours.status(now), now, lang, lambda key: MESSAGES.get(lang, key))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 12, 2, 7, 59), "Tutup, buka pukul 08.00"),
        (datetime(2026, 12, 2, 8, 0), "Buka sekarang, tutup pukul 12.00"),
        (datetime(2026, 12, 2, 12, 0), "Tutup, buka pukul 13.00"),  # the break
        (datetime(2026, 12, 2, 14, 59), "Buka sekarang, tutup pukul 15.00"),
        (datetime(2026, 12, 2, 15, 0), "Tutup, buka besok 08.00"),
        (datetime(2026, 12, 4, 11, 0), "Buka sekarang, tutup pukul 11.30"),  # Friday
        # Saturday 5 December is a special service day; Sunday is closed.
        (datetime(2026, 12, 4, 16, 0), "Tutup, buka besok 08.00"),
        (
            datetime(2026, 12, 5, 9, 0),
            "Buka sekarang, tutup pukul 12.00 (Layanan paspor hari Sabtu)",
        ),
        (datetime(2026, 12, 5, 12, 0), "Tutup, buka Senin 08.00 (Layanan paspor hari Sabtu)"),
        (datetime(2026, 12, 6, 10, 0), "Tutup, buka besok 08.00"),
        (datetime(2026, 12, 5, 13, 0), "Tutup, buka Senin 08.00 (Layanan paspor hari Sabtu)"),
    ],
)
def test_weekly_hours_breaks_and_special_days(hours: Hours, now: datetime, expected: str) -> None:
    assert line(hours, now) == expected


def test_a_closure_that_spans_midnight(hours: Hours) -> None:
    # Tuesday 8 December: open in the morning; the closure starts at noon.
    assert line(hours, datetime(2026, 12, 8, 11, 0)) == "Buka sekarang, tutup pukul 12.00"
    assert line(hours, datetime(2026, 12, 8, 13, 30)) == (
        "Tutup, buka besok 10.00 (Pemeliharaan sistem)"
    )
    # Past midnight, still closed; it opens at 10:00 when the closure ends, not at 08:00.
    assert line(hours, datetime(2026, 12, 9, 0, 30)) == (
        "Tutup, buka pukul 10.00 (Pemeliharaan sistem)"
    )
    assert line(hours, datetime(2026, 12, 9, 10, 0)) == "Buka sekarang, tutup pukul 12.00"
    assert hours.open_periods(date(2026, 12, 9)) == [
        (datetime(2026, 12, 9, 10, 0), datetime(2026, 12, 9, 12, 0)),
        (datetime(2026, 12, 9, 13, 0), datetime(2026, 12, 9, 15, 0)),
    ]


def test_a_holiday_on_a_weekday(hours: Hours) -> None:
    assert hours.open_periods(date(2026, 12, 25)) == []
    # Thursday evening: Friday is Christmas, so the next opening is Monday 28 December.
    assert line(hours, datetime(2026, 12, 24, 16, 0)) == "Tutup, buka Senin 08.00"
    assert line(hours, datetime(2026, 12, 25, 9, 0)) == "Tutup, buka Senin 08.00 (Hari Raya Natal)"
    assert line(hours, datetime(2026, 12, 25, 9, 0), "en") == (
        "Closed, opens Monday at 08:00 (Christmas Day)"
    )


def test_an_opening_a_week_or_more_away_names_the_date() -> None:
    rules = {**RULES, "closed": [{"date": date(2026, 12, d), "id": "Libur", "en": "Holiday"}
                                 for d in range(21, 32)]}  # fmt: skip
    hours = parse_hours(rules, "hours")
    assert line(hours, datetime(2026, 12, 18, 16, 0)) == "Tutup, buka 1 Januari 08.00"
    assert line(hours, datetime(2026, 12, 18, 16, 0), "en") == "Closed, opens 1 January at 08:00"


def test_never_open_says_closed_only() -> None:
    assert line(parse_hours({}, "hours"), datetime(2026, 12, 2, 9, 0)) == "Tutup"


def test_the_time_zone_decides_what_now_means(hours: Hours) -> None:
    # 07:30 UTC is 14:30 in Jakarta (WIB) and 15:30 in Makassar (WITA).
    moment = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
    assert hours.status_at(moment, ZoneInfo("Asia/Jakarta")).is_open
    assert not hours.status_at(moment, ZoneInfo("Asia/Makassar")).is_open
    try:
        use_timezone(ZoneInfo("Asia/Makassar"))
        assert office_time("2026-12-02T07:30:00+00:00") == "2026-12-02 15:30 WITA"
    finally:
        use_timezone(ZoneInfo("Asia/Jakarta"))
    assert office_time("2026-12-02T07:30:00+00:00") == "2026-12-02 14:30 WIB"


def test_the_office_time_zone_is_a_setting(office_file: Path, tmp_path: Path) -> None:
    from server.app import create_live_site
    from server.clock import office_zone
    from server.settings import Settings

    office_file.write_text(
        office_file.read_text().replace('timezone = "Asia/Jakarta"', 'timezone = "Asia/Jayapura"')
    )
    try:
        create_live_site(Settings(office_file=office_file, data_dir=tmp_path / "d", watch=False))
        assert str(office_zone()) == "Asia/Jayapura"
    finally:
        use_timezone(ZoneInfo("Asia/Jakarta"))


@pytest.mark.parametrize(
    ("rules", "field", "problem"),
    [
        ({"monday": ["8-12"]}, "hours.monday", "time range"),
        ({"monday": ["12:00-08:00"]}, "hours.monday", "ends before it starts"),
        ({"monday": ["08:00-12:00", "11:00-15:00"]}, "hours.monday", "overlaps"),
        ({"monday": "08:00-12:00"}, "hours.monday", "must be a list"),
        ({"mon": ["08:00-12:00"]}, "hours.mon", "unknown"),
        ({"closed": [{"date": "2026-12-25", "id": "a", "en": "b"}]}, "hours.closed[0].date",
         "no quotes"),
        ({"closed": [{"from": datetime(2026, 12, 9), "until": datetime(2026, 12, 8),
                      "id": "a", "en": "b"}]}, "hours.closed[0].until", "after"),
        ({"closed": [{"date": date(2026, 12, 25), "id": "a"}]}, "hours.closed[0].en", "non-empty"),
        ({"special": [{"date": date(2026, 12, 5), "times": ["08:00-12:00"], "id": "a",
                       "en": "b"}] * 2}, "hours.special", "twice"),
    ],
)  # fmt: skip
def test_bad_hours_name_the_field(rules: dict[str, Any], field: str, problem: str) -> None:
    with pytest.raises(HoursError) as caught:
        parse_hours(rules, "hours")
    assert caught.value.field == field
    assert problem in caught.value.problem
