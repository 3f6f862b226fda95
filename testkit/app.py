"""Driving an in-process app (Starlette's TestClient) as its watcher would, for tests."""

from __future__ import annotations

from starlette.testclient import TestClient

from server.folder_sync import FolderSync


def refresh_guides(client: TestClient) -> bool:
    """What the app's watcher does once Tikkim has copied files into guides/: record them
    as versions and hand the catalog to the site; True when the site was built anew."""
    folder: FolderSync = client.app.fallback.state.folder  # type: ignore[attr-defined]
    return folder.refresh()
