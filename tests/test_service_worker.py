"""The generated `/sw.js`: how it is served, its precache list, and when it changes."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from server.site import LiveSite
from testkit.app import refresh_guides
from testkit.pdfs import make_pdf

IDENTITY = {"Accept-Encoding": "identity"}


def worker(client: TestClient) -> tuple[str, dict[str, Any]]:
    """The script, and the `BUILD` the server put on its first line."""
    script = client.get("/sw.js").text
    first_line = script.split("\n", 1)[0]
    assert first_line.startswith("const BUILD = ") and first_line.endswith(";")
    build: dict[str, Any] = json.loads(first_line.removeprefix("const BUILD = ").rstrip(";"))
    return script, build


def live_site(client: TestClient) -> LiveSite:
    live: LiveSite = client.app.live  # type: ignore[attr-defined]
    return live


def test_the_worker_is_served_from_the_root_and_always_revalidated(client: TestClient) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert "service-worker-allowed" not in response.headers  # the default scope is /
    etag = response.headers["etag"]
    assert client.get("/sw.js", headers={"If-None-Match": etag}).status_code == 304


def test_the_precache_is_the_shell_in_both_languages(client: TestClient) -> None:
    _, build = worker(client)
    urls = [entry["url"] for entry in build["precache"]]
    assert len(urls) == len(set(urls))
    guides = [guide["slug"] for guide in client.get("/api/guides").json()["guides"]]
    pages = {"/", "/offline", "/en/", "/en/offline"}
    pages |= {f"{prefix}/guides/{slug}" for prefix in ("", "/en") for slug in guides}
    assert pages <= set(urls)
    home = client.get("/").text
    for asset in ("app.css", "app.js", "icons/icon.svg", "icons/icon-192.png"):
        stem, suffix = asset.rsplit(".", 1)
        assert any(url.startswith(f"/static/{stem}.") and url.endswith(suffix) for url in urls)
    # Except the stylesheet of browsers without JavaScript, which run no service worker.
    for_scripts = [url for url in _same_origin_assets(home) if "/nojs." not in url]
    assert any("/nojs." in url for url in _same_origin_assets(home))
    assert all(url in urls for url in for_scripts)
    assert not any("/nojs." in url for url in urls)
    # Not for reading on a phone: the printed poster, and the install-sheet screenshots.
    assert "/poster" not in urls
    assert not any("/screenshots/" in url for url in urls)


def test_every_precache_revision_is_the_hash_of_what_the_server_sends(client: TestClient) -> None:
    _, build = worker(client)
    for entry in build["precache"]:
        response = client.get(entry["url"], headers=IDENTITY)
        assert response.status_code == 200, entry["url"]
        digest = hashlib.sha256(response.content).hexdigest()
        assert len(entry["revision"]) >= 32
        assert digest.startswith(entry["revision"]), entry["url"]


def test_the_worker_knows_every_current_guide_file(client: TestClient) -> None:
    _, build = worker(client)
    served = {
        f"{guide['slug']}.{lang}": file
        for guide in client.get("/api/guides").json()["guides"]
        for lang, file in guide["files"].items()
    }
    known = {file["key"]: file for file in build["files"]}
    assert known.keys() == served.keys()
    for key, file in known.items():
        assert (file["url"], file["size"], file["sha256"]) == (
            served[key]["url"],
            served[key]["size"],
            served[key]["sha256"],
        )
    assert build["offline"][0] == {"lang": "en", "scope": "/en/", "url": "/en/offline"}


def test_a_changed_guide_makes_a_new_worker(client: TestClient, guides_dir: Path) -> None:
    before, build_before = worker(client)
    refresh_guides(client)
    assert worker(client)[0] == before, "reloading the same guides keeps the same worker"

    (guides_dir / "antrian-paspor.id.pdf").write_bytes(make_pdf("Antrian paspor, baru"))
    assert refresh_guides(client)
    after, build_after = worker(client)
    assert after != before
    assert build_after["version"] != build_before["version"]
    old = {f["key"]: f["url"] for f in build_before["files"]}
    new = {f["key"]: f["url"] for f in build_after["files"]}
    assert new["antrian-paspor.id"] != old["antrian-paspor.id"]
    assert {k: v for k, v in new.items() if k != "antrian-paspor.id"} == {
        k: v for k, v in old.items() if k != "antrian-paspor.id"
    }


def test_a_changed_shell_makes_a_new_worker(settings: Settings, office_file: Path) -> None:
    with TestClient(create_app(settings)) as client:
        before = worker(client)[1]
    text = office_file.read_text(encoding="utf-8")
    office_file.write_text(text.replace('theme_color = "#B71C1C"', 'theme_color = "#8E1515"'))
    with TestClient(create_app(settings)) as client:
        after = worker(client)[1]
    assert after["version"] != before["version"]
    assert after["files"] == before["files"]
    changed = {e["url"] for e in after["precache"]} ^ {e["url"] for e in before["precache"]}
    assert not changed, "same URLs; the pages' revisions differ"
    assert after["precache"] != before["precache"]


def _same_origin_assets(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
