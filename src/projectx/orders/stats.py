"""Order statistics: counts, fill times, slippage, illegal transitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["OrderStats"]


@dataclass(slots=True)
class OrderStats:
    """Counters of one :class:`~projectx.orders.manager.OrderManager`."""

    placed: int = 0
    filled: int = 0
    partial_fills: int = 0
    cancelled: int = 0
    rejected: int = 0
    expired: int = 0
    modified: int = 0
    refused: int = 0
    """Refused before sending (validation or the risk gate)."""
    uncertain: int = 0
    recovered_by_tag: int = 0
    lost: int = 0
    """Uncertain submissions not found by their tag (records in state LOST)."""
    found_after_lost: int = 0
    """Lost orders that turned up later (a hub event or a REST search with their tag)."""
    illegal_transitions: int = 0
    late_events: int = 0
    """Hub events older than a terminal state REST already reported (ignored, not illegal)."""
    adopted: int = 0
    malformed_events: int = 0
    rest_refreshes: int = 0
    fill_times_s: list[float] = field(default_factory=list)
    slippage_ticks: list[float] = field(default_factory=list)

    def record_fill(self, seconds: float | None, slippage_ticks: float | None) -> None:
        """One order fully filled: its time from submission and its slippage."""
        self.filled += 1
        if seconds is not None:
            self.fill_times_s.append(seconds)
        if slippage_ticks is not None:
            self.slippage_ticks.append(slippage_ticks)

    def as_dict(self) -> dict[str, Any]:
        """Plain counters plus averages (``None`` when nothing was measured)."""
        times = self.fill_times_s
        slip = self.slippage_ticks
        return {
            "placed": self.placed,
            "filled": self.filled,
            "partial_fills": self.partial_fills,
            "cancelled": self.cancelled,
            "rejected": self.rejected,
            "expired": self.expired,
            "modified": self.modified,
            "refused": self.refused,
            "uncertain": self.uncertain,
            "recovered_by_tag": self.recovered_by_tag,
            "lost": self.lost,
            "found_after_lost": self.found_after_lost,
            "illegal_transitions": self.illegal_transitions,
            "late_events": self.late_events,
            "adopted": self.adopted,
            "malformed_events": self.malformed_events,
            "rest_refreshes": self.rest_refreshes,
            "avg_fill_time_s": sum(times) / len(times) if times else None,
            "avg_slippage_ticks": sum(slip) / len(slip) if slip else None,
            "max_slippage_ticks": max(slip) if slip else None,
        }
