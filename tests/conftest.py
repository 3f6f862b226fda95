"""Shared fixtures: a private copy of the sample guides, settings, an app, a live server.

They wrap the harness in `testkit/` (servers, browsers, PDFs), which bench/ and
reliability/ use too.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from testkit.postgres import (
    PostgresCluster,
    PostgresMissing,
    close_opened,
    running_cluster,
)
from testkit.server import (
    SAMPLE_GUIDES,
    SAMPLE_OFFICE,
    LiveServer,
    make_sample_reader,
    start_server,
    with_sample_reader,
)


@pytest.fixture
def guides_dir(tmp_path: Path) -> Path:
    """A copy of the shipped sample guides that a test may change freely."""
    target = tmp_path / "guides"
    shutil.copytree(SAMPLE_GUIDES, target, ignore=shutil.ignore_patterns("README.md"))
    return target


@pytest.fixture
def office_file(tmp_path: Path) -> Path:
    target = tmp_path / "office.toml"
    shutil.copy(SAMPLE_OFFICE, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, guides_dir: Path, office_file: Path) -> Settings:
    # At the root, as most tests' paths are; tests/test_root_path.py serves under a root path.
    return Settings(
        guides_dir=guides_dir,
        office_file=office_file,
        data_dir=tmp_path / "data",
        watch=False,
        root_path="",
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def postgres() -> PostgresCluster:
    """A real PostgreSQL server for the test process, stopped when it ends. Missing PostgreSQL
    fails the tests that need it (with how to install it): they are never skipped."""
    try:
        return running_cluster()
    except PostgresMissing as missing:
        pytest.fail(str(missing), pytrace=False)


@pytest.fixture(autouse=True)
def _close_postgres_pools() -> Iterator[None]:
    """The pools the storage contract tests opened on PostgreSQL end with their test."""
    yield
    close_opened()


@pytest.fixture
def database_url(postgres: PostgresCluster) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return postgres.new_database()


@pytest.fixture
def live_server(
    tmp_path: Path, guides_dir: Path, office_file: Path, sample_reader: Path
) -> Iterator[LiveServer]:
    # The sample guides' reader pages are made once per test process, not once per server.
    with_sample_reader(tmp_path / "data", sample_reader)
    server = start_server(guides_dir, office_file, tmp_path / "data", tmp_path / "server.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sample_reader(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reader pages and text versions of every sample guide, made once per test process
    (`reader/` and `text/`, as in a data folder)."""
    return make_sample_reader(tmp_path_factory.mktemp("sample-reader"))
