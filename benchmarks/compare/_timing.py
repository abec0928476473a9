"""Timing and result output shared by the per-library workers (standard library only)."""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("POLARS_MAX_THREADS", "1")

REPEATS = int(os.environ.get("COMPARE_REPEATS", "5"))


def median_seconds(
    run: Callable[[], Any], setup: Callable[[], Any] | None = None, repeats: int = REPEATS
) -> float:
    """Median wall time of ``run(setup())`` (or ``run()``) over ``repeats`` rounds + a warm-up.

    ``setup`` (untimed) builds fresh state per round, e.g. an empty book or bar engine.
    """
    times = []
    for i in range(repeats + 1):
        arg = setup() if setup is not None else None
        gc.collect()
        t0 = time.perf_counter()
        run(arg) if setup is not None else run()
        dt = time.perf_counter() - t0
        if i:  # round 0 is the warm-up
            times.append(dt)
    times.sort()
    return times[len(times) // 2]


class Results:
    """Collects ``{workload: {"ns_per_unit": ..., "unit": ..., "note": ...}}`` and prints JSON."""

    def __init__(self, side: str) -> None:
        self.side = side
        self.rows: dict[str, dict[str, Any]] = {}
        self.checks: dict[str, Any] = {}
        self.skipped: dict[str, str] = {}
        self.meta: dict[str, Any] = {"python": sys.version.split()[0]}

    def add(self, workload: str, seconds: float, units: int, unit: str, note: str = "") -> None:
        ns = seconds / units * 1e9
        self.rows[workload] = {"ns_per_unit": ns, "unit": unit, "note": note}
        print(f"  [{self.side}] {workload:<34} {ns:12.1f} ns/{unit}", file=sys.stderr, flush=True)

    def skip(self, workload: str, reason: str) -> None:
        self.skipped[workload] = reason
        print(f"  [{self.side}] {workload:<34} skipped: {reason}", file=sys.stderr, flush=True)

    def dump(self) -> None:
        out = {"side": self.side, "rows": self.rows, "skipped": self.skipped}
        out["checks"] = self.checks
        out["meta"] = self.meta
        print(json.dumps(out))
