"""The office facts as the landing page lists them: weekly rows, coming dates, the JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from server.i18n import load_messages
from server.notices import Notice, NoticeBoard
from server.office import load_office
from server.office_page import dated_rows, office_data, week_rows
from server.settings import PWA_DIR

MESSAGES = load_messages(PWA_DIR / "messages.toml")


def t(key: str) -> str:
    return MESSAGES.get("id", key)


def test_weekdays_with_the_same_hours_are_grouped(office_file: Path) -> None:
    office = load_office(office_file)
    rows = [(row.days, row.hours) for row in week_rows(office.main.hours, "id", t)]
    assert rows == [
        ("Senin-Kamis", "08.00-12.00, 13.00-15.00"),
        ("Jumat", "08.00-11.30, 13.00-15.00"),
        ("Sabtu-Minggu", "Tutup"),
    ]


def test_coming_closures_are_listed_until_they_end(office_file: Path) -> None:
    office = load_office(office_file)
    rows = dated_rows(office, office.main.hours, "id", t, datetime(2026, 12, 1, 9, 0))
    assert [(row.when, row.what) for row in rows] == [
        ("Jumat, 25 Desember 2026", "Hari Raya Natal (tutup)"),
        ("Jumat, 1 Januari 2027", "Tahun Baru (tutup)"),
    ]
    # Christmas Day ends at midnight WIB: 26 December 00:00 +07:00.
    assert rows[0].until == int(datetime(2026, 12, 25, 17, 0, tzinfo=UTC).timestamp() * 1000)
    assert dated_rows(office, office.main.hours, "id", t, datetime(2026, 12, 26, 0, 0))[0].what \
        == "Tahun Baru (tutup)"  # fmt: skip


def test_the_json_cannot_end_its_script_element(office_file: Path) -> None:
    office = load_office(office_file)
    moment = datetime(2026, 11, 30, tzinfo=UTC)
    notice = Notice(
        7, {"id": "</script><script>x()</script>", "en": "a & b"}, moment, moment, "ayu"
    )
    text = str(office_data(office, "id", t, NoticeBoard((notice,), moment, 9)))
    assert "<" not in text and ">" not in text and "&" not in text
    data = json.loads(text)
    assert data["notices"][0]["id_text"] == "</script><script>x()</script>"
    assert data["noticesRevision"] == 9 and data["timezone"] == "Asia/Jakarta"
    assert data["places"]["unit-1"]["closed"][0]["id"] == "Hari Raya Natal"  # the office's, too
