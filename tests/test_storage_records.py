"""The records interface, run against every implementation (tests/storage_kinds.py)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.storage.errors import DatabaseProblem
from server.storage.records import Records
from server.storage.rows import (
    Answer,
    AuditFilter,
    AuditRecord,
    NewNotice,
    SeenLimits,
    SessionRow,
    UsageEvent,
    Version,
    utc_now,
)
from server.storage.sqlite_db import Database
from tests.storage_kinds import RECORDS_KINDS


@pytest.fixture(params=sorted(RECORDS_KINDS))
def open_records(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Records]:
    """Opens the same records again, as another process (or replica) would."""
    maker = RECORDS_KINDS[request.param]
    return lambda: maker(tmp_path / "records")


@pytest.fixture
def records(open_records: Callable[[], Records]) -> Records:
    return open_records()


def actions(records: Records) -> list[str]:
    return [e.action for e in reversed(records.audit.entries(None, None))]


def version(slug: str, lang: str, number: int, sha256: str, action: str = "publish") -> Version:
    return Version(0, slug, number, lang, sha256, 1000 + number, 2, utc_now(), "budi", action,
                   None, "2026-11-01")  # fmt: skip


# Accounts and sessions ---------------------------------------------------------------


def test_an_account_is_added_once_with_its_audit_entry(records: Records) -> None:
    assert records.accounts.add("budi", "hash-1", AuditRecord("admin", "user_add", detail="budi"))
    assert not records.accounts.add("budi", "hash-2", AuditRecord("admin", "user_add"))
    assert records.accounts.names() == ["budi"]
    assert records.accounts.password_hash("budi") == "hash-1"
    assert records.accounts.password_hash("nobody") is None
    assert actions(records) == ["user_add"], "a refused add must leave no audit entry"


def test_a_new_password_signs_the_account_out_everywhere(records: Records) -> None:
    records.accounts.add("budi", "hash-1", AuditRecord("admin", "user_add"))
    now = time.time()
    records.sessions.add(SessionRow("s1", "budi", "csrf", now, now), now - 60, now - 600)
    assert records.accounts.set_password("budi", "hash-2", AuditRecord("budi", "user_passwd"))
    assert records.accounts.password_hash("budi") == "hash-2"
    assert records.sessions.get("s1") is None
    assert not records.accounts.set_password("nobody", "x", AuditRecord("budi", "user_passwd"))
    assert actions(records) == ["user_add", "user_passwd"]


def test_removing_an_account_ends_its_sessions(records: Records) -> None:
    records.accounts.add("budi", "hash", AuditRecord("admin", "user_add"))
    now = time.time()
    records.sessions.add(SessionRow("s1", "budi", "csrf", now, now), now - 60, now - 600)
    assert records.accounts.remove("budi", AuditRecord("admin", "user_remove", detail="budi"))
    assert not records.accounts.remove("budi", AuditRecord("admin", "user_remove"))
    assert records.accounts.names() == [] and records.sessions.get("s1") is None
    assert actions(records) == ["user_add", "user_remove"]


def test_a_rehash_changes_the_hash_and_logs_nothing(records: Records) -> None:
    records.accounts.add("budi", "old", AuditRecord("admin", "user_add"))
    records.accounts.rehash("budi", "new")
    assert records.accounts.password_hash("budi") == "new"
    assert actions(records) == ["user_add"]


def test_sessions_are_shared_and_expired_ones_dropped(
    records: Records, open_records: Callable[[], Records]
) -> None:
    records.accounts.add("budi", "hash", AuditRecord("admin", "user_add"))
    now = time.time()
    records.sessions.add(SessionRow("old", "budi", "c0", now - 900, now - 900), now - 1, now - 1)
    records.sessions.add(SessionRow("new", "budi", "c1", now, now), now - 60, now - 600)
    other = open_records()  # another worker
    assert other.sessions.get("old") is None, "adding a session drops the expired ones"
    assert other.sessions.get("new") == SessionRow("new", "budi", "c1", now, now)
    other.sessions.touch("new", now + 30)
    found = records.sessions.get("new")
    assert found is not None and found.last_seen == now + 30
    records.sessions.remove("new")
    assert other.sessions.get("new") is None


def test_every_worker_signs_with_the_same_key(
    records: Records, open_records: Callable[[], Records]
) -> None:
    key = records.sessions.signing_key()
    assert len(key) >= 32 and open_records().sessions.signing_key() == key


# Login throttling --------------------------------------------------------------------


def test_failures_are_counted_until_the_limit_then_refused(records: Records) -> None:
    limits = [("address:a", 3), ("account:budi", 30)]
    now = 1_000_000.0
    for n in range(3):
        throttled = records.login_failures.reserve(limits, now + n, 600)
        assert throttled.retry_after == 0 and throttled.counts["address:a"] == n
        assert len(throttled.reserved) == 2
    refused = records.login_failures.reserve(limits, now + 10, 600)
    # Free once the oldest failure that still counts ages out of the window.
    assert refused.retry_after == int(now + 600 - (now + 10)) + 1 and refused.reserved == ()
    later = records.login_failures.reserve(limits, now + 601, 600)
    assert later.retry_after == 0 and later.counts["address:a"] == 2


def test_a_withdrawn_try_is_not_a_failure_and_a_right_password_forgives(
    records: Records,
) -> None:
    limits = [("address:a", 2), ("account:budi", 20)]
    now = 2_000_000.0
    first = records.login_failures.reserve(limits, now, 600)
    records.login_failures.withdraw(first.reserved)
    second = records.login_failures.reserve(limits, now + 1, 600)
    assert second.counts["address:a"] == 0
    records.login_failures.reserve(limits, now + 2, 600)
    third = records.login_failures.reserve(limits, now + 3, 600)
    assert third.retry_after > 0
    records.login_failures.forgive(second.reserved, "address:a")
    after = records.login_failures.reserve(limits, now + 4, 600)
    assert after.retry_after == 0 and after.counts == {"address:a": 0, "account:budi": 1}


def test_simultaneous_tries_from_many_workers_get_only_the_limit(
    open_records: Callable[[], Records],
) -> None:
    open_records().ensure()
    limits = [("address:flood", 5), ("account:budi", 50)]
    admitted: list[int] = []
    start = threading.Barrier(12)

    def one_try() -> None:
        worker = open_records()  # its own connections, as another process has
        start.wait()
        if worker.login_failures.reserve(limits, time.time(), 600).retry_after == 0:
            admitted.append(1)

    threads = [threading.Thread(target=one_try) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(admitted) == 5


# Versions and the journal ------------------------------------------------------------


def test_a_finished_change_records_everything_and_leaves_the_journal(
    records: Records, open_records: Callable[[], Records]
) -> None:
    told: list[int] = []
    records.on_catalog_change(lambda: told.append(1))
    pending_id = records.journal.add_pending('{"change": 1}')
    assert open_records().journal.pending() == [(pending_id, '{"change": 1}')]
    with records.journal.finish(pending_id) as change:
        change.add_version(version("paspor", "id", 1, "a" * 64))
        change.add_version(version("paspor", "en", 1, "b" * 64))
        change.add_audit(AuditRecord("budi", "publish", "paspor", "id", "", "a" * 64), utc_now())
        change.save_catalog("# katalog 1\n", utc_now())
    assert told == [1]
    other = open_records()
    assert other.journal.pending() == []
    assert [(v.lang, v.number) for v in other.versions.history("paspor")] == [("en", 1), ("id", 1)]
    assert actions(other) == ["publish"]
    latest = other.journal.latest_catalog()
    assert latest is not None and latest.text == "# katalog 1\n"


def test_a_change_that_fails_half_way_records_nothing(records: Records) -> None:
    told: list[int] = []
    records.on_catalog_change(lambda: told.append(1))
    pending_id = records.journal.add_pending("{}")
    with pytest.raises(RuntimeError), records.journal.finish(pending_id) as change:
        change.add_version(version("paspor", "id", 1, "a" * 64))
        change.add_audit(AuditRecord("budi", "publish"), utc_now())
        raise RuntimeError("killed here")
    assert records.versions.history("paspor") == [] and actions(records) == []
    assert records.journal.pending() == [(pending_id, "{}")], "the change must stay to be redone"
    assert told == []


def test_the_newest_version_of_each_file_is_current(records: Records) -> None:
    assert records.versions.latest() == {} and records.versions.pages_of("a" * 64) is None
    pending_id = records.journal.add_pending("{}")
    with records.journal.finish(pending_id) as change:
        for lang, number, sha in (("id", 1, "a"), ("id", 2, "b"), ("en", 1, "c"), ("id", 3, "a")):
            change.add_version(version("paspor", lang, number, sha * 64))
    current = records.versions.current("paspor", "id")
    assert current is not None and (current.number, current.sha256) == (3, "a" * 64)
    assert records.versions.current("visa", "id") is None
    got = records.versions.get("paspor", "id", 2)
    assert got is not None and replace(got, id=0) == replace(
        version("paspor", "id", 2, "b" * 64), created_at=got.created_at
    )
    latest = records.versions.latest()
    assert {key: (v.number, v.sha256) for key, v in latest.items()} == {
        ("paspor", "id"): (3, "a" * 64),
        ("paspor", "en"): (1, "c" * 64),
    }
    assert latest["paspor", "id"] == current
    assert records.versions.pages_of("b" * 64) == 2 and records.versions.pages_of("d" * 64) is None
    assert records.versions.hashes() == {"a" * 64, "b" * 64, "c" * 64}
    assert [v.number for v in records.versions.history("paspor")] == [3, 1, 2, 1]


def test_a_catalog_edited_by_hand_is_kept_with_its_audit_entry(records: Records) -> None:
    assert records.journal.latest_catalog() is None
    records.journal.save_catalog("# satu\n", utc_now())
    edit = AuditRecord("folder", "edit", detail="catalog.toml")
    records.journal.save_catalog("# dua\n", utc_now(), edit)
    records.journal.save_catalog("# satu\n", utc_now())  # back to the first text
    latest = records.journal.latest_catalog()
    assert latest is not None and latest.text == "# satu\n"
    assert actions(records) == ["edit"]


# The audit log -----------------------------------------------------------------------


def test_the_audit_log_filters_and_names_its_actors(records: Records) -> None:
    records.audit.add(AuditRecord("budi", "publish", guide="paspor"), "2026-11-01T08:00:00+00:00")
    records.audit.add(AuditRecord("sari", "retire", guide="visa"), "2026-11-03T08:00:00+00:00")
    records.audit.add(AuditRecord("budi", "retire", guide="paspor"), "2026-11-05T08:00:00+00:00")
    assert records.audit.actors() == ["budi", "sari"]
    newest_first = records.audit.entries(None, None)
    assert [e.at[:10] for e in newest_first] == ["2026-11-05", "2026-11-03", "2026-11-01"]
    only = records.audit.entries(AuditFilter(action="retire", actor="budi"), None)
    assert [(e.actor, e.action, e.guide) for e in only] == [("budi", "retire", "paspor")]
    span = records.audit.entries(AuditFilter(since="2026-11-02", until="2026-11-03"), None)
    assert [e.actor for e in span] == ["sari"]
    assert len(records.audit.entries(None, 2)) == 2


def test_only_old_sign_in_records_are_pruned(records: Records) -> None:
    old = (datetime.now(UTC) - timedelta(days=120)).isoformat(timespec="seconds")
    for action in ("login", "login_failed", "logout", "publish"):
        records.audit.add(AuditRecord("budi", action), old)
    records.audit.add(AuditRecord("budi", "login"))
    cutoff = (datetime.now(UTC) - timedelta(days=91)).isoformat(timespec="seconds")
    assert records.audit.prune_sign_ins(cutoff) == 3
    assert sorted(actions(records)) == ["login", "publish"]


# Usage, feedback, notices ------------------------------------------------------------


def test_usage_counts_add_up_and_each_event_counts_once(records: Records) -> None:
    limits = SeenLimits(per_day=3, since_day="2026-10-01", total=1000)
    day = "2026-11-20"
    records.usage.add([(day, "page_view", "", "id", 2)], [], limits)
    records.usage.add([(day, "page_view", "", "id", 3)], [], limits)
    view = UsageEvent("e1", day, (("page_view", "", "en"), ("guide_open", "paspor", "en")))
    assert records.usage.add([], [view, view], limits) == 1
    assert records.usage.add([], [view], limits) == 0, "a resent event counted again"
    more = [UsageEvent(f"e{n}", day, (("whatsapp", "", "id"),)) for n in range(2, 6)]
    assert records.usage.add([], more, limits) == 2, "more than the daily bound was kept"
    assert records.usage.rows("2026-11-01") == [
        (day, "guide_open", "paspor", "en", 1),
        (day, "page_view", "", "en", 1),
        (day, "page_view", "", "id", 5),
        (day, "whatsapp", "", "id", 2),
    ]
    assert records.usage.rows("2026-11-21") == []


def test_feedback_is_stored_once_and_tallied(records: Records) -> None:
    yes = Answer("a" * 32, "paspor", "id", "biaya", True, "")
    no = Answer("b" * 32, "paspor", "en", "", False, "Kurang jelas")
    assert records.feedback.save(yes, "2026-11-20")
    assert not records.feedback.save(yes, "2026-11-21"), "a resent answer was stored twice"
    assert records.feedback.save(no, "2026-11-22")
    assert records.feedback.save(Answer("c" * 32, "visa", "id", "", True, ""), "2026-11-19")
    tallies = {(t.guide, t.yes, t.no, t.comments) for t in records.feedback.tallies()}
    assert tallies == {("paspor", 1, 1, 1), ("visa", 1, 0, 0)}
    newest = records.feedback.records()
    assert [(r.day, r.helpful) for r in newest] == [
        ("2026-11-22", "no"),
        ("2026-11-20", "yes"),
        ("2026-11-19", "yes"),
    ]
    assert [r.comment for r in records.feedback.records("paspor", limit=1)] == ["Kurang jelas"]


def test_notices_come_and_go_with_their_audit_entries(
    records: Records, open_records: Callable[[], Records]
) -> None:
    now = datetime(2026, 11, 20, 8, tzinfo=UTC)

    def notice(start: int, end: int) -> NewNotice:
        return NewNotice("Tutup", "Closed", (now + timedelta(hours=start)).isoformat(),
                         (now + timedelta(hours=end)).isoformat(), utc_now(), "budi")  # fmt: skip

    revision = records.notices.revision()
    later = records.notices.add(
        notice(2, 5), lambda i: AuditRecord("budi", "notice_add", detail=f"#{i}")
    )
    sooner = records.notices.add(notice(-1, 1), lambda i: AuditRecord("budi", "notice_add"))
    records.notices.add(notice(-5, -1), lambda i: AuditRecord("budi", "notice_add"))
    assert later != sooner and open_records().notices.revision() > revision
    assert [n.id for n in records.notices.current(now.isoformat())] == [sooner, later]
    revision = records.notices.revision()
    removed = records.notices.remove(
        later, utc_now(), "sari", lambda n: AuditRecord("sari", "notice_remove", detail=n.text_en)
    )
    assert removed is not None and (removed.id, removed.text_id) == (later, "Tutup")
    assert (
        records.notices.remove(
            later, utc_now(), "sari", lambda n: AuditRecord("sari", "notice_remove")
        )
        is None
    )
    assert records.notices.revision() > revision
    assert [n.id for n in records.notices.current(now.isoformat())] == [sooner]
    assert actions(records) == ["notice_add"] * 3 + ["notice_remove"]
    assert records.audit.entries(None, 1)[0].detail == "Closed"


def test_the_records_check_themselves_and_count(records: Records) -> None:
    records.accounts.add("budi", "hash", AuditRecord("admin", "user_add"))
    counts = records.check()
    assert counts["accounts"] == 1 and counts["audit"] == 1 and counts["versions"] == 0
    assert records.where()


# SQLite: its own errors never leave the records ----------------------------------------


def test_a_locked_sqlite_database_is_a_database_problem(tmp_path: Path) -> None:
    records = Database(tmp_path / "data", busy_seconds=0.2)
    holder = sqlite3.connect(records.path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(DatabaseProblem) as locked:
            records.accounts.add("budi", "hash", AuditRecord("admin", "user_add"))
        assert locked.value.key == "db_busy" and "fuser" in str(locked.value)
    finally:
        holder.close()
    assert records.accounts.add("budi", "hash", AuditRecord("admin", "user_add"))


def test_a_vanished_sqlite_database_is_reported_not_made_again(tmp_path: Path) -> None:
    records = Database(tmp_path / "data")
    records.path.unlink()
    with pytest.raises(DatabaseProblem) as missing:
        records.versions.history("paspor")
    assert missing.value.key == "db_missing" and not records.path.exists()
