"""How much the bench measures: the full run, or the quick run that only proves every step works."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024


@dataclass(frozen=True)
class Plan:
    quick: bool
    wrk_seconds: int  # one wrk run
    wrk_runs: int  # runs per URL and server; the median is reported
    wrk_warmup_seconds: int  # 0: no warm-up run
    connections: int
    threads: int
    scaling_targets: tuple[str, ...]  # URLs measured with 1 and 2 workers
    generated_guides: int
    generated_size: int
    publish_size: int
    drops: int  # dropped-PDF measurements
    lighthouse_runs: int  # per page; the median score is reported
    lighthouse_pages: tuple[str, ...]  # "/" and/or "guide page"
    work_dir: Path

    @classmethod
    def full(cls, work_dir: Path) -> Plan:
        return cls(
            quick=False,
            wrk_seconds=10,
            wrk_runs=3,
            wrk_warmup_seconds=2,
            connections=50,
            threads=2,
            scaling_targets=("landing page /", "guide PDF"),
            generated_guides=50,
            generated_size=2 * MIB,
            publish_size=10 * MIB,
            drops=5,
            lighthouse_runs=3,
            lighthouse_pages=("/", "guide page"),
            work_dir=work_dir,
        )

    @classmethod
    def quick_run(cls, work_dir: Path) -> Plan:
        return cls(
            quick=True,
            wrk_seconds=1,
            wrk_runs=1,
            wrk_warmup_seconds=0,
            connections=10,
            threads=1,
            scaling_targets=("landing page /",),
            generated_guides=3,
            generated_size=2 * MIB,
            publish_size=1 * MIB,
            drops=1,
            lighthouse_runs=1,
            lighthouse_pages=("/",),
            work_dir=work_dir,
        )
