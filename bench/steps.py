"""One bench step's outcome: its figures, or why it could not run yet, or how it failed."""

from __future__ import annotations

import statistics
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Figures = dict[str, Any]

OK = "ok"
UNAVAILABLE = "not available yet"
FAILED = "failed"


class Unavailable(Exception):
    """The feature a step measures does not exist yet; the message says which."""


def unavailable(reason: str) -> Figures:
    """A figure that cannot be taken yet, recorded in place of the number."""
    return {"status": UNAVAILABLE, "reason": reason}


@dataclass
class StepResult:
    name: str
    title: str
    status: str
    seconds: float
    figures: Figures = field(default_factory=dict)
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "status": self.status,
            "seconds": round(self.seconds, 2),
            "reason": self.reason,
            "figures": self.figures,
        }


def run_step(name: str, title: str, measure: Callable[[], Figures]) -> StepResult:
    """Run one step; an unavailable feature or a failure is recorded, never raised."""
    print(f"bench: {title} ...", flush=True)
    started = time.monotonic()
    try:
        figures = measure()
    except Unavailable as exc:
        result = StepResult(name, title, UNAVAILABLE, time.monotonic() - started, reason=str(exc))
    except Exception as exc:
        detail = "".join(traceback.format_exception(exc)).strip()
        result = StepResult(name, title, FAILED, time.monotonic() - started, reason=detail)
    else:
        result = StepResult(name, title, OK, time.monotonic() - started, figures)
    suffix = f": {result.reason.splitlines()[-1]}" if result.reason else ""
    print(f"bench: {title}: {result.status} in {result.seconds:.1f}s{suffix}", flush=True)
    return result


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))
