"""The site and its reader pages: built per catalog, rendered in the background, immutable."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from server.app import create_app, create_live_site
from server.catalog import load_catalog
from server.i18n import format_size
from server.settings import Settings
from server.site import LiveSite, build_site
from testkit.app import refresh_guides
from testkit.pdfs import make_pdf
from testkit.server import with_sample_reader
from tests.test_reader import scanned_pdf

IDENTITY = {"Accept-Encoding": "identity"}


def live_of(client: TestClient) -> LiveSite:
    live: LiveSite = client.app.live  # type: ignore[attr-defined]
    return live


def wait_until_rendered(live: LiveSite, timeout: float = 60.0) -> None:
    """Until the site shows the reader pages of every current file, and the text of each
    that has one to show (a scan's OCR text waits for a review instead)."""
    deadline = time.monotonic() + timeout

    def settled() -> bool:
        files = live.site.catalog.files()
        if len(live.site.editions) < len(files) or live.texts is None:
            return False
        states = {f.sha256: live.texts.state(f.sha256) for f in files}
        if any(state in ("missing", "ocr_waiting") for state in states.values()):
            return False
        shown = {sha for sha, state in states.items() if state in ("ready", "approved")}
        return shown <= set(live.site.texts)

    while not settled():
        assert time.monotonic() < deadline, f"not rendered after {timeout}s"
        time.sleep(0.05)


@pytest.fixture
def rendered(settings: Settings, sample_reader: Path) -> Iterator[TestClient]:
    """The site with the sample guides' reader pages already made."""
    with_sample_reader(settings.data_dir, sample_reader)
    with TestClient(create_app(settings)) as client:
        wait_until_rendered(live_of(client))
        yield client


def guide_files(client: TestClient) -> dict[str, dict[str, Any]]:
    return {
        f"{guide['slug']}.{lang}": file
        for guide in client.get("/api/guides").json()["guides"]
        for lang, file in guide["files"].items()
    }


def test_until_its_pages_are_rendered_a_guide_page_offers_the_pdf_with_a_note(
    settings: Settings,
) -> None:
    live = create_live_site(settings)  # its reader store is empty: nothing rendered yet
    catalog = load_catalog(settings.guides_dir)
    site = build_site(catalog, live.office, live.renderer, live.assets, live.reader)
    html = site.responses["/guides/izin-tinggal"].body.decode()
    assert "Halaman panduan sedang disiapkan" in html
    assert re.search(r'<a class="btn" href="/files/izin-tinggal\.id\.[0-9a-f]{16}\.pdf"', html)
    assert "Buka panduan (PDF)" in html
    assert 'class="reader"' not in html and "/reader/" not in html
    assert site.images == {}


def test_a_pdf_whose_pages_could_not_be_made_is_offered_without_a_promise(
    settings: Settings,
) -> None:
    live = create_live_site(settings)
    catalog = load_catalog(settings.guides_dir)
    failed = frozenset({catalog.files()[0].sha256})
    slug = catalog.files()[0].slug
    site = build_site(catalog, live.office, live.renderer, live.assets, live.reader, failed)
    html = site.responses[f"/guides/{slug}"].body.decode()
    assert "sedang disiapkan" not in html and "Buka panduan (PDF)" in html


def test_pages_render_in_the_background_then_the_guide_page_shows_them(
    settings: Settings,
) -> None:
    with TestClient(create_app(settings)) as client:
        live = live_of(client)
        # Serving does not wait: the app answers while the queue works.
        assert client.get("/guides/izin-tinggal").status_code == 200
        wait_until_rendered(live)
        html = client.get("/guides/izin-tinggal").text
        health = client.get("/healthz").json()["reader"]
    assert "sedang disiapkan" not in html
    assert len(re.findall(r'<img src="/reader/[0-9a-f]{16}/\d\.webp"', html)) == 2
    files = len(live.site.catalog.files())
    assert health == {"ready": files, "files": files, "pending": 0, "failed": []}


def test_the_guide_page_shows_its_text_then_the_original_pages_and_a_download(
    rendered: TestClient,
) -> None:
    html = rendered.get("/guides/izin-tinggal").text
    # The text comes first, in the file's language; the page images wait, folded, below it.
    text_at = html.index('<div class="guide-text" lang="id">')
    original = html.split('<details class="reader">')[1]
    assert html.index('<details class="reader">') > text_at
    assert '<summary><span id="reader-heading">Lihat halaman asli</span>' in html
    images = re.findall(r"<img [^>]*>", original)
    assert len(images) == 2
    first, second = images
    assert 'src="/reader/' in first and "/1.webp" in first
    assert 'width="1080" height="1528"' in first
    assert 'alt="Halaman 1 dari 2"' in first and 'loading="lazy"' in first
    assert 'alt="Halaman 2 dari 2"' in second and 'loading="lazy"' in second
    assert 'id="page-2"' in html
    # The text version replaces the per-page text boxes.
    assert "Teks halaman 1" not in html
    assert re.search(r'<a class="btn btn-secondary" href="/files/izin-tinggal\.id\.', html)
    assert "Unduh PDF" in html
    assert html.count('class="back" href="/"') == 2
    english = rendered.get("/en/guides/izin-tinggal").text
    assert 'alt="Page 1 of 2"' in english and "Download PDF" in english
    assert '<div class="guide-text" lang="en">' in english
    assert "View original page" in english


def test_the_page_names_what_saving_the_guide_costs(rendered: TestClient) -> None:
    served = guide_files(rendered)["izin-tinggal.id"]
    pages = sum(page["size"] for page in served["reader"])
    html = rendered.get("/guides/izin-tinggal").text
    total = served["size"] + pages
    assert f"2 halaman dan PDF, total {format_size(total)}" in html
    # Saving everything: every PDF and every page, before the applicant taps.
    files = guide_files(rendered).values()
    everything = sum(f["size"] + sum(p["size"] for p in f["reader"]) for f in files)
    count, pages_count = len(files), sum(len(f["reader"]) for f in files)
    home = rendered.get("/").text
    assert f"{count} file PDF dan {pages_count} halaman, total {format_size(everything)}" in home
    assert f'<progress max="{everything}"' in home


def test_page_images_are_served_immutable_with_etags(rendered: TestClient) -> None:
    served = guide_files(rendered)["antrian-paspor.id"]["reader"]
    assert [page["url"].rsplit("/", 1)[1] for page in served] == ["1.webp", "2.webp"]
    response = rendered.get(served[1]["url"], headers=IDENTITY)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert int(response.headers["content-length"]) == served[1]["size"] == len(response.content)
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.width) == ("WEBP", 1080)
    again = rendered.get(served[1]["url"], headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    head = rendered.head(served[1]["url"])
    assert head.status_code == 200 and head.content == b""
    missing = served[1]["url"].replace("/2.webp", "/3.webp")
    assert rendered.get(missing).status_code == 404


def test_the_worker_knows_each_files_pages(rendered: TestClient) -> None:
    from tests.test_service_worker import worker

    _, build = worker(rendered)
    served = guide_files(rendered)
    for file in build["files"]:
        expected = [{"url": p["url"], "size": p["size"]} for p in served[file["key"]]["reader"]]
        assert file["pages"] == expected and len(expected) == served[file["key"]]["pages"] >= 2


def test_a_new_version_is_rendered_and_its_old_pages_are_no_longer_served(
    rendered: TestClient, settings: Settings
) -> None:
    live = live_of(rendered)
    old = guide_files(rendered)["pembuatan-paspor.id"]
    (settings.guides_dir / "pembuatan-paspor.id.pdf").write_bytes(make_pdf("Edisi baru", 3))
    assert refresh_guides(rendered)
    wait_until_rendered(live)
    new = guide_files(rendered)["pembuatan-paspor.id"]
    assert new["sha256"] != old["sha256"] and len(new["reader"]) == 3
    html = rendered.get("/guides/pembuatan-paspor").text
    assert 'alt="Halaman 3 dari 3"' in html and "Edisi baru - 3" in html
    assert rendered.get(old["reader"][0]["url"]).status_code == 404
    assert rendered.get(new["reader"][2]["url"]).status_code == 200


def test_a_scanned_guide_reads_as_images_without_text_or_error(
    rendered: TestClient, settings: Settings, tmp_path: Path
) -> None:
    live = live_of(rendered)
    (settings.guides_dir / "pembuatan-paspor.id.pdf").write_bytes(scanned_pdf(tmp_path))
    assert refresh_guides(rendered)
    wait_until_rendered(live)
    html = rendered.get("/guides/pembuatan-paspor").text
    assert 'alt="Halaman 1 dari 1"' in html
    # No text layer: until Tikkim has looked over its OCR text, the page shows the scan,
    # open, and no text version.
    assert '<details class="reader" open>' in html
    assert "guide-text" not in html and '<details class="page-text"' not in html
    assert "berupa gambar hasil pindaian" in html
    assert rendered.get("/healthz").json()["reader"]["failed"] == []
    index = rendered.get(live.site.search["id"].url).json()
    assert [row[1] for row in index["entries"] if row[0] == "pembuatan-paspor"] == [""]
