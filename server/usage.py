"""Anonymous daily usage counts: no cookies, no addresses, nothing about the person.

Two sources feed the same daily counters:

- The server counts what it serves (`UsageCounter.count_page`/`count_file`),
  in memory only; `flush` writes the sums to SQLite in the background, so a
  request never waits on the database. Only navigations count: requests a
  service worker makes to fill its cache carry `Sec-Fetch-Dest: empty`.
  A guide counts as opened when its page (the in-app reader) is shown, or
  its PDF is opened from anywhere but that page.
- Browsers report what the server cannot see (a guide opened from the offline
  cache, a click on the WhatsApp button) with `POST /api/usage`; app.js and
  the service worker's pwa/sw-usage.js send them:
  `{"events": [{"id": "<random, 16-64 of A-Z a-z 0-9 _ ->", "type": "guide_open",
  "guide": "<slug>", "lang": "id", "day": "2026-11-28"}]}`. `type` is one of
  METRICS; `day` (optional, up to 30 days back) lets a queued offline event
  count on the day it happened. Each id counts once, however often it is
  resent, so a service worker may retry until it gets an answer.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from server.catalog import GuideFile
from server.clock import office_today
from server.db import Database

METRICS = ("page_view", "guide_open", "whatsapp", "qr_scan", "pwa_start", "share_open")
LANGS = ("id", "en")
MAX_EVENTS = 50
MAX_BACKDATE_DAYS = 30
KEEP_SEEN_DAYS = 40
_EVENT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_GUIDE_PAGE = re.compile(r"^(?:/en)?/guides/(?P<slug>[a-z0-9-]+)$")

Key = tuple[str, str, str, str]  # day, metric, guide, lang
Headers = Iterable[tuple[bytes, bytes]]


def _is_navigation(headers: Headers) -> bool:
    for name, value in headers:
        if name == b"sec-fetch-dest" and value != b"document":
            return False
        if name in (b"sec-purpose", b"purpose") and b"prefetch" in value:
            return False
    return True


def _lang_of(path: str) -> str:
    return "en" if path == "/en" or path.startswith("/en/") else "id"


def _guide_of(path: str) -> str:
    """The slug of a guide's page (`/guides/<slug>`, `/en/guides/<slug>`), else ""."""
    match = _GUIDE_PAGE.match(path)
    return match["slug"] if match else ""


class UsageCounter:
    """Daily counts held in memory until the next flush."""

    def __init__(self) -> None:
        self._counts: Counter[Key] = Counter()

    def add(self, metric: str, guide: str = "", lang: str = "", day: date | None = None) -> None:
        self._counts[((day or office_today()).isoformat(), metric, guide, lang)] += 1

    def count_page(self, scope: Mapping[str, Any]) -> None:
        """A page was served: a view, and perhaps a QR scan or a start from the installed app."""
        if scope["method"] != "GET" or not _is_navigation(scope["headers"]):
            return
        lang = _lang_of(scope["path"])
        self.add("page_view", lang=lang)
        if guide := _guide_of(scope["path"]):
            # The guide's page is its reader: showing it is opening the guide.
            self.add("guide_open", guide, lang)
        query: bytes = scope.get("query_string", b"")
        if b"src=" in query:
            sources = parse_qs(query.decode("latin-1")).get("src", [])
            if "qr" in sources:
                self.add("qr_scan", lang=lang)
            if "pwa" in sources:
                self.add("pwa_start", lang=lang)
            if "share" in sources:
                # A link someone shared with the guide page's Share button (`?src=share`).
                self.add("share_open", _guide_of(scope["path"]), lang)

    def count_file(self, scope: Mapping[str, Any], gfile: GuideFile) -> None:
        """A guide PDF was served. Later parts of a download (Range past 0) are the same open,
        and so is the PDF opened from the guide's own page, which counted already."""
        if scope["method"] != "GET" or not _is_navigation(scope["headers"]):
            return
        for name, value in scope["headers"]:
            if name == b"range" and not value.replace(b" ", b"").startswith(b"bytes=0-"):
                return
            if name == b"referer" and _guide_of(urlsplit(value.decode("latin-1")).path) == (
                gfile.slug
            ):
                return
        self.add("guide_open", gfile.slug, gfile.lang)

    def take(self) -> Counter[Key]:
        counts, self._counts = self._counts, Counter()
        return counts

    def give_back(self, counts: Counter[Key]) -> None:
        self._counts.update(counts)


@dataclass(frozen=True)
class Event:
    id_hash: str
    metric: str
    guide: str
    lang: str
    day: str


def parse_events(body: Any, guides: set[str], today: date | None = None) -> list[Event]:
    """The valid events of a browser report; the sender cannot fix the rest, so they drop."""
    today = today or office_today()
    raw_events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(raw_events, list):
        raise ValueError('expected {"events": [...]}')
    events = []
    for raw in raw_events[:MAX_EVENTS]:
        if not isinstance(raw, dict):
            continue
        event_id, metric = raw.get("id"), raw.get("type")
        guide, lang = raw.get("guide") or "", raw.get("lang") or ""
        if not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id):
            continue
        if metric not in METRICS or lang not in ("", *LANGS):
            continue
        if metric == "guide_open" and guide not in guides:
            continue
        if metric != "guide_open":
            guide = ""
        events.append(
            Event(
                hashlib.sha256(event_id.encode()).hexdigest()[:32],
                metric,
                guide,
                lang,
                _event_day(raw.get("day"), today).isoformat(),
            )
        )
    return events


def _event_day(raw: object, today: date) -> date:
    if isinstance(raw, str):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            return today
        if today - timedelta(days=MAX_BACKDATE_DAYS) <= day <= today:
            return day
    return today


class UsageStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def flush(self, counts: Counter[Key]) -> None:
        if not counts:
            return
        with self.db.connect() as conn:
            conn.executemany(
                "INSERT INTO usage_daily (day, metric, guide, lang, count) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (day, metric, guide, lang)"
                " DO UPDATE SET count = count + excluded.count",
                [(*key, n) for key, n in counts.items()],
            )

    def record_events(self, events: Iterable[Event]) -> int:
        """Count each event whose id was not seen before; the number counted."""
        counted = 0
        with self.db.connect() as conn:
            for event in events:
                inserted = conn.execute(
                    "INSERT OR IGNORE INTO usage_seen (id, day) VALUES (?, ?)",
                    (event.id_hash, event.day),
                ).rowcount
                if not inserted:
                    continue
                counted += 1
                conn.execute(
                    "INSERT INTO usage_daily (day, metric, guide, lang, count)"
                    " VALUES (?, ?, ?, ?, 1) ON CONFLICT (day, metric, guide, lang)"
                    " DO UPDATE SET count = count + 1",
                    (event.day, event.metric, event.guide, event.lang),
                )
            cutoff = (office_today() - timedelta(days=KEEP_SEEN_DAYS)).isoformat()
            conn.execute("DELETE FROM usage_seen WHERE day < ?", (cutoff,))
        return counted

    def rows(self, since: date) -> list[tuple[str, str, str, str, int]]:
        with self.db.connect() as conn:
            found = conn.execute(
                "SELECT day, metric, guide, lang, count FROM usage_daily WHERE day >= ?"
                " ORDER BY day, metric, guide, lang",
                (since.isoformat(),),
            ).fetchall()
        return [(r[0], r[1], r[2], r[3], int(r[4])) for r in found]


def usage_csv(rows: Iterable[tuple[str, str, str, str, int]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["day", "metric", "guide", "lang", "count"])
    writer.writerows(rows)
    return out.getvalue()
