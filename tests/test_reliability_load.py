"""A CI-sized load run (`make load` and `make load-pg` are the full ones): a few seconds, 20
connections, three new versions through the CLI and the admin and one rollback; not one request
may fail, with the records in SQLite or in PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from reliability.load import LoadPlan, run_load
from reliability.stage import LANG, SLUG, Stage, make_stage
from server.storage.sqlite_db import DB_NAME
from testkit.event_loop import run_to_end


def test_readers_see_only_whole_published_versions_while_staff_publish(tmp_path: Path) -> None:
    stage = make_stage(tmp_path / "stage")
    check_ci_sized_run(stage)


def test_the_same_holds_with_the_records_in_postgresql(tmp_path: Path, database_url: str) -> None:
    stage = make_stage(tmp_path / "stage", database_url)
    check_ci_sized_run(stage)
    # The staff's changes went to PostgreSQL, not to a SQLite file beside the guides.
    try:
        assert len(stage.versions(SLUG, LANG)) == 5
    finally:
        stage.close_records()
    assert not (stage.data_dir / DB_NAME).exists()


def check_ci_sized_run(stage: Stage) -> None:
    plan = LoadPlan(seconds=3, connections=20, publishes=3, rollbacks=1)
    try:
        report = run_to_end(run_load(stage, plan))
    finally:
        stage.stop()
        stage.close_records()
    assert report.ok, report.render()
    # The run did what it claims: every kind of request, all connections open at once,
    # every staff action, and readers caught between versions at least once.
    assert {"page", "api", "file"} <= set(report.tally.requests)
    assert report.connections_peak >= plan.connections
    assert len(report.actions) == 4 and len(report.audit_found) == 4
    assert report.tally.files_verified > 0 and report.tally.listings_checked > 0
    assert len(report.tally.versions_downloaded) >= 2
