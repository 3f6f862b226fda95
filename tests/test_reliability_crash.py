"""A CI-sized crash run (`make crash` and `make crash-pg` are the full ones): five publishes
killed at random moments, each kind of kill at least once; the site must survive every one,
with the records in SQLite or in PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from reliability.crash import CrashPlan, run_crash
from reliability.stage import Stage, make_stage


def test_publishes_killed_at_random_moments_leave_a_whole_site(tmp_path: Path) -> None:
    check_ci_sized_run(make_stage(tmp_path / "stage"))


def test_the_same_holds_with_the_records_in_postgresql(tmp_path: Path, database_url: str) -> None:
    check_ci_sized_run(make_stage(tmp_path / "stage", database_url))


def check_ci_sized_run(stage: Stage) -> None:
    plan = CrashPlan(trials=5, seed=3, size=2 * 1024 * 1024, calibration_rounds=1)
    try:
        report = run_crash(stage, plan)
    finally:
        stage.stop()
        stage.close_records()
    assert report.ok, report.render()
    assert {t.kind for t in report.trials} == {"cli", "power", "admin"}
    assert all(t.served in ("old", "new") for t in report.trials)
