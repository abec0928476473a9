"""Order statistics: counts, fill times, slippage, illegal transitions, what was placed
(per order type, volume, notional, largest order) and how fast the Gateway answered."""

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
    brackets: int = 0
    """Brackets whose entry was placed."""
    total_volume: int = 0
    """Contracts of every placed order."""
    total_value: float = 0.0
    """Sum of ``size * limit price`` of the placed orders that have a limit price."""
    largest_order: int = 0
    last_order_ns: int | None = None
    """When the latest order was placed (epoch ns)."""
    placed_by_type: dict[str, int] = field(default_factory=dict)
    """Placed orders per type name (``"market"``, ``"limit"``, ``"stop"``, ...)."""
    fill_times_s: list[float] = field(default_factory=list)
    slippage_ticks: list[float] = field(default_factory=list)
    response_times_s: list[float] = field(default_factory=list)
    """Seconds from sending ``Order/place`` to its answer, per placed order."""

    def record_placed(
        self,
        order_type: str,
        size: int,
        limit_price: float | None,
        response_s: float | None,
        now_ns: int,
    ) -> None:
        """One order accepted by the Gateway: its type name, size, limit price (if any), the
        time its answer took and when it happened."""
        self.placed += 1
        self.placed_by_type[order_type] = self.placed_by_type.get(order_type, 0) + 1
        self.total_volume += size
        if limit_price is not None:
            self.total_value += size * limit_price
        self.largest_order = max(self.largest_order, size)
        self.last_order_ns = now_ns
        if response_s is not None:
            self.response_times_s.append(response_s)

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
        resp = self.response_times_s
        placed = self.placed
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
            "fastest_fill_s": min(times) if times else None,
            "slowest_fill_s": max(times) if times else None,
            "fill_rate": self.filled / placed if placed else 0.0,
            "rejection_rate": self.rejected / placed if placed else 0.0,
            "brackets": self.brackets,
            "placed_by_type": dict(self.placed_by_type),
            "total_volume": self.total_volume,
            "total_value": self.total_value,
            "average_size": self.total_volume / placed if placed else 0.0,
            "largest_order": self.largest_order,
            "last_order_ns": self.last_order_ns,
            "avg_response_time_s": sum(resp) / len(resp) if resp else None,
        }
