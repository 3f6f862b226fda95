"""Structured opening hours: a weekly plan, dated closures and special service days.

Everything here is in the office's wall-clock time (naive datetimes in its time zone). The
same rules go to the phone as JSON (`hours_json`), where pwa/static/office.js applies them
again, so that "Buka sekarang, tutup pukul 15.00" is right offline, weeks after the page was
saved. Keep the two in step: tests/browser/test_office_hours.py compares them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from server.errors import ConfigError
from server.languages import Languages, shipped_languages

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# How far ahead "buka Senin 08.00" looks for the next opening.
LOOKAHEAD_DAYS = 60
_RANGE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")


class HoursError(ConfigError, ValueError):
    """A field of the hours is malformed; `field` names it, `problem` says what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Span:
    """Open from `start` to `end` minutes after midnight, on one day."""

    start: int
    end: int

    def label(self, sep: str = ":") -> str:
        return f"{_clock(self.start, sep)}-{_clock(self.end, sep)}"


@dataclass(frozen=True)
class Closure:
    """Closed from `start` until `end` (wall-clock, end excluded); may span midnight or days."""

    start: datetime
    end: datetime
    label: Mapping[str, str]


@dataclass(frozen=True)
class SpecialDay:
    """A date with hours of its own (a Saturday service, a shortened day); [] is closed."""

    day: date
    spans: tuple[Span, ...]
    label: Mapping[str, str]


@dataclass(frozen=True)
class Hours:
    weekly: tuple[tuple[Span, ...], ...]  # Monday first, as date.weekday()
    closures: tuple[Closure, ...]
    specials: tuple[SpecialDay, ...]

    def with_closures(self, more: Sequence[Closure]) -> Hours:
        return Hours(self.weekly, (*self.closures, *more), self.specials)

    def planned(self, day: date) -> tuple[tuple[Span, ...], SpecialDay | None]:
        """The hours a day would have before closures: its special hours, or its weekday's."""
        for special in self.specials:
            if special.day == day:
                return special.spans, special
        return self.weekly[day.weekday()], None

    def open_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """When the office is open on `day`, closures taken out."""
        spans, _ = self.planned(day)
        midnight = datetime.combine(day, time())
        periods = [
            (midnight + timedelta(minutes=s.start), midnight + timedelta(minutes=s.end))
            for s in spans
        ]
        for closure in self.closures:
            periods = [piece for p in periods for piece in _minus(p, closure)]
        return periods

    def status_at(self, moment: datetime, zone: tzinfo) -> HoursStatus:
        """`status` for an aware moment, read on the office's clock in `zone`."""
        return self.status(moment.astimezone(zone).replace(tzinfo=None))

    def status(self, now: datetime) -> HoursStatus:
        """Open or closed at the wall-clock time `now`, with when that changes."""
        for start, end in self.open_periods(now.date()):
            if start <= now < end:
                return HoursStatus(True, end, None, self._label(now))
        day = now.date()
        for offset in range(LOOKAHEAD_DAYS + 1):
            for start, _ in self.open_periods(day + timedelta(days=offset)):
                if start > now:
                    return HoursStatus(False, None, start, self._label(now))
        return HoursStatus(False, None, None, self._label(now))

    def _label(self, now: datetime) -> Mapping[str, str] | None:
        """Why today is unusual: a closure in force now, or today's special hours."""
        for closure in self.closures:
            if closure.start <= now < closure.end:
                return closure.label
        _, special = self.planned(now.date())
        return special.label if special else None

    def upcoming(self, today: date) -> list[Closure | SpecialDay]:
        """Closures and special days that have not ended before `today`, soonest first."""
        start = datetime.combine(today, time())
        found: list[Closure | SpecialDay] = [c for c in self.closures if c.end > start]
        found += [s for s in self.specials if s.day >= today]
        return sorted(found, key=_starts)


@dataclass(frozen=True)
class HoursStatus:
    is_open: bool
    closes_at: datetime | None  # when open
    opens_at: datetime | None  # when closed; None if nothing within LOOKAHEAD_DAYS
    label: Mapping[str, str] | None  # the closure or special day that explains today


def _starts(item: Closure | SpecialDay) -> datetime:
    return item.start if isinstance(item, Closure) else datetime.combine(item.day, time())


def _minus(period: tuple[datetime, datetime], closure: Closure) -> list[tuple[datetime, datetime]]:
    start, end = period
    if closure.end <= start or closure.start >= end:
        return [period]
    pieces = []
    if closure.start > start:
        pieces.append((start, closure.start))
    if closure.end < end:
        pieces.append((closure.end, end))
    return pieces


def _clock(minutes: int, sep: str) -> str:
    return f"{minutes // 60:02d}{sep}{minutes % 60:02d}"


def format_time(moment: datetime | int, lang: str) -> str:
    """15.00 in Indonesian, 15:00 in English."""
    minutes = moment if isinstance(moment, int) else moment.hour * 60 + moment.minute
    return _clock(minutes, "." if lang == "id" else ":")


# Parsing the `[hours]` tables of office.toml.


