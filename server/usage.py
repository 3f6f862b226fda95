"""Anonymous daily usage counts: no cookies, no addresses, nothing about the person.

Each view is counted once, by whoever served it (README "Usage records" tells the same):

- **The server**, for what it serves itself: a page (`count_page`) or a guide's PDF
  (`count_file`) shown by a browser without our service worker (a first visit, no JS, an old
  browser). It counts navigations only: `Sec-Fetch-Dest: document`, or no such header at all.
- **The service worker**, for every page or PDF it shows. Online, its fetch carries the view's
  event id in the `Bilang-Usage` header, and the server counts it under that id. When the
  network does not answer and the worker shows its saved copy, it keeps the same event (same
  id) and sends it with `POST /api/usage` once the phone is online. Its own fetches (the shell,
  saved guides) carry `Bilang-Usage: none` and count for nothing, whatever the browser.
- **The page** (app.js), for a tap on the WhatsApp button, which leaves the site: through the
  worker's queue, or a beacon without one.

A report is `{"events": [{"id": "<random, 16-64 of A-Z a-z 0-9 _ ->", "type": "page_view",
"path": "/en/guides/izin-tinggal?src=qr", "day": "2026-11-28"}]}`. A `page_view` names the
page's path (and query), and counts what the server would have counted for it: the view, the
guide's open on its page, a QR scan (`src=qr`), a start from the installed app (`src=pwa`).
Other types are `guide_open` (with `guide` and `lang`: a PDF), `whatsapp` (with `lang`).
`day` lets an event count on the day it happened, up to 30 days back; an older one is dropped.

Every event id counts once, whether it arrives in a header, in a report, or both, however
often: ids are kept hashed in `usage_seen` for 40 days, at most `MAX_SEEN_IDS` of them.
Counting never waits for the database: the server's counts and ids stay in memory until the
next flush writes them (server/usage_counter.py: one dict increment per view).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from server.clock import office_today
from server.languages import Languages, shipped_languages
from server.storage.records import Records
from server.storage.rows import Count, SeenLimits, UsageRow
from server.storage.rows import UsageEvent as Event

# The `src` values of the links we hand out, and what each one counts: the one place to add
# a source (the QR code's URL in office.py, the installed app's start URL in manifest.py).
# `share`: a guide's link shared with its page's Share button; counted with that guide.
SOURCE_METRICS = {"qr": "qr_scan", "pwa": "pwa_start", "share": "share_open"}
METRICS = ("page_view", "guide_open", "whatsapp", *SOURCE_METRICS.values())
# The usage CSV's header row; the admin's usage page explains each column in both languages.
CSV_COLUMNS = ("day", "metric", "guide", "lang", "count")
MAX_EVENTS = 50
MAX_BACKDATE_DAYS = 30
# Longer than an event may be late, so that a resent event always finds its id.
KEEP_SEEN_DAYS = MAX_BACKDATE_DAYS + 10
# The most ids kept (about 120 bytes each on disk, so at most about 60 MB); past it, the
# oldest go first.
MAX_SEEN_IDS = 500_000
# However many browsers (or flooding addresses) report, at most this many events are kept
# per day (and counted); the rest are dropped. With the per-address limit of usage_api.py.
MAX_STORED_PER_DAY = 50_000
# The most ids held in memory between flushes; past it (the database has been failing for a
# long while), views still count, without their id.
MAX_PENDING_IDS = 100_000
USAGE_HEADER = b"bilang-usage"
NOT_A_VIEW = b"none"
EVENT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A guide's page, once its language's prefix (server/languages.py) is taken off the path.
_GUIDE_PAGE = re.compile(r"^/guides/(?P<slug>[a-z0-9-]+)$")
_MAX_PATH = 512
# What a report may name by itself; the rest count as part of a `page_view`.
_REPORTED_ALONE = ("guide_open", "whatsapp")

Key = tuple[str, str, str, str]  # day, metric, guide, lang
Headers = Iterable[tuple[bytes, bytes]]


def guide_of(path: str, languages: Languages | None = None) -> str:
    """The slug of a guide's page (`/guides/<slug>`, `/en/guides/<slug>`), else ""."""
    match = _GUIDE_PAGE.match((languages or shipped_languages()).split_path(path)[1])
    return match["slug"] if match else ""


def view_counts(path: str, query: str, languages: Languages | None = None) -> tuple[Count, ...]:
    """What showing the page at `path?query` counts: the view, and perhaps a guide's open,
    a QR scan or a start from the installed app."""
    lang, page = (languages or shipped_languages()).split_path(path)
    counts: list[Count] = [("page_view", "", lang)]
    match = _GUIDE_PAGE.match(page)
    if guide := (match["slug"] if match else ""):
        # The guide's page is its reader: showing it is opening the guide.
        counts.append(("guide_open", guide, lang))
    if "src=" in query:
        for source in parse_qs(query).get("src", []):
            if source in SOURCE_METRICS:
                counts.append((SOURCE_METRICS[source], guide if source == "share" else "", lang))
    return tuple(dict.fromkeys(counts))  # `?src=qr&src=qr` is one scan


