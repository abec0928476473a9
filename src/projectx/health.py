"""``ComponentHealth``: the recent success rate and latency of one component's operations.

A snapshot walks the window (at most ``window`` entries, 200 by default); recording is O(1).

Each component that talks to the outside (the REST client today) records every operation with
:meth:`ComponentHealth.record_operation`; :meth:`ComponentHealth.get_health_score` gives 0-100
and the reasons for anything below 100, over the last ``window`` operations. The suite's health
(:func:`projectx.suite.stats.health_score`) deducts for every component below 100, naming it.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

from projectx.exceptions import redact
from projectx.validation import check_number

__all__ = ["ComponentHealth", "HealthReport"]


@dataclass(frozen=True, slots=True)
class HealthReport:
    """A component's score and why it is below 100."""

    component: str
    score: int
    reasons: tuple[str, ...]
    operations: int
    failures: int


class ComponentHealth:
    """Recent operations of the component ``name`` (a bounded window: O(1) per record)."""

    def __init__(
        self, name: str, *, window: int = 200, horizon_s: float = 300.0, slow_s: float = 5.0
    ) -> None:
        check_number(window, "window", minimum=1, integer=True)
        check_number(slow_s, "slow_s", minimum=0, exclusive=True)
        check_number(horizon_s, "horizon_s", minimum=0, exclusive=True)
        self.name = name
        self.slow_s = float(slow_s)
        self.horizon_s = float(horizon_s)
        #: (success, latency, monotonic time) of the last ``window`` operations
        self._recent: deque[tuple[bool, float, float]] = deque(maxlen=window)
        self.total = 0
        self.total_failures = 0
        self.last_error: str | None = None
        self.last_error_monotonic = 0.0

    def record_operation(
        self, success: bool, latency_s: float = 0.0, *, error: str | None = None
    ) -> None:
        """One operation ended: ``success``, how long it took, and what failed (redacted)."""
        latency = float(latency_s) if math.isfinite(latency_s) and latency_s >= 0 else 0.0
        now = time.monotonic()
        self._recent.append((bool(success), latency, now))
        self.total += 1
        if not success:
            self.total_failures += 1
            self.last_error = redact(error) if error else "failed"
            self.last_error_monotonic = now

    def get_health_score(self) -> HealthReport:
        """0-100 over the operations of the last ``horizon_s`` seconds (at most ``window``):
        failures cost their share doubled (10% failing -> 80), operations slower than
        ``slow_s`` cost up to 20."""
        cutoff = time.monotonic() - self.horizon_s
        recent = [(ok, latency) for ok, latency, at in self._recent if at >= cutoff]
        n = len(recent)
        if n == 0:
            return HealthReport(self.name, 100, (), 0, 0)
        reasons: list[str] = []
        score = 100
        failures = sum(1 for ok, _ in recent if not ok)
        if failures:
            score -= min(100, math.ceil(200 * failures / n))
            reasons.append(
                f"{failures} of the last {n} operations failed (last: {self.last_error})"
            )
        slow = sum(1 for _, latency in recent if latency > self.slow_s)
        if slow:
            score -= min(20, math.ceil(100 * slow / n))
            reasons.append(f"{slow} of the last {n} operations took over {self.slow_s:g}s")
        return HealthReport(self.name, max(0, score), tuple(reasons), n, failures)

    def snapshot(self) -> dict[str, object]:
        """The report as a dict for ``get_stats()``."""
        report = self.get_health_score()
        return {
            "score": report.score,
            "reasons": list(report.reasons),
            "operations": report.operations,
            "failures": report.failures,
            "total": self.total,
            "total_failures": self.total_failures,
        }