def parse_hours(data: Mapping[str, Any], where: str, languages: Languages | None = None) -> Hours:
    """`where` is the table's name in the file ("hours", "units[0].hours") for errors.

    A closure's or special day's label is required in the shipped languages (`id`, `en`); a
    language the office added may have one too (`ar = "…"`), else it shows its fallback's."""
    languages = languages or shipped_languages()
    weekly = tuple(_spans(data.get(name, []), f"{where}.{name}") for name in WEEKDAYS)
    unknown = sorted(set(data) - {*WEEKDAYS, "closed", "special"})
    if unknown:
        raise HoursError(f"{where}.{unknown[0]}", f"unknown; use {', '.join(WEEKDAYS)}")
    closures = tuple(
        _closure(item, f"{where}.closed[{i}]", languages)
        for i, item in enumerate(_tables(data, "closed", where))
    )
    specials = tuple(
        _special(item, f"{where}.special[{i}]", languages)
        for i, item in enumerate(_tables(data, "special", where))
    )
    days = [s.day for s in specials]
    if len(days) != len(set(days)):
        raise HoursError(f"{where}.special", "the same date is listed twice")
    return Hours(weekly, closures, specials)


def _tables(data: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise HoursError(f"{where}.{key}", f"must be a list of [[{where}.{key}]] tables")
    return value


def _spans(value: Any, field: str) -> tuple[Span, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HoursError(field, 'must be a list like ["08:00-12:00", "13:00-15:00"]')
    spans: list[Span] = []
    for text in value:
        match = _RANGE.fullmatch(text.strip())
        if not match:
            raise HoursError(field, f'{text!r} is not a time range like "08:00-12:00"')
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        span = Span(h1 * 60 + m1, h2 * 60 + m2)
        if span.end <= span.start or span.end > 24 * 60:
            raise HoursError(field, f"{text!r} ends before it starts")
        if spans and span.start < spans[-1].end:
            raise HoursError(field, f"{text!r} overlaps or comes before the range before it")
        spans.append(span)
    return tuple(spans)


def _label(item: Mapping[str, Any], field: str, languages: Languages) -> dict[str, str]:
    label = {}
    for lang in languages.codes:
        if lang not in languages.required and lang not in item:
            continue
        text = item.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise HoursError(f"{field}.{lang}", "must be a non-empty text (what applicants read)")
        if len(text) > 80:
            raise HoursError(f"{field}.{lang}", "keep it under 80 characters")
        label[lang] = text.strip()
    return label


def _closure(item: Mapping[str, Any], field: str, languages: Languages) -> Closure:
    label = _label(item, field, languages)
    if "date" in item:
        day = item["date"]
        if not isinstance(day, date) or isinstance(day, datetime):
            raise HoursError(f"{field}.date", "must be a date like 2026-12-25 (no quotes)")
        start = datetime.combine(day, time())
        return Closure(start, start + timedelta(days=1), label)
    bounds = []
    for key in ("from", "until"):
        value = item.get(key)
        if not isinstance(value, datetime) or value.tzinfo is not None:
            raise HoursError(
                f"{field}.{key}",
                "give date = 2026-12-25, or from and until as local times like "
                "2026-12-24T12:00:00 (no quotes, no time zone)",
            )
        bounds.append(value)
    if bounds[1] <= bounds[0]:
        raise HoursError(f"{field}.until", "must be after 'from'")
    return Closure(bounds[0], bounds[1], label)


def _special(item: Mapping[str, Any], field: str, languages: Languages) -> SpecialDay:
    day = item.get("date")
    if not isinstance(day, date) or isinstance(day, datetime):
        raise HoursError(f"{field}.date", "must be a date like 2026-12-05 (no quotes)")
    return SpecialDay(
        day, _spans(item.get("times", []), f"{field}.times"), _label(item, field, languages)
    )


def hours_json(hours: Hours) -> dict[str, Any]:
    """The rules as office.js reads them: minutes after midnight, local ISO date-times."""
    return {
        # JavaScript's getDay(): Sunday is 0.
        "weekly": [
            [[s.start, s.end] for s in hours.weekly[(js_day - 1) % 7]] for js_day in range(7)
        ],
        "closed": [
            {"from": c.start.isoformat(), "until": c.end.isoformat(), **c.label}
            for c in hours.closures
        ],
        "special": [
            {"date": s.day.isoformat(), "times": [[p.start, p.end] for p in s.spans], **s.label}
            for s in hours.specials
        ],
    }


def status_line(status: HoursStatus, now: datetime, lang: str, t: Any) -> str:
    """The landing page's line, as office.js writes it: `t(key)` gives a message's text."""
    if status.is_open and status.closes_at is not None:
        line = t("hours_open_until").replace("{time}", format_time(status.closes_at, lang))
    elif status.opens_at is None:
        line = t("hours_closed")
    else:
        opens = status.opens_at
        days = (opens.date() - now.date()).days
        if days == 0:
            key, day = "hours_opens_today", ""
        elif days == 1:
            key, day = "hours_opens_tomorrow", ""
        elif days < 7:
            key, day = "hours_opens_day", t(f"weekday_{(opens.weekday() + 1) % 7}")
        else:
            key, day = "hours_opens_date", f"{opens.day} {t(f'month_{opens.month}')}"
        line = t(key).replace("{day}", day).replace("{time}", format_time(opens, lang))
    if status.label:
        line = (
            t("hours_with_reason").replace("{line}", line).replace("{reason}", status.label[lang])
        )
    return str(line)