def request_kind_in(headers: Headers) -> bytes | None:
    """The `Bilang-Usage` header of a request from our service worker (an event id, or
    `none`); `b""` for a browser's own navigation; None for anything else."""
    navigation = True
    for name, value in headers:
        if name == USAGE_HEADER:
            return value
        not_shown = (name == b"sec-fetch-dest" and value != b"document") or (
            name in (b"sec-purpose", b"purpose") and b"prefetch" in value
        )
        navigation = navigation and not not_shown
    return b"" if navigation else None


def request_kind(headers: Mapping[bytes, bytes]) -> bytes | None:
    """`request_kind_in` on a request's headers already gathered in a dict (the hot path's)."""
    kind = headers.get(USAGE_HEADER)
    if kind is not None:
        return kind
    dest = headers.get(b"sec-fetch-dest")
    if dest is not None and dest != b"document":
        return None
    for name in (b"sec-purpose", b"purpose"):
        if b"prefetch" in headers.get(name, b""):
            return None
    return b""


def hash_id(event_id: str) -> str:
    """Ids are kept hashed: the random id a phone made never sits on the server."""
    return hashlib.sha256(event_id.encode()).hexdigest()[:32]


@dataclass
class Pending:
    """What the server counted since the last flush: plain counts, and views under an id."""

    counts: Counter[Key] = field(default_factory=Counter)
    events: dict[str, Event] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.counts) or bool(self.events)


def parse_events(
    body: Any,
    guides: set[str],
    is_page: Callable[[str], bool],
    today: date | None = None,
    languages: Languages | None = None,
) -> list[Event]:
    """The valid events of a browser report; the sender cannot fix the rest, so they drop."""
    today = today or office_today()
    languages = languages or shipped_languages()
    raw_events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(raw_events, list):
        raise ValueError('expected {"events": [...]}')
    events = []
    for raw in raw_events[:MAX_EVENTS]:
        if not isinstance(raw, dict):
            continue
        event_id, day = raw.get("id"), _event_day(raw.get("day"), today)
        if not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id) or day is None:
            continue
        counts = _event_counts(raw, guides, is_page, languages)
        if counts:
            events.append(Event(hash_id(event_id), day.isoformat(), counts))
    return events


def _event_counts(
    raw: dict[str, Any], guides: set[str], is_page: Callable[[str], bool], languages: Languages
) -> tuple[Count, ...]:
    metric, guide, lang = raw.get("type"), raw.get("guide") or "", raw.get("lang") or ""
    path = raw.get("path")
    if metric == "page_view":
        if not isinstance(path, str) or len(path) > _MAX_PATH:
            return ()
        parts = urlsplit(path)
        if not is_page(parts.path):
            return ()
        counts = view_counts(parts.path, parts.query, languages)
        return tuple(c for c in counts if c[0] != "guide_open" or c[1] in guides)
    if metric not in _REPORTED_ALONE or (lang and lang not in languages):
        return ()
    if metric == "guide_open" and guide not in guides:
        return ()
    return ((metric, guide if metric == "guide_open" else "", lang),)


def _event_day(raw: object, today: date) -> date | None:
    """The day an event happened: as the phone says, today if it says nothing sensible, or
    None when it is older than the records take late events for."""
    if isinstance(raw, str):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            return today
        if day < today - timedelta(days=MAX_BACKDATE_DAYS):
            return None
        return min(day, today)  # a phone whose clock runs ahead
    return today


class UsageStore:
    def __init__(self, db: Records) -> None:
        self.db = db

    def flush(self, pending: Pending) -> None:
        """Writes what the server counted: its plain counts, and each view whose id is new."""
        if not pending:
            return
        counts = [(*key, n) for key, n in pending.counts.items()]
        self.db.usage.add(counts, pending.events.values(), _seen_limits())

    def record_events(self, events: Iterable[Event]) -> int:
        """Count each event whose id was not seen before; the number counted."""
        return self.db.usage.add((), events, _seen_limits())

    def rows(self, since: date) -> list[UsageRow]:
        return self.db.usage.rows(since.isoformat())


def _seen_limits() -> SeenLimits:
    since = (office_today() - timedelta(days=KEEP_SEEN_DAYS)).isoformat()
    return SeenLimits(MAX_STORED_PER_DAY, since, MAX_SEEN_IDS)


def usage_csv(rows: Iterable[UsageRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()
