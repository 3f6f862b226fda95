"""Signing in to the admin from tests, the way a browser does: form token, cookie, CSRF."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
from starlette.testclient import TestClient

from server.settings import PROJECT_ROOT

PASSWORD = "kata-sandi-uji-123"


def add_account(data_dir: Path, name: str = "budi", password: str = PASSWORD) -> None:
    """`bilang-karyo user add`, as Tikkim runs it, with the password on stdin."""
    subprocess.run(
        [sys.executable, "-m", "server.cli", "user", "add", name, "--data", str(data_dir)],
        input=f"{password}\n".encode(),
        check=True,
        capture_output=True,
        cwd=PROJECT_ROOT,
    )


def form_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field in the page"
    return match.group(1)


def log_in(client: TestClient | httpx2.Client, name: str = "budi", password: str = PASSWORD) -> Any:
    page = client.get("/admin/login")
    return client.post(
        "/admin/login",
        data={"token": form_value(page.text, "token"), "name": name, "password": password},
    )


def csrf_of(client: TestClient | httpx2.Client) -> str:
    return form_value(client.get("/admin/").text, "csrf")


def refusal_key(html: str) -> str | None:
    match = re.search(r'data-refused="([^"]+)"', html)
    return match.group(1) if match else None
