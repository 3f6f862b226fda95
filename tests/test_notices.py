"""Notices: posting and removing them (admin, CLI), the audit log, limits, and what the
landing page and /api/notices carry."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.audit import AuditFilter, AuditLog
from server.db import Database
from server.notices import MAX_CHARS, NoticeError, NoticeStore, parse_local_time, shown
from server.settings import PROJECT_ROOT, Settings
from testkit.admin_client import add_account, csrf_of, log_in

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
TEXT = {"id": "Kuota Desember dibuka 1 Desember", "en": "December quota opens on 1 December"}


@pytest.fixture
def store(tmp_path: Path) -> NoticeStore:
    return NoticeStore(Database(tmp_path / "data"))


def test_a_notice_is_added_and_removed_with_audit_entries(store: NoticeStore) -> None:
    notice = store.add(TEXT, NOW, NOW + timedelta(days=2), "ayu", now=NOW)
    assert store.current(NOW) == [notice]
    removed = store.remove(notice.id, "budi")
    assert removed.text == TEXT and store.current(NOW) == []
    entries = AuditLog(store.db).entries(AuditFilter())
    assert [(e.action, e.actor) for e in entries] == [
        ("notice_remove", "budi"),
        ("notice_add", "ayu"),
    ]
    assert TEXT["id"] in entries[1].detail and TEXT["en"] in entries[0].detail
    with pytest.raises(NoticeError, match="no notice"):
        store.remove(notice.id, "budi")


def test_the_revision_grows_with_every_change(store: NoticeStore) -> None:
    revisions = [store.revision()]
    first = store.add(TEXT, NOW, NOW + timedelta(days=1), "ayu", now=NOW)
    revisions.append(store.revision())
    store.add(TEXT, NOW, NOW + timedelta(days=1), "ayu", now=NOW)
    revisions.append(store.revision())
    store.remove(first.id, "ayu")
    revisions.append(store.revision())
    assert revisions == sorted(set(revisions))


@pytest.mark.parametrize(
    ("text", "starts", "ends", "key"),
    [
        ({"id": "x", "en": ""}, NOW, NOW + timedelta(days=1), "notice_no_text"),
        ({"id": "x" * (MAX_CHARS + 1), "en": "y"}, NOW, NOW + timedelta(days=1), "notice_too_long"),
        ({"id": "a\u202eb", "en": "y"}, NOW, NOW + timedelta(days=1), "notice_bad_text"),
        (TEXT, NOW, NOW, "notice_bad_period"),
        (TEXT, NOW - timedelta(days=3), NOW - timedelta(days=1), "notice_bad_period"),
        (TEXT, NOW, NOW + timedelta(days=400), "notice_bad_period"),
    ],
)
def test_bad_notices_are_refused_and_nothing_is_stored(
    store: NoticeStore, text: dict[str, str], starts: datetime, ends: datetime, key: str
) -> None:
    with pytest.raises(NoticeError) as caught:
        store.add(text, starts, ends, "ayu", now=NOW)
    assert caught.value.key == key
    assert store.current(NOW - timedelta(days=10)) == []
    assert AuditLog(store.db).entries(AuditFilter()) == []


def test_at_most_three_show_the_newest_first(store: NoticeStore) -> None:
    for hours in range(5):
        store.add({"id": f"n{hours}", "en": f"n{hours}"}, NOW + timedelta(hours=hours),
                  NOW + timedelta(days=1), "ayu", now=NOW)  # fmt: skip
    later = NOW + timedelta(hours=10)
    assert [n.text["id"] for n in shown(store.current(later), later)] == ["n4", "n3", "n2"]
    # The one that has not started yet does not show.
    assert [n.text["id"] for n in shown(store.current(NOW), NOW)] == ["n0"]


def test_local_times_are_read_in_the_office_zone() -> None:
    from zoneinfo import ZoneInfo

    assert parse_local_time("2026-12-01 08:00", ZoneInfo("Asia/Jakarta"), "start") == datetime(
        2026, 12, 1, 1, 0, tzinfo=UTC
    )
    assert parse_local_time("2026-12-01T08:00", ZoneInfo("Asia/Jakarta"), "start").hour == 1
    for bad in ("1 Desember 08:00", "2026-02-30 08:00", "2026-12-01"):
        with pytest.raises(NoticeError, match="start"):
            parse_local_time(bad, ZoneInfo("Asia/Jakarta"), "start")


def landing_notices(html: str) -> list[tuple[str, bool]]:
    """Each notice paragraph on a landing page, and whether it is shown (not hidden)."""
    return [
        (text, "hidden" not in attrs)
        for attrs, text in re.findall(r'<p class="notice"([^>]*)>([^<]*)</p>', html)
    ]


def local(moment: datetime) -> str:
    return (moment + timedelta(hours=7)).strftime("%Y-%m-%d %H:%M")  # WIB


def test_the_admin_posts_a_notice_and_the_landing_page_carries_it(
    client: TestClient, settings: Settings
) -> None:
    add_account(settings.data_dir)
    assert log_in(client).status_code == 200
    now = datetime.now(UTC)
    for text, starts in (
        ("Sekarang", now - timedelta(hours=1)),
        ("Nanti", now + timedelta(days=1)),
    ):
        response = client.post("/admin/notices/add", data={
            "csrf": csrf_of(client), "text_id": text, "text_en": text + " (en)",
            "starts": local(starts), "ends": local(now + timedelta(days=3)),
        })  # fmt: skip
        assert response.url.params["done"] == "notice_added"
    assert landing_notices(client.get("/").text) == [("Sekarang", True), ("Nanti", False)]
    assert landing_notices(client.get("/en/").text) == [
        ("Sekarang (en)", True),
        ("Nanti (en)", False),
    ]
    api = client.get("/api/notices").json()
    assert [n["id_text"] for n in api["notices"]] == ["Sekarang", "Nanti"]
    assert api["revision"] == 2
    found = re.search(r'id="office-data">(.*?)</script>', client.get("/").text)
    assert found is not None
    data = json.loads(found.group(1))
    assert data["noticesRevision"] == 2 and len(data["notices"]) == 2
    # Refused: the page says why, keeps what was typed, and nothing changes.
    refused = client.post("/admin/notices/add", data={
        "csrf": csrf_of(client), "text_id": "Ada", "text_en": "", "starts": local(now),
        "ends": local(now + timedelta(days=1)),
    })  # fmt: skip
    assert refused.status_code == 400 and 'data-refused="notice_no_text"' in refused.text
    assert ">Ada</textarea>" in refused.text
    page = client.get("/admin/notices").text
    first = re.search(r'<tr data-notice="(\d+)">', page).group(1)  # type: ignore[union-attr]
    removed = client.post(f"/admin/notices/{first}/remove", data={"csrf": csrf_of(client)})
    assert removed.url.params["done"] == "notice_removed"
    assert landing_notices(client.get("/").text) == [("Nanti", False)]
    assert (
        '<section class="notices" id="notices" aria-label="Pengumuman" hidden>'
        in client.get("/").text
    )
    audit = client.get("/admin/audit?action=notice_remove").text
    assert "Sekarang" in audit


def test_a_changed_notice_changes_the_worker(client: TestClient, settings: Settings) -> None:
    """The landing page is precached; a new notice gives it a new revision, so installed
    phones get it with the next update (and office.js fetches /api/notices meanwhile)."""
    before = client.get("/sw.js").text
    NoticeStore(Database(settings.data_dir)).add(
        TEXT, datetime.now(UTC), datetime.now(UTC) + timedelta(days=1), "ayu"
    )
    live = client.app.fallback.state.live  # type: ignore[attr-defined]
    assert live.notices_changed()
    live.rebuild()
    assert not live.notices_changed()
    assert client.get("/sw.js").text != before
    assert TEXT["id"] in client.get("/").text


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "notice", *args], capture_output=True, text=True,
        cwd=PROJECT_ROOT,
    )  # fmt: skip


def test_the_cli_adds_lists_and_removes(tmp_path: Path, office_file: Path) -> None:
    where = ["--data", str(tmp_path / "data"), "--office", str(office_file)]
    now = datetime.now(UTC)
    added = cli("add", "--id", TEXT["id"], "--en", TEXT["en"], "--start", local(now),
                "--end", local(now + timedelta(days=1)), "--as", "ayu", *where)  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert re.match(r"posted notice #1: \d{4}-\d\d-\d\d \d\d:\d\d WIB - ", added.stdout)
    listed = cli("list", *where)
    assert "#1" in listed.stdout and "[shown]" in listed.stdout and TEXT["en"] in listed.stdout
    bad = cli("add", "--id", "x", "--en", "y", "--start", "besok", "--end", "lusa", *where)
    assert (
        bad.returncode == 1 and "YYYY-MM-DD HH:MM" in bad.stderr and "nothing changed" in bad.stderr
    )
    assert cli("remove", "1", "--as", "ayu", *where).returncode == 0
    assert cli("list", *where).stdout.strip() == "no notices"
    gone = cli("remove", "1", *where)
    assert gone.returncode == 1 and "no notice #1" in gone.stderr
    actions = [e.action for e in AuditLog(Database(tmp_path / "data")).entries(AuditFilter())]
    assert actions == ["notice_remove", "notice_add"]


def test_the_pages_are_built_again_when_a_notice_starts_or_ends(store: NoticeStore) -> None:
    """So that a browser without JavaScript, and the next phone to install, see it then."""
    from server.notices import board_from

    starts, ends = NOW + timedelta(hours=1), NOW + timedelta(hours=2)
    store.add(TEXT, starts, ends, "ayu", now=NOW)
    board = board_from(store, NOW)
    assert board.shown == []
    assert board.key(NOW + timedelta(minutes=59)) == board.key(NOW)
    assert board.key(starts) != board.key(NOW)
    assert board_from(store, starts).shown[0].text == TEXT
    assert board_from(store, ends).notices == ()
