"""The hot path's usage notes: each view counts what it did before, once, at the flush."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from server import usage_counter
from server.catalog import GuideFile
from server.clock import office_today, office_zone
from server.usage import MAX_PENDING_IDS, hash_id
from server.usage_counter import MAX_VIEW_NOTES, UsageCounter

GUIDE = GuideFile("paspor-baru", "id", "paspor-baru.id.pdf", 1000, "ab" * 32, 2)
EVENT = b"abcdefghijklmnop0123"


def test_views_noted_by_one_increment_count_their_metrics_at_the_flush() -> None:
    counter = UsageCounter()
    for _ in range(3):
        counter.count_view(b"", "/", b"")
    counter.count_view(b"", "/en/guides/paspor-baru", b"src=qr")
    counter.count_view(b"none", "/", b"")  # the worker's own fetch
    today = office_today().isoformat()
    assert dict(counter.take().counts) == {
        (today, "page_view", "", "id"): 3,
        (today, "page_view", "", "en"): 1,
        (today, "guide_open", "paspor-baru", "en"): 1,
        (today, "qr_scan", "", "en"): 1,
    }
    assert not counter.take()  # taken once


def test_an_event_id_counts_once_under_its_hash_however_often_it_comes() -> None:
    counter = UsageCounter()
    counter.count_view(EVENT, "/", b"src=pwa")
    counter.count_view(EVENT, "/", b"src=pwa")
    counter.count_file_view(EVENT, GUIDE, None, None)  # the same id again: still one event
    pending = counter.take()
    assert not pending.counts
    (event,) = pending.events.values()
    assert event.id_hash == hash_id(EVENT.decode())
    assert event.counts == (("page_view", "", "id"), ("pwa_start", "", "id"))


def test_a_header_that_is_no_event_id_counts_the_view_without_one() -> None:
    counter = UsageCounter()
    counter.count_view(b"not an id", "/", b"")
    counter.count_file_view(b"x" * 5000, GUIDE, None, None)
    pending = counter.take()
    today = office_today().isoformat()
    assert not pending.events
    assert dict(pending.counts) == {
        (today, "page_view", "", "id"): 1,
        (today, "guide_open", "paspor-baru", "id"): 1,
    }


def test_later_parts_of_a_download_and_opens_from_the_guide_page_do_not_count_again() -> None:
    counter = UsageCounter()
    counter.count_file_view(b"", GUIDE, b"bytes=0-", None)
    counter.count_file_view(b"", GUIDE, b"bytes=500-", None)
    counter.count_file_view(b"", GUIDE, None, b"https://x.test/guides/paspor-baru")
    counter.count_file_view(b"", GUIDE, None, b"https://x.test/guides/other")
    assert sum(counter.take().counts.values()) == 2


def test_made_up_queries_cannot_grow_the_notes_past_their_bound() -> None:
    counter = UsageCounter()
    for number in range(MAX_VIEW_NOTES + 50):
        counter.count_view(b"", "/", f"q={number}".encode())
    assert len(counter._views) == MAX_VIEW_NOTES
    assert sum(counter.take().counts.values()) == MAX_VIEW_NOTES + 50


def test_ids_held_between_flushes_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usage_counter, "MAX_PENDING_IDS", 2)
    counter = UsageCounter()
    for number in range(4):
        counter.count_view(f"{number:020d}".encode(), "/", b"")
    pending = counter.take()
    assert len(pending.events) == 2
    assert sum(pending.counts.values()) == 2  # past the bound: counted, without their id
    assert MAX_PENDING_IDS > 2


def test_a_view_counts_on_the_office_day_it_happened(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = UsageCounter()
    counter.count_view(b"", "/", b"")
    tomorrow = datetime.now(office_zone()) + timedelta(days=1)
    monkeypatch.setattr(time, "time", tomorrow.timestamp)
    monkeypatch.setattr(usage_counter, "office_now", lambda: tomorrow)
    counter.count_view(b"", "/", b"")
    days = sorted(day for day, *_ in counter.take().counts)
    assert days == [office_today().isoformat(), tomorrow.date().isoformat()]
