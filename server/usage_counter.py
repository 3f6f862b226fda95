"""The server's own usage counting: one dict increment per view, made into counts at the flush.

What counts, and under which id, is told in usage.py. Here the hot path only notes
the day, the page and the query (or the event id the service worker sent) in a
dict; `take()`, called by the flush task in the background, turns those notes
into the metrics of `view_counts` and hashes the ids. Counts still never wait
for the database.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as dt_time
from typing import Any
from urllib.parse import urlsplit

from server.catalog import GuideFile
from server.clock import office_now, office_today, office_zone
from server.languages import Languages, shipped_languages
from server.storage.rows import Count
from server.storage.rows import UsageEvent as Event
from server.usage import (
    EVENT_ID,
    MAX_PENDING_IDS,
    NOT_A_VIEW,
    Pending,
    guide_of,
    hash_id,
    request_kind_in,
    view_counts,
)

# The most distinct (day, page, query) notes held between two flushes; past it (a flood of
# made-up queries) a view is made into its counts at once, so memory stays bounded.
MAX_VIEW_NOTES = 10_000
# An event id is at most 64 characters (usage.py); a longer header is no id, so it is not
# kept as one (a 16 KB header must not be held 100,000 times).
_MAX_ID_BYTES = 64

# (day, path, query) of a page shown, or (day, "", b"") with the counts of a guide's PDF.
_Note = tuple[str, str, bytes, tuple[Count, ...]]


class UsageCounter:
    """Daily counts held in memory until the next flush."""

    def __init__(self, languages: Languages | None = None) -> None:
        self.languages = languages or shipped_languages()
        self._pending = Pending()
        self._views: dict[tuple[str, str, bytes], int] = {}
        self._ids: dict[bytes, _Note] = {}
        self._day = ""
        self._day_starts = self._day_ends = 0.0
        self._zone: tzinfo | None = None

    def today(self) -> str:
        """The office's date, worked out again only when the clock leaves the day (or the
        office's time zone changes)."""
        now = time.time()
        if not self._day_starts <= now < self._day_ends or office_zone() is not self._zone:
            moment = office_now()
            self._zone = office_zone()
            day = moment.date()
            self._day = day.isoformat()
            # Wall-clock midnights in the office's zone (a zone may keep daylight saving).
            self._day_starts = datetime.combine(day, dt_time(), moment.tzinfo).timestamp()
            following = datetime.combine(day + timedelta(days=1), dt_time(), moment.tzinfo)
            self._day_ends = following.timestamp()
        return self._day

    def add(self, metric: str, guide: str = "", lang: str = "", day: date | None = None) -> None:
        self._pending.counts[((day or office_today()).isoformat(), metric, guide, lang)] += 1

    def count_page(self, scope: Mapping[str, Any]) -> None:
        """A page was served: a view, and perhaps a guide's open, a QR scan or an app start."""
        if scope["method"] == "GET":
            kind = request_kind_in(scope["headers"])
            if kind is not None:
                self.count_view(kind, scope["path"], scope.get("query_string", b""))

    def count_view(self, kind: bytes, path: str, query: bytes) -> None:
        """A page shown by a GET whose `Bilang-Usage` header (or its absence, `b""`) is `kind`."""
        if kind == NOT_A_VIEW:
            return
        day = self.today()
        if kind and self._note_id(kind, (day, path, query, ())):
            return
        key = (day, path, query)
        views = self._views
        if key in views:
            views[key] += 1
        elif len(views) < MAX_VIEW_NOTES:
            views[key] = 1
        else:
            self._add_counts(day, view_counts(path, query.decode("latin-1"), self.languages))

    def count_file(self, scope: Mapping[str, Any], gfile: GuideFile) -> None:
        """A guide PDF was served (see `count_file_view`)."""
        if scope["method"] != "GET":
            return
        kind = request_kind_in(scope["headers"])
        if kind is None:
            return
        range_header = referer = None
        for name, value in scope["headers"]:
            if name == b"range":
                range_header = value
            elif name == b"referer":
                referer = value
        self.count_file_view(kind, gfile, range_header, referer)

    def count_file_view(
        self, kind: bytes, gfile: GuideFile, range_header: bytes | None, referer: bytes | None
    ) -> None:
        """A guide PDF served to a GET. Later parts of a download (Range past 0) are the same
        open, and so is the PDF opened from the guide's own page, which counted already."""
        if kind == NOT_A_VIEW:
            return
        if not kind:  # the browser's own request; the worker decided these for itself
            if range_header is not None and not range_header.replace(b" ", b"").startswith(
                b"bytes=0-"
            ):
                return
            if referer is not None and _referer_guide(referer, self.languages) == gfile.slug:
                return
        day = self.today()
        if kind and self._note_id(kind, (day, "", b"", (("guide_open", gfile.slug, gfile.lang),))):
            return
        self._pending.counts[(day, "guide_open", gfile.slug, gfile.lang)] += 1

    def _note_id(self, kind: bytes, note: _Note) -> bool:
        """Keep a view under its event id; False when it is to count without one."""
        if len(kind) > _MAX_ID_BYTES:
            return False
        if kind in self._ids:
            return True  # the same event again: it counts once (as its hashed id would)
        if len(self._ids) + len(self._pending.events) >= MAX_PENDING_IDS:
            return False
        self._ids[kind] = note
        return True

    def _add_counts(self, day: str, counts: tuple[Count, ...], times: int = 1) -> None:
        for metric, guide, lang in counts:
            self._pending.counts[(day, metric, guide, lang)] += times

    def _resolve(self) -> None:
        """Make the hot path's notes into counts and events."""
        views, self._views = self._views, {}
        ids, self._ids = self._ids, {}
        for (day, path, query), times in views.items():
            self._add_counts(day, view_counts(path, query.decode("latin-1"), self.languages), times)
        events = self._pending.events
        for kind, (day, path, query, counts) in ids.items():
            counts = counts or view_counts(path, query.decode("latin-1"), self.languages)
            event_id = kind.decode("latin-1")
            if EVENT_ID.fullmatch(event_id) and len(events) < MAX_PENDING_IDS:
                event = Event(hash_id(event_id), day, counts)
                events.setdefault(event.id_hash, event)
            else:
                self._add_counts(day, counts)

    def take(self) -> Pending:
        self._resolve()
        pending, self._pending = self._pending, Pending()
        return pending

    def give_back(self, pending: Pending) -> None:
        self._pending.counts.update(pending.counts)
        for id_hash, event in pending.events.items():
            self._pending.events.setdefault(id_hash, event)


def _referer_guide(referer: bytes, languages: Languages) -> str:
    """The guide whose page a `Referer` names, else ""."""
    return guide_of(urlsplit(referer.decode("latin-1")).path, languages)
