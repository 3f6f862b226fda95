"""A CI-sized crash run (`make crash` is the full one): five publishes killed at random
moments, each kind of kill at least once; the site must survive every one."""

from __future__ import annotations

from pathlib import Path

from reliability.crash import CrashPlan, run_crash
from reliability.stage import make_stage


def test_publishes_killed_at_random_moments_leave_a_whole_site(tmp_path: Path) -> None:
    stage = make_stage(tmp_path / "stage")
    plan = CrashPlan(trials=5, seed=3, size=2 * 1024 * 1024, calibration_rounds=1)
    try:
        report = run_crash(stage, plan)
    finally:
        stage.stop()
    assert report.ok, report.render()
    assert {t.kind for t in report.trials} == {"cli", "power", "admin"}
    assert all(t.served in ("old", "new") for t in report.trials)
