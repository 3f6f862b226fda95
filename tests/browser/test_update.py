"""Updates in a real chromium: Tikkim changes a guide, the applicant accepts the new version."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Frame, expect

from testkit.browser import (
    SAVED,
    Browser,
    accept_update,
    cached_urls,
    fetch_in_page,
    guide_files,
    open_guide,
    parts_of,
    wait_for_control,
)
from testkit.pdfs import make_pdf
from testkit.server import LiveServer, start_again, wait_for_reader_pages

pytestmark = pytest.mark.browser

CATALOG_ENTRY = re.compile(r'\[\[guide\]\]\nslug = "pelaporan-status-sipil".*', re.DOTALL)


def test_a_changed_guide_is_offered_then_served_and_the_old_cache_goes(
    browser: Browser, live_server: LiveServer, office_file: Path
) -> None:
    base = live_server.url
    before = guide_files(base)
    page = browser.launch()
    page.goto(base + "/")
    wait_for_control(page)
    open_guide(page, base, "/guides/antrian-paspor")
    open_guide(page, base, "/en/guides/pelaporan-status-sipil")
    old_shells = [name for name in cached_urls(page) if "-shell-" in name]
    assert len(old_shells) == 1

    # Tikkim, with the server stopped: a new antrian-paspor PDF, and the civil-status
    # guide retired from the catalog.
    live_server.stop()
    guides = live_server.guides_dir
    (guides / "antrian-paspor.id.pdf").write_bytes(make_pdf("Antrian Paspor, edisi baru", 2))
    catalog = guides / "catalog.toml"
    catalog.write_text(CATALOG_ENTRY.sub("", catalog.read_text(encoding="utf-8")))
    for retired in guides.glob("pelaporan-status-sipil.*.pdf"):
        retired.unlink()
    restarted = start_again(live_server, office_file)
    try:
        after = guide_files(base)
        assert after["antrian-paspor.id"]["url"] != before["antrian-paspor.id"]["url"]
        assert "pelaporan-status-sipil.en" not in after

        # The applicant comes back to the page: the browser finds the new sw.js.
        page.goto(base + "/guides/antrian-paspor")
        prompt = page.locator("#update-prompt")
        expect(prompt).to_be_visible()
        expect(prompt).to_have_text("Panduan diperbarui — muat ulang")
        loads: list[str] = []

        def count(frame: Frame) -> None:
            if frame == page.main_frame:
                loads.append(frame.url)

        page.on("framenavigated", count)
        prompt.locator("button").click()
        # The reloaded page links the new file, and shows it saved once refreshed.
        expect(page.locator("a[data-guide-file]")).to_have_attribute(
            "href", after["antrian-paspor.id"]["url"]
        )
        expect(page.locator("#offline-status")).to_have_class(SAVED)
        expect(prompt).to_be_hidden()
        page.wait_for_timeout(1000)
        assert loads == [base + "/guides/antrian-paspor"], "reloaded once, with no loop"

        caches = cached_urls(page)
        shells = [name for name in caches if "-shell-" in name]
        assert len(shells) == 1 and shells != old_shells
        # The new version's reader pages and PDF; the old ones and the retired guide are gone.
        assert sorted(caches["bilang-karyo-guides"]) == sorted(parts_of(after["antrian-paspor.id"]))
    finally:
        restarted.kill()

    # Served from the phone now, not the server.
    fresh = fetch_in_page(page, after["antrian-paspor.id"]["url"])
    assert (fresh["status"], fresh["sha256"]) == (200, after["antrian-paspor.id"]["sha256"])
    browser.problems.check()


# Asks for an update check and waits for the new worker to finish installing, or to fail.
_UPDATE_OUTCOME = """async () => {
  const registration = await navigator.serviceWorker.getRegistration();
  await registration.update();
  const worker = registration.installing || registration.waiting;
  if (!worker) return 'no update';
  while (!['installed', 'redundant'].includes(worker.state)) {
    await new Promise((resolve) => worker.addEventListener('statechange', resolve, { once: true }));
  }
  return worker.state;
}"""


def test_a_failed_precache_keeps_the_old_worker_serving(
    browser: Browser, live_server: LiveServer, office_file: Path
) -> None:
    base = live_server.url
    page = browser.launch()
    page.goto(base + "/")
    wait_for_control(page)
    # Another app on this origin: activation must leave its cache alone.
    page.evaluate("async () => (await caches.open('someone-else')).put('/x', new Response('x'))")
    old_caches = cached_urls(page)

    live_server.stop()
    (live_server.guides_dir / "pembuatan-paspor.id.pdf").write_bytes(make_pdf("Baru", 3))
    restarted = start_again(live_server, office_file)
    try:
        # One shell file fails to download while the new worker installs.
        assert browser.context is not None
        browser.context.route("**/static/app.*.css", lambda route: route.abort())
        assert page.evaluate(_UPDATE_OUTCOME) == "redundant"
        browser.context.unroute("**/static/app.*.css")
        expect(page.locator("#update-prompt")).to_be_hidden()
        assert cached_urls(page) == old_caches, "no half-filled cache is left behind"

        # With the download back, the update installs; accepting it keeps the other app's cache.
        assert page.evaluate(_UPDATE_OUTCOME) == "installed"
        with page.expect_navigation():
            page.locator("#update-prompt button").click()
        wait_for_control(page)
    finally:
        restarted.kill()
    caches = cached_urls(page)
    assert caches["someone-else"] == ["/x"]
    assert [name for name in caches if "-shell-" in name] != [
        name for name in old_caches if "-shell-" in name
    ]


def test_the_update_offered_is_the_newest_not_one_left_waiting(
    browser: Browser, live_server: LiveServer
) -> None:
    """A phone that checked for updates between two changes holds a worker that is already
    out of date (as one made while a new guide's pages were still rendering is). Accepting
    the prompt must bring the newest one."""
    base = live_server.url
    page = browser.launch()
    page.goto(base + "/")
    wait_for_control(page)
    open_guide(page, base, "/guides/antrian-paspor")

    drop_new_version(live_server, "Antrian Paspor, perubahan pertama")
    assert page.evaluate(_UPDATE_OUTCOME) == "installed"  # the first change waits on the phone
    newest = drop_new_version(live_server, "Antrian Paspor, perubahan kedua")

    accept_update(page, base + "/guides/antrian-paspor", newest["url"])
    assert sorted(cached_urls(page)["bilang-karyo-guides"]) == sorted(parts_of(newest))
    browser.problems.check()


def drop_new_version(server: LiveServer, text: str) -> dict[str, Any]:
    """Tikkim copies a new PDF over antrian-paspor's; waits until it and its pages are served."""
    before = guide_files(server.url)["antrian-paspor.id"]["sha256"]
    (server.guides_dir / "antrian-paspor.id.pdf").write_bytes(make_pdf(text, 2))
    deadline = time.monotonic() + 10
    while guide_files(server.url)["antrian-paspor.id"]["sha256"] == before:
        assert time.monotonic() < deadline, "the new version was not picked up"
        time.sleep(0.1)
    wait_for_reader_pages(server.url)
    return guide_files(server.url)["antrian-paspor.id"]
