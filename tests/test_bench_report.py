"""The bench report: ours against the uvicorn floor comes first, with the floor's budgets."""

from __future__ import annotations

from typing import Any

from bench.report import FLOOR_BUDGET, target_rows

LABELS = ("landing page /", "guide PDF", "large guide PDF (2 MiB, generated)")


def _server(rps: float, p99: float) -> dict[str, float]:
    return {"requests_per_second": rps, "p50_ms": p99 / 2, "p99_ms": p99}


def _figures(ours_rps: float, ours_p99: float) -> dict[str, Any]:
    urls = {
        label: {
            "servers": {
                "bilang-karyo": _server(ours_rps, ours_p99),
                "uvicorn floor": _server(1000, 3.0),
                "nginx": _server(4000, 2.0),
                "naive StaticFiles": _server(100, 50.0),
            },
            "ratio_vs_floor": round(ours_rps / 1000, 3),
            "ratio_vs_nginx": round(ours_rps / 4000, 3),
            "ratio_vs_naive": round(ours_rps / 100, 3),
        }
        for label in LABELS
    }
    return {"throughput": {"urls": urls, "wrk": {"connections": 50}}}


def test_the_floor_rows_come_first_and_judge_the_budget() -> None:
    rows = target_rows(_figures(ours_rps=900, ours_p99=4.0))
    assert [row[0] for row in rows[:3]] == [f"{label} req/s vs uvicorn floor" for label in LABELS]
    assert all(row[1] == f"≥ {FLOOR_BUDGET}x" for row in rows[:3])
    assert all(row[2].startswith("0.9x") for row in rows[:3])
    assert all("floor: 1,000 req/s" in row[3] for row in rows[:3])
    assert rows[0][4] == "met"
    assert target_rows(_figures(ours_rps=800, ours_p99=4.0))[0][4] == "**missed**"


def test_p99_is_judged_against_five_milliseconds_for_each_url() -> None:
    within = {row[0]: row for row in target_rows(_figures(ours_rps=900, ours_p99=4.9))}
    over = {row[0]: row for row in target_rows(_figures(ours_rps=900, ours_p99=5.5))}
    for label in LABELS:
        key = f"p99 latency, {label} (50 connections)"
        assert within[key][1] == "≤ 5 ms at 50 connections"
        assert "floor 3.00 ms" in within[key][3]
        assert (within[key][4], over[key][4]) == ("met", "**missed**")
