"""project-x-py's ``OrderTrackingMixin``: tracked order status, callbacks, OCO links and the
tracking statistics, read from the core manager's records."""

from __future__ import annotations

import asyncio
import inspect
from collections import Counter
from dataclasses import asdict
from datetime import UTC
from typing import Any

from projectx.compat.event_bus import Event, EventType
from projectx.compat.order_manager._base import OrderManagerBase
from projectx.orders.brackets import BracketOrder, OcoPair
from projectx.orders.state import OrderState

__all__ = ["UTC", "OrderTrackingMixin"]


class OrderTrackingMixin(OrderManagerBase):
    """What the core tracks, in project-x-py's shapes."""

    _handlers: dict[tuple[str, int], Any]

    def __init__(self) -> None:
        """A mixin's own state: the callbacks and OCO links (the manager's ``__init__`` sets
        them too)."""
        self._callbacks = {}
        self._handlers = {}
        self._oco = {}

    async def get_tracked_order_status(
        self, order_id: str, wait_for_cache: bool = False
    ) -> dict[str, Any] | None:
        """The tracked order as the Gateway's camelCase dict, or None when not tracked (with
        ``wait_for_cache``, up to three looks 0.3 s apart, as project-x-py waits)."""
        for attempt in range(3 if wait_for_cache else 1):
            rec = self._tracked(order_id)
            if rec is not None:
                return asdict(self._order(rec))
            if attempt < 2 and wait_for_cache:
                await asyncio.sleep(0.3)
        return None

    # -- callbacks -------------------------------------------------------------------------
    async def add_callback(self, event_type: str, callback: Any) -> None:
        """Call ``callback(data)`` for every ``event_type`` (``"order_filled"``, ...) event;
        a coroutine function is awaited (project-x-py's deprecated form of ``on``)."""
        await self.register_order_callback(event_type, callback)

    async def register_order_callback(self, event: str, callback: Any) -> None:
        """Call ``callback(data)`` for every ``event`` event (awaited when it is async)."""

        async def handler(ev: Event) -> None:
            result = callback(ev.data)
            if inspect.isawaitable(result):
                await result

        name = event.value if isinstance(event, EventType) else str(event)
        self._handlers[(name, id(callback))] = handler
        self._callbacks.setdefault(name, []).append(callback)
        await self.event_bus.on(_event(name), handler)

    async def unregister_order_callback(self, event: str, callback: Any) -> None:
        """Stop calling ``callback`` for ``event``."""
        name = event.value if isinstance(event, EventType) else str(event)
        handler = self._handlers.pop((name, id(callback)), None)
        if callback in self._callbacks.get(name, []):
            self._callbacks[name].remove(callback)
        if handler is not None:
            await self.event_bus.off(_event(name), handler)

    async def shutdown_background_tasks(self) -> None:
        """Nothing runs in the background here (the core manager owns its tasks)."""

    # -- OCO -------------------------------------------------------------------------------
    async def track_oco_pair(self, order1_id: str, order2_id: str) -> None:
        """Remember two orders as OCO partners (``get_oco_linked_order``)."""
        a, b = int(order1_id), int(order2_id)
        self._oco[a] = b
        self._oco[b] = a

    async def get_oco_linked_order(self, order_id: int) -> int | None:
        """The partner of ``order_id``: a core OCO pair or bracket leg, else one linked with
        ``track_oco_pair``/``linked_order_id``."""
        rec = self._tracked(order_id)
        if rec is not None:
            group = rec.group
            other = None
            if isinstance(group, OcoPair):
                other = group.sibling(rec)
            elif isinstance(group, BracketOrder) and rec in group.legs:
                other = group.target if rec is group.stop else group.stop
            if other is not None and other.order_id is not None:
                return other.order_id
        return self._oco.get(int(order_id))

    # -- statistics --------------------------------------------------------------------------
    def get_average_fill_time(self) -> float:
        """Average milliseconds from submission to the final fill (0.0 before any)."""
        avg = self._core.stats()["avg_fill_time_s"]
        return float(avg) * 1000.0 if avg is not None else 0.0

    def get_average_slippage(self) -> float:
        """Average slippage of filled orders against the market when sent, in ticks
        (positive = worse; 0.0 before any)."""
        avg = self._core.stats()["avg_slippage_ticks"]
        return float(avg) if avg is not None else 0.0

    def get_order_type_distribution(self) -> dict[str, float]:
        """Share of each order type (``"market"``, ``"limit"``, ...) among placed orders."""
        by_type: dict[str, int] = self._core.stats()["placed_by_type"]
        total = sum(by_type.values())
        return {k: v / total for k, v in by_type.items()} if total else {}

    def get_top_rejection_reasons(self) -> list[tuple[str, int]]:
        """Rejection messages of the tracked orders, most frequent first."""
        reasons = Counter(
            rec.error or "unknown"
            for rec in self._core.tracked()
            if rec.state is OrderState.REJECTED
        )
        return reasons.most_common(10)

    def get_memory_stats(self) -> dict[str, Any]:
        """What is held: tracked orders, OCO links, position orders, callbacks."""
        tracked = self._core.tracked()
        return {
            "tracked_orders": len(tracked),
            "working_orders": sum(1 for r in tracked if r.is_working),
            "max_tracked_orders": self._core.max_finished,
            "oco_links": len(self._oco) // 2,
            "position_orders": sum(
                len(ids) for kinds in self._position_orders.values() for ids in kinds.values()
            ),
            "callbacks": sum(len(v) for v in self._callbacks.values()),
        }

    def get_task_monitoring_stats(self) -> dict[str, Any]:
        """Background tasks of this adapter (callback registrations in flight)."""
        return {"pending_tasks": 0, "callbacks": len(self._handlers)}

    def get_realtime_validation_status(self) -> dict[str, Any]:
        """How orders are followed: user-hub events with REST as the fallback (the core's)."""
        stats = self._core.stats()
        return {
            "realtime_enabled": True,
            "tracked_orders_count": len(self._core.tracked()),
            "illegal_transitions": stats["illegal_transitions"],
            "malformed_events": stats["malformed_events"],
            "rest_refreshes": stats["rest_refreshes"],
        }

    async def configure_memory_limits(
        self,
        max_tracked_orders: int | None = None,
        order_ttl_seconds: int | None = None,
        cleanup_interval: int | None = None,
    ) -> None:
        """``max_tracked_orders`` bounds the finished orders the core keeps; the TTL and the
        cleanup interval have no counterpart (the core drops the oldest finished orders)."""
        if max_tracked_orders is not None:
            self._core.max_finished = max(1, int(max_tracked_orders))

    def clear_order_tracking(self) -> None:
        """Forget this adapter's OCO links and position-order lists (the core keeps its
        records: it needs them to follow working orders)."""
        self._oco.clear()
        self._position_orders.clear()


def _event(name: str) -> EventType | str:
    try:
        return EventType(name)
    except ValueError:
        return name
