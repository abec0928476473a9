"""project-x-py's ``BaseStatisticsTracker`` surface (``get_stats``, ``get_health_score``,
``increment``, ...) for the compat managers, over the core's
:class:`~projectx.health.ComponentHealth`.

Every compat call that reaches the core goes through :meth:`StatisticsMixin._guard`: it times
the call, records it in the component's health window, keeps the error (redacted) and
re-raises core errors as project-x-py's classes.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from projectx.compat.exceptions import ProjectXError, translate
from projectx.exceptions import ProjectXError as CoreError
from projectx.exceptions import redact
from projectx.health import ComponentHealth

__all__ = ["StatisticsMixin"]


class StatisticsMixin:
    """Counters, gauges, timings, recent errors and a health score of one compat component."""

    component_name: str
    _health: ComponentHealth
    _started: float
    _status: str
    _counters: dict[str, float]
    _gauges: dict[str, float | Decimal]
    _timings: dict[str, list[float]]
    _errors: deque[dict[str, Any]]
    last_activity: float | None

    def _init_tracker(self, name: str) -> None:
        self.component_name = name
        self._health = ComponentHealth(name)
        self._started = time.monotonic()
        self._status = "active"
        self._counters = {}
        self._gauges = {}
        self._timings = {}
        self._errors = deque(maxlen=100)
        self.last_activity = None

    def _own_stats(self) -> dict[str, Any]:
        """The component's figures (overridden by each manager)."""
        return {}

    @contextmanager
    def _guard(self, operation: str, invalid: type[ProjectXError]) -> Iterator[None]:
        """Time the block, record it in the health window, translate core errors."""
        start = time.monotonic()
        try:
            yield
        except ProjectXError as exc:
            self._record(operation, start, exc)
            raise
        except CoreError as exc:
            out = translate(exc, invalid=invalid)
            self._record(operation, start, out)
            raise out from exc
        except BaseException as exc:
            self._record(operation, start, exc)
            raise
        self._record(operation, start, None)

    def _record(self, operation: str, start: float, error: BaseException | None) -> None:
        now = time.monotonic()
        elapsed = now - start
        self.last_activity = time.time()
        self._timings.setdefault(operation, []).append(elapsed * 1000.0)
        del self._timings[operation][:-1000]
        self._health.record_operation(error is None, elapsed, error=str(error) if error else None)
        if error is not None and not isinstance(error, (KeyboardInterrupt, SystemExit)):
            self._note_error(error, operation, None)

    def _note_error(
        self, error: BaseException | str, context: str, details: dict[str, Any] | None
    ) -> None:
        self._counters["total_errors"] = self._counters.get("total_errors", 0) + 1
        self._errors.append(
            {
                "timestamp": datetime.now(UTC).isoformat(),
                "error_type": type(error).__name__ if isinstance(error, BaseException) else "str",
                "error": redact(str(error)),
                "context": context,
                "details": dict(details or {}),
            }
        )

    # -- project-x-py's BaseStatisticsTracker ------------------------------------------------
    async def increment(self, metric: str, value: int | float = 1) -> None:
        """Add ``value`` to the counter ``metric``."""
        self._counters[metric] = self._counters.get(metric, 0) + value
        self.last_activity = time.time()

    async def set_gauge(self, metric: str, value: int | float | Decimal) -> None:
        """Set the gauge ``metric``."""
        self._gauges[metric] = value

    async def record_timing(self, operation: str, duration_ms: float) -> None:
        """Record that ``operation`` took ``duration_ms``."""
        self._timings.setdefault(operation, []).append(float(duration_ms))

    async def track_error(
        self, error: Exception | str, context: str, details: dict[str, Any] | None = None
    ) -> None:
        """Remember an error (message redacted)."""
        self._note_error(error, context, details)

    async def get_error_count(self) -> int:
        """Errors recorded since the start (or the last :meth:`reset_metrics`)."""
        return int(self._counters.get("total_errors", 0))

    async def get_recent_errors(self, limit: int = 10) -> list[dict[str, Any]]:
        """The latest ``limit`` errors, oldest first."""
        return list(self._errors)[-limit:] if limit > 0 else []

    async def get_uptime(self) -> int:
        """Seconds since the component was built."""
        return int(time.monotonic() - self._started)

    async def get_status(self) -> str:
        """``"active"`` unless :meth:`set_status` said otherwise."""
        return self._status

    async def set_status(self, status: str) -> None:
        """Set the status string."""
        self._status = status

    async def get_memory_usage(self) -> float:
        """An estimate in MB (project-x-py's: a base plus a share per data point)."""
        points = len(self._counters) + len(self._gauges) + sum(map(len, self._timings.values()))
        return 0.1 + points * 0.001 + len(self._errors) * 0.002

    async def get_health_score(self) -> float:
        """0-100 from the core's :class:`~projectx.health.ComponentHealth` of this
        component's recent calls (failures and slow calls cost)."""
        return float(self._health.get_health_score().score)

    async def reset_metrics(self) -> None:
        """Forget counters, gauges, timings and errors."""
        self._counters.clear()
        self._gauges.clear()
        self._timings.clear()
        self._errors.clear()

    async def cleanup_cache(self) -> None:
        """Nothing is cached here (kept for project-x-py's API)."""

    async def get_stats(self) -> dict[str, Any]:
        """project-x-py's ``ComponentStats`` keys plus the component's own statistics (so
        ``(await suite.orders.get_stats())["fill_rate"]`` works, as its README shows)."""
        timings = {
            op: {"count": len(v), "avg_ms": sum(v) / len(v), "max_ms": max(v)}
            for op, v in self._timings.items()
            if v
        }
        base: dict[str, Any] = {
            "name": self.component_name,
            "status": self._status,
            "uptime_seconds": await self.get_uptime(),
            "last_activity": (
                datetime.fromtimestamp(self.last_activity, UTC).isoformat()
                if self.last_activity is not None
                else None
            ),
            "error_count": await self.get_error_count(),
            "memory_usage_mb": await self.get_memory_usage(),
            "performance_metrics": timings,
        }
        return {**self._own_stats(), **base}
