"""project-x-py's ``MemoryManagementMixin``: what the manager holds. The core keeps bars in
fixed native rings (no cleanup task, no buffer to resize), so the figures are read from it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from projectx.compat.realtime_data_manager._base import DataManagerBase

__all__ = ["MemoryManagementMixin"]

_BAR_BYTES = 8 * 7  # ts, open, high, low, close, volume, trades


class MemoryManagementMixin(DataManagerBase):
    """Memory figures of the native bar rings."""

    _overflow_callbacks: list[Callable[..., Any]]

    def __init__(self) -> None:
        """Nothing to set up here (the manager's constructor prepares the state)."""

    def _ring_stats(self) -> tuple[dict[str, int], dict[str, int], int]:
        engine = self.core.stats()["engine"]
        stored = {name: int(tf["stored"]) for name, tf in engine["timeframes"].items()}
        capacity = {name: int(tf["capacity"]) for name, tf in engine["timeframes"].items()}
        return stored, capacity, int(engine["trades"])

    async def get_memory_stats(self) -> dict[str, Any]:
        """project-x-py's memory statistics keys, from the core's rings and counters
        (``ticks_processed``/``trades_processed``: trades applied to the bars;
        ``bars_processed``: bars closed and emitted; ``timeframe_stats``: bars held)."""
        stats = self.core.stats()
        stored, capacity, trades = self._ring_stats()
        total = sum(stored.values())
        last = self.last_activity
        return {
            "bars_processed": int(stats["bars_emitted"]),
            "ticks_processed": trades,
            "quotes_processed": 0,
            "trades_processed": trades,
            "timeframe_stats": stored,
            "avg_processing_time_ms": 0.0,
            "data_latency_ms": float(stats["new_bar_age"].get("mean_ns", 0.0)) / 1e6,
            "buffer_utilization": total / sum(capacity.values()) if capacity else 0.0,
            "total_bars_stored": total,
            "memory_usage_mb": sum(capacity.values()) * _BAR_BYTES / 1e6,
            "compression_ratio": 1.0,
            "updates_per_minute": 0.0,
            "last_update": datetime.fromtimestamp(last, UTC).isoformat() if last else None,
            "data_freshness_seconds": 0.0,
            "data_validation_errors": 0,
            "connection_interruptions": 0,
            "recovery_attempts": int(stats["bars_repaired"]),
            "overflow_stats": {},
            "buffer_overflow_stats": await self.get_buffer_stats(),
            "lock_optimization_stats": {},
        }

    async def get_buffer_stats(self) -> dict[str, Any]:
        """Per timeframe: bars held and the ring's capacity (bars beyond it fall off)."""
        stored, capacity, _ = self._ring_stats()
        return {
            name: {"size": stored[name], "capacity": capacity[name], "overflowed": False}
            for name in stored
        }

    def get_task_stats(self) -> dict[str, Any]:
        """No background tasks run here (the core repairs gaps itself)."""
        return {"total_tasks": 0, "active_tasks": 0, "completed_tasks": 0, "failed_tasks": 0}

    def start_cleanup_task(self) -> None:
        """Nothing to clean: the rings are fixed-size."""

    async def stop_cleanup_task(self) -> None:
        """Nothing to stop (see :meth:`start_cleanup_task`)."""

    def configure_dynamic_buffer_sizing(
        self, enabled: bool = True, initial_thresholds: dict[str, Any] | None = None
    ) -> None:
        """Accepted for project-x-py's API; the core's rings have a fixed capacity."""

    def add_overflow_alert_callback(self, callback: Callable[..., Any]) -> None:
        """Kept; never called (the rings drop their oldest bar instead of overflowing)."""
        self._overflow_callbacks.append(callback)

    def remove_overflow_alert_callback(self, callback: Callable[..., Any]) -> None:
        """Forget a callback added by :meth:`add_overflow_alert_callback`."""
        if callback in self._overflow_callbacks:
            self._overflow_callbacks.remove(callback)
