"""No public answer tells where the server keeps its files: paths are shown by folder."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from server.shown_paths import ShownPaths
from testkit.app import refresh_guides


def test_paths_are_named_by_their_folder() -> None:
    shown = ShownPaths(Path("/srv/bk/guides"), Path("/srv/bk/data"), Path("/etc/bk/office.toml"))
    assert shown.text("/srv/bk/guides/catalog.toml: not valid TOML") == (
        "guides/catalog.toml: not valid TOML"
    )
    assert shown.text("/srv/bk/data/blobs/ab: unreadable") == "data/blobs/ab: unreadable"
    assert shown.text("/etc/bk/office.toml: field 'x'") == "office.toml: field 'x'"
    # Another folder that merely starts the same is not the guides folder.
    assert shown.text("/srv/bk/guides-old/x.pdf") == "x.pdf"
    # Any other absolute path keeps only its last part; URLs and relative paths stay.
    assert shown.text("Permission denied: '/tmp/abc/x.pdf'") == "Permission denied: 'x.pdf'"
    link = "social link ig (https://instagram.com/kanim/x) is not confirmed"
    assert shown.text(link) == link
    assert shown.json({"a": ["/srv/bk/guides/z.pdf", 3, None]}) == {"a": ["guides/z.pdf", 3, None]}


def test_healthz_and_public_pages_show_no_server_path(settings: Settings, tmp_path: Path) -> None:
    (settings.guides_dir / "tanpa-nama.pdf").write_bytes(b"%PDF-1.4\n")  # a warning names it
    app = create_app(settings)
    with TestClient(app) as client:
        # A catalog broken by hand: the last good one keeps serving, /healthz says why.
        (settings.guides_dir / "catalog.toml").write_text("[[guide]\n", encoding="utf-8")
        refresh_guides(client)
        health = client.get("/healthz")
        body = health.text
        assert health.json()["status"] == "degraded"
        assert "guides/catalog.toml" in health.json()["last_error"]
        assert any("office.toml" in w for w in health.json()["warnings"])
        home = client.get("/").text
        paths = {"/", "/en/", "/privacy", "/en/privacy", "/search?q=paspor", "/poster"}
        paths |= {"/api/guides", "/sw.js", "/tidak-ada", "/en/guides/tidak-ada"}
        paths |= set(re.findall(r'href="(/[^"#]*)"', home))
        pages = {path: client.get(path).text for path in sorted(paths)}
    private = str(tmp_path)
    assert private not in body, body
    for path, text in pages.items():
        assert private not in text, path
    assert len(pages) > 12
