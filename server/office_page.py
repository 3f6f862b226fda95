"""What the landing page carries about the office: hours, places, notices, as HTML and JSON.

The JSON (`office_data`) rides inside the page, so that pwa/static/office.js can say "open
now" and hide ended notices by the phone's clock, offline too; the same facts are rendered
as HTML for a browser without JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup

from server.hours import Closure, Hours, Span, SpecialDay, format_time, hours_json
from server.notices import MAX_SHOWN, NOTICES_URL, NoticeBoard
from server.office import Office

Translate = Callable[[str], str]

# The messages office.js needs, in the page's language.
_LINE_KEYS = (
    "hours_open_until",
    "hours_opens_today",
    "hours_opens_tomorrow",
    "hours_opens_day",
    "hours_opens_date",
    "hours_closed",
    "hours_with_reason",
)


@dataclass(frozen=True)
class WeekRow:
    """Consecutive weekdays with the same hours: "Senin-Kamis: 08.00-12.00, 13.00-15.00"."""

    days: str
    hours: str


def week_rows(hours: Hours, lang: str, t: Translate) -> list[WeekRow]:
    rows: list[tuple[int, int, tuple[Span, ...]]] = []
    for index, spans in enumerate(hours.weekly):  # Monday first
        if rows and rows[-1][2] == spans:
            rows[-1] = (rows[-1][0], index, spans)
        else:
            rows.append((index, index, spans))

    def name(index: int) -> str:
        return t(f"weekday_{(index + 1) % 7}")

    return [
        WeekRow(
            name(first) if first == last else f"{name(first)}-{name(last)}",
            _spans_text(spans, lang, t),
        )
        for first, last, spans in rows
    ]


def _spans_text(spans: tuple[Span, ...], lang: str, t: Translate) -> str:
    if not spans:
        return t("hours_closed_all_day")
    sep = "." if lang == "id" else ":"
    return ", ".join(span.label(sep) for span in spans)


@dataclass(frozen=True)
class DatedRow:
    """A closure or special day as the page lists it, with when it stops being news."""

    when: str
    what: str
    until: int  # ms since the epoch, in the office's zone: office.js hides it after


def dated_rows(
    office: Office, hours: Hours, lang: str, t: Translate, today: datetime
) -> list[DatedRow]:
    rows = []
    for item in hours.upcoming(today.date()):
        if isinstance(item, Closure):
            start, end = item.start, item.end
            whole_days = start.time() == end.time() == datetime.min.time()
            if whole_days and (end - start).days == 1:
                when = _date(start, t)
            elif whole_days:
                when = f"{_date(start, t)} - {_date(end.date() - timedelta(days=1), t)}"
            else:
                when = (
                    f"{_date(start, t)} {format_time(start, lang)} - "
                    f"{_date(end, t)} {format_time(end, lang)}"
                )
            what = (
                f"{office.languages.pick(item.label, lang)} ({t('hours_closed_all_day').lower()})"
            )
            ends = end
        else:
            assert isinstance(item, SpecialDay)
            when = _date(datetime.combine(item.day, datetime.min.time()), t)
            what = f"{office.languages.pick(item.label, lang)}: {_spans_text(item.spans, lang, t)}"
            ends = datetime.combine(item.day, datetime.max.time())
        until = int(ends.replace(tzinfo=office.zone).timestamp() * 1000)
        rows.append(DatedRow(when, what, until))
    return rows


def _date(day: date, t: Translate) -> str:
    weekday = t(f"weekday_{(day.weekday() + 1) % 7}")
    return f"{weekday}, {day.day} {t(f'month_{day.month}')} {day.year}"


def office_data(
    office: Office,
    lang: str,
    t: Translate,
    board: NoticeBoard | None,
    notices_url: str = NOTICES_URL,
) -> Markup:
    """The JSON for office.js, safe inside <script type="application/json">. `notices_url`:
    /api/notices as the phone reaches it (under the site's root path)."""
    data: dict[str, Any] = {
        "lang": lang,
        "timezone": office.timezone,
        "places": {
            place.key: hours_with_office_closures(office, place.hours) for place in office.places
        },
        "texts": {key: t(key) for key in _LINE_KEYS},
        "weekdays": [t(f"weekday_{day}") for day in range(7)],
        "months": [t(f"month_{month}") for month in range(1, 13)],
        "notices": [n.as_json() for n in board.notices] if board else [],
        "maxNotices": MAX_SHOWN,
        "noticesUrl": notices_url,
        # Which list is newer, this page's or one the phone fetched since (office.js).
        "noticesRevision": board.revision if board else 0,
        # Where office.js looks for a text the office wrote (a closure's label, a notice):
        # this language, then its fallbacks (server/languages.py).
        "textLangs": list(office.languages.chain(lang)),
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # Nothing in it may end the <script> element or open a comment.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def hours_with_office_closures(office: Office, hours: Hours) -> dict[str, Any]:
    """A unit's rules with the office-wide closures added (a holiday closes the units too)."""
    if hours is office.main.hours:
        return hours_json(hours)
    return hours_json(hours.with_closures(office.main.hours.closures))


def place_hours(office: Office, hours: Hours) -> Hours:
    return hours if hours is office.main.hours else hours.with_closures(office.main.hours.closures)
