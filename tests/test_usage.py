"""Usage records: what counts, that nothing personal is stored, and nothing counts twice."""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.clock import office_today
from server.db import DB_NAME
from server.settings import Settings
from testkit.admin_client import PASSWORD, log_in

NAVIGATE = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}


def counts(settings: Settings) -> dict[tuple[str, str, str], int]:
    conn = sqlite3.connect(settings.data_dir / DB_NAME)
    try:
        rows = conn.execute("SELECT metric, guide, lang, count FROM usage_daily").fetchall()
    finally:
        conn.close()
    totals: dict[tuple[str, str, str], int] = {}
    for metric, guide, lang, count in rows:
        totals[(metric, guide, lang)] = totals.get((metric, guide, lang), 0) + count
    return totals


@pytest.fixture
def site(settings: Settings) -> Iterator[TestClient]:
    """The site; leaving the block stops it, which writes the counters out."""
    with TestClient(create_app(settings)) as client:
        yield client


def file_url(client: TestClient, slug: str, lang: str) -> str:
    guides = client.get("/api/guides").json()["guides"]
    return str(next(g for g in guides if g["slug"] == slug)["files"][lang]["url"])


def test_navigations_are_counted_by_kind_and_language(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        client.get("/", headers=NAVIGATE)
        client.get("/?src=qr", headers=NAVIGATE)
        client.get("/en/?src=pwa", headers=NAVIGATE)
        client.get("/en/guides/izin-tinggal", headers=NAVIGATE)  # read in the app: an open
        url = file_url(client, "izin-tinggal", "en")
        client.get(url, headers=NAVIGATE)
        client.get(url)  # no Sec-Fetch headers at all (an older browser, curl): counts
    assert counts(settings) == {
        ("page_view", "", "id"): 2,
        ("page_view", "", "en"): 2,
        ("qr_scan", "", "id"): 1,
        ("pwa_start", "", "en"): 1,
        ("guide_open", "izin-tinggal", "en"): 3,
    }


def test_a_pdf_downloaded_from_its_guide_page_is_the_same_open(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        client.get("/guides/izin-tinggal", headers=NAVIGATE)
        url = file_url(client, "izin-tinggal", "id")
        page = "http://testserver/guides/izin-tinggal"
        client.get(url, headers={**NAVIGATE, "Referer": page})
        # Another guide's page, or a link shared in a chat, is a new open.
        client.get(url, headers={**NAVIGATE, "Referer": "http://testserver/guides/antrian-paspor"})
    assert counts(settings)[("guide_open", "izin-tinggal", "id")] == 2


def test_what_is_not_an_applicant_opening_something_is_not_counted(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        url = file_url(client, "antrian-paspor", "id")
        # The service worker filling its cache, a prefetch, HEAD, later parts of a
        # download, the app's own CSS and the JSON list are not views or opens.
        client.get("/", headers={"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors"})
        client.get("/guides/antrian-paspor", headers={**NAVIGATE, "Sec-Purpose": "prefetch"})
        client.get(url, headers={"Sec-Fetch-Dest": "empty"})
        client.head(url)
        client.get(url, headers={**NAVIGATE, "Range": "bytes=1000-"})
        client.get(url, headers={**NAVIGATE, "Range": "bytes=0-99"})  # the start of an open
    assert counts(settings) == {("guide_open", "antrian-paspor", "id"): 1}


def test_nothing_personal_is_stored_and_no_cookie_is_set(settings: Settings) -> None:
    marker_ip, marker_agent = "203.0.113.77", "AgenUji/9.9 (penanda)"
    headers = {
        **NAVIGATE,
        "User-Agent": marker_agent,
        "X-Forwarded-For": marker_ip,
        "Cookie": "pelacak=penanda-cookie",
    }
    with TestClient(create_app(settings)) as client:
        for path in ("/", "/en/", "/guides/antrian-paspor", "/privacy"):
            response = client.get(path, headers=headers)
            assert "set-cookie" not in response.headers
        client.post(
            "/api/usage",
            json={"events": [{"id": "a" * 20, "type": "whatsapp", "lang": "id"}]},
            headers=headers,
        )
    conn = sqlite3.connect(settings.data_dir / DB_NAME)
    try:
        stored = repr(conn.execute("SELECT * FROM usage_daily").fetchall())
        stored += repr(conn.execute("SELECT * FROM usage_seen").fetchall())
        columns = {row[1] for row in conn.execute("PRAGMA table_info(usage_daily)")}
    finally:
        conn.close()
    for secret in (marker_ip, marker_agent, "penanda-cookie", "testclient", "a" * 20):
        assert secret not in stored
    assert columns == {"day", "metric", "guide", "lang", "count"}


def test_reported_events_count_once_however_often_they_are_resent(
    site: TestClient, settings: Settings
) -> None:
    yesterday = (office_today() - timedelta(days=1)).isoformat()
    events = [
        {
            "id": "offline-open-0000001",
            "type": "guide_open",
            "guide": "izin-tinggal",
            "lang": "id",
            "day": yesterday,
        },
        {"id": "wa-click-00000000001", "type": "whatsapp", "lang": "en"},
    ]
    first = site.post("/api/usage", json={"events": events}).json()
    again = site.post("/api/usage", json={"events": events}).json()  # a retry
    assert (first["counted"], again["counted"]) == (2, 0)
    conn = sqlite3.connect(settings.data_dir / DB_NAME)
    try:
        rows = conn.execute("SELECT day, metric, guide, lang, count FROM usage_daily").fetchall()
    finally:
        conn.close()
    assert sorted(rows) == sorted(
        [
            (yesterday, "guide_open", "izin-tinggal", "id", 1),
            (office_today().isoformat(), "whatsapp", "", "en", 1),
        ]
    )


@pytest.mark.parametrize(
    "event",
    [
        {"id": "short", "type": "whatsapp"},
        {"id": "x" * 20 + "/../", "type": "whatsapp"},
        {"id": "y" * 20, "type": "unknown"},
        {"id": "z" * 20, "type": "guide_open", "guide": "tidak-ada", "lang": "id"},
        {"id": "w" * 20, "type": "page_view", "lang": "fr"},
    ],
    ids=["short id", "id with a path", "unknown type", "unknown guide", "unknown language"],
)
def test_events_that_make_no_sense_are_dropped(site: TestClient, event: dict[str, str]) -> None:
    assert site.post("/api/usage", json={"events": [event]}).json()["counted"] == 0


def test_malformed_reports_are_refused(site: TestClient) -> None:
    assert site.post("/api/usage", content=b"{not json").status_code == 400
    assert site.post("/api/usage", json={"events": "x"}).status_code == 400
    assert site.post("/api/usage", content=b"[" + b" " * 20000 + b"]").status_code == 413


def test_counting_never_waits_for_the_database(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        blocker = sqlite3.connect(settings.data_dir / DB_NAME, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")  # nobody else can read or write now
        try:
            start = time.monotonic()
            for _ in range(20):
                assert client.get("/", headers=NAVIGATE).status_code == 200
            elapsed = time.monotonic() - start
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
    # A request that waited for the lock would wait out SQLite's 30 s busy timeout.
    assert elapsed < 5
    assert counts(settings)[("page_view", "", "id")] == 20


def test_the_dashboard_shows_the_counts(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        for _ in range(3):
            client.get(file_url(client, "izin-tinggal", "en"), headers=NAVIGATE)
        client.get(file_url(client, "antrian-paspor", "id"), headers=NAVIGATE)
        client.get("/?src=qr", headers=NAVIGATE)
    app = create_app(settings)
    app.fallback.state.admin.accounts.add("budi", PASSWORD, "test")  # type: ignore[attr-defined]
    with TestClient(app) as client:
        log_in(client)
        page = client.get("/admin/usage").text
        exported = client.get("/admin/usage.csv").content.decode("utf-8-sig")
    assert "<svg" in page and "<rect" in page
    top = page.split('<table class="top')[1]
    assert top.index('data-guide="izin-tinggal"') < top.index('data-guide="antrian-paspor"')
    assert '<tr data-metric="qr_scan"><th>' in page
    rows = list(csv.DictReader(io.StringIO(exported)))
    opens = {(r["guide"], r["lang"]): int(r["count"]) for r in rows if r["metric"] == "guide_open"}
    assert opens == {("izin-tinggal", "en"): 3, ("antrian-paspor", "id"): 1}


def test_the_privacy_page_says_what_is_stored(site: TestClient) -> None:
    page = site.get("/privacy").text
    assert "tidak memakai cookie, tidak menyimpan alamat IP" in page
    assert "bk_lang" in page
    english = site.get("/en/privacy").text
    assert "uses no cookies and stores no IP addresses and no personal data" in english
    # Exactly what is counted, and how each visit counts once, in both languages.
    for text, words in (
        (page, ("halaman yang dibuka", "panduan yang dibuka", "kode QR", "ikon aplikasi",
                "tombol WhatsApp", "dihitung satu kali", "paling lama 40 hari")),
        (english, ("pages shown", "guides opened", "QR code", "from the installed app",
                   "WhatsApp button", "counted once", "at most 40 days")),
    ):  # fmt: skip
        for word in words:
            assert word in text, word


def test_counts_written_on_shutdown_are_kept(settings: Settings, tmp_path: Path) -> None:
    for _ in range(2):
        with TestClient(create_app(settings)) as client:
            client.get("/en/", headers=NAVIGATE)
    assert counts(settings)[("page_view", "", "en")] == 2


def test_the_chart_legend_and_the_csv_columns_are_explained_in_both_languages(
    settings: Settings,
) -> None:
    with TestClient(create_app(settings)) as client:
        client.get("/en/", headers=NAVIGATE)
    app = create_app(settings)
    app.fallback.state.admin.accounts.add("budi", PASSWORD, "test")  # type: ignore[attr-defined]
    with TestClient(app) as client:
        log_in(client)
        page = client.get("/admin/usage").text
        header = client.get("/admin/usage.csv").content.decode("utf-8-sig").splitlines()[0]
    chart = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    legend = chart.split('class="legend"', 1)[1]
    for words in ("Halaman (ID)", "Pages (ID)", "Halaman (EN)", "Pages (EN)"):
        assert words in legend
    assert "Panduan dibuka" in legend and "Guide opens" in legend
    explained = page.split('class="csv-columns"', 1)[1].split("</table>", 1)[0]
    for column in header.split(","):
        row = explained.split(f'data-column="{column}"', 1)[1].split("</tr>", 1)[0]
        assert 'lang="en"' in row, f"{column} is explained in Indonesian only"
    for metric in ("page_view", "guide_open", "whatsapp", "qr_scan", "pwa_start"):
        assert f'data-value="{metric}"' in explained


def worker(event_id: str) -> dict[str, str]:
    """The headers of a page fetched by our service worker for the person to see."""
    return {"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "same-origin", "Bilang-Usage": event_id}


def test_a_page_the_service_worker_fetches_is_counted_under_its_event_id(
    settings: Settings,
) -> None:
    with TestClient(create_app(settings)) as client:
        client.get("/en/guides/izin-tinggal?src=qr", headers=worker("nav-0000000000000001"))
        client.get("/en/guides/izin-tinggal?src=qr", headers=worker("nav-0000000000000001"))
        client.get("/?src=pwa", headers=worker("nav-0000000000000002"))
        client.get(file_url(client, "izin-tinggal", "id"), headers=worker("pdf-0000000000000003"))
        # The worker's own fetches (its shell, saving guides) are no views, on any browser.
        client.get("/", headers={"Bilang-Usage": "none"})
        client.get(file_url(client, "antrian-paspor", "id"), headers={"Bilang-Usage": "none"})
        # The same view, queued while the answer timed out, then sent: still one view.
        report = client.post(
            "/api/usage",
            json={
                "events": [{"id": "nav-0000000000000002", "type": "page_view", "path": "/?src=pwa"}]
            },
        )
        assert report.json()["received"] == 1
    assert counts(settings) == {
        ("page_view", "", "en"): 1,
        ("guide_open", "izin-tinggal", "en"): 1,
        ("qr_scan", "", "en"): 1,
        ("page_view", "", "id"): 1,
        ("pwa_start", "", "id"): 1,
        ("guide_open", "izin-tinggal", "id"): 1,
    }


def test_a_view_reported_first_and_fetched_later_is_still_one(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        event = {"id": "nav-0000000000000009", "type": "page_view", "path": "/guides/izin-tinggal"}
        assert client.post("/api/usage", json={"events": [event]}).json()["counted"] == 1
        client.get("/guides/izin-tinggal", headers=worker("nav-0000000000000009"))
    assert counts(settings) == {
        ("page_view", "", "id"): 1,
        ("guide_open", "izin-tinggal", "id"): 1,
    }


def test_a_page_seen_offline_counts_what_the_server_would_have_counted(
    site: TestClient, settings: Settings
) -> None:
    three_days_ago = (office_today() - timedelta(days=3)).isoformat()
    events = [
        {"id": "off-000000000000001", "type": "page_view", "path": "/en/guides/izin-tinggal"},
        {"id": "off-000000000000002", "type": "page_view", "path": "/?src=qr&src=qr"},
        {"id": "off-000000000000003", "type": "page_view", "path": "/search?q=paspor"},
        {"id": "off-000000000000004", "type": "page_view", "path": "/en/privacy"},
        {
            "id": "off-000000000000005",
            "type": "page_view",
            "path": "/guides/izin-tinggal",
            "day": three_days_ago,
        },
        # Not pages: dropped, as the server would not count them either.
        {"id": "off-000000000000006", "type": "page_view", "path": "/api/guides"},
        {"id": "off-000000000000007", "type": "page_view", "path": "/guides/tidak-ada"},
        {"id": "off-000000000000008", "type": "page_view", "path": "/" + "x" * 600},
        # Older than the records take late events for: dropped, not moved to today.
        {
            "id": "off-000000000000009",
            "type": "page_view",
            "path": "/",
            "day": (office_today() - timedelta(days=31)).isoformat(),
        },
    ]
    assert site.post("/api/usage", json={"events": events}).json()["counted"] == 5
    conn = sqlite3.connect(settings.data_dir / DB_NAME)
    try:
        rows = conn.execute("SELECT day, metric, guide, lang, count FROM usage_daily").fetchall()
    finally:
        conn.close()
    today = office_today().isoformat()
    assert sorted(rows) == sorted(
        [
            (three_days_ago, "page_view", "", "id", 1),
            (three_days_ago, "guide_open", "izin-tinggal", "id", 1),
            (today, "page_view", "", "en", 2),
            (today, "guide_open", "izin-tinggal", "en", 1),
            (today, "page_view", "", "id", 2),
            (today, "qr_scan", "", "id", 1),
        ]
    )


def test_search_results_and_the_privacy_page_count_as_views(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        client.get("/search?q=paspor", headers=NAVIGATE)
        client.get("/en/privacy", headers=NAVIGATE)
        client.get("/en/privacy", headers=worker("nav-0000000000000011"))
        client.get("/tidak-ada", headers=NAVIGATE)  # an error page is no view
    assert counts(settings) == {("page_view", "", "id"): 1, ("page_view", "", "en"): 2}


def test_the_ids_kept_against_double_counting_are_bounded(
    site: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("server.usage.MAX_SEEN_IDS", 30)
    old = (office_today() - timedelta(days=45)).isoformat()
    conn = sqlite3.connect(settings.data_dir / DB_NAME)
    with conn:
        conn.execute("INSERT INTO usage_seen (id, day) VALUES ('from-long-ago', ?)", (old,))
    conn.close()
    for batch in range(4):
        events = [
            {"id": f"bounded-{batch:02d}-{n:010d}", "type": "whatsapp", "lang": "id"}
            for n in range(20)
        ]
        assert site.post("/api/usage", json={"events": events}).json()["counted"] == 20
    conn = sqlite3.connect(settings.data_dir / DB_NAME)
    try:
        kept = conn.execute("SELECT count(*) FROM usage_seen").fetchone()[0]
        long_ago = conn.execute("SELECT count(*) FROM usage_seen WHERE day = ?", (old,)).fetchone()
    finally:
        conn.close()
    assert kept == 30
    assert long_ago[0] == 0
    # The newest ids are the ones kept: resending the last batch counts nothing.
    assert site.post("/api/usage", json={"events": events}).json()["counted"] == 0


def test_a_shared_guide_link_counts_as_opened_from_a_share(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        client.get("/guides/izin-tinggal?src=share", headers=NAVIGATE)
        client.get("/en/guides/izin-tinggal?src=share", headers=NAVIGATE)
        client.get("/guides/izin-tinggal", headers=NAVIGATE)
    found = counts(settings)
    assert found[("share_open", "izin-tinggal", "id")] == 1
    assert found[("share_open", "izin-tinggal", "en")] == 1
    assert found[("guide_open", "izin-tinggal", "id")] == 2
