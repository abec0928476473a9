"""project-x-py's ``PositionTrackingMixin``: callbacks and the per-contract position history,
read from the core manager's fills."""

from __future__ import annotations

import inspect
from typing import Any

from projectx._native.isotime import format_iso
from projectx.compat.event_bus import Event, EventType
from projectx.compat.position_manager._base import PositionManagerBase
from projectx.enums import OrderSide

__all__ = ["PositionTrackingMixin"]


class PositionTrackingMixin(PositionManagerBase):
    """Callbacks in project-x-py's form; the history of each contract's position changes."""

    def __init__(self) -> None:
        """A mixin's own state: the callbacks."""
        self._callbacks = {}
        self._handlers = {}

    async def add_callback(self, event_type: str, callback: Any) -> None:
        """Call ``callback(data)`` for every ``event_type`` (``"position_opened"``,
        ``"position_alert"``, ...) event; a coroutine function is awaited."""
        name = event_type.value if isinstance(event_type, EventType) else str(event_type)
        self._callbacks.setdefault(name, []).append(callback)
        if name == "position_alert":
            return  # fired by this manager's alerts (see monitoring)

        async def handler(ev: Event) -> None:
            result = callback(ev.data)
            if inspect.isawaitable(result):
                await result

        self._handlers[(name, id(callback))] = handler
        try:
            etype: EventType | str = EventType(name)
        except ValueError:
            etype = name
        await self.event_bus.on(etype, handler)

    async def _fire(self, name: str, data: dict[str, Any]) -> None:
        for cb in list(self._callbacks.get(name, ())):
            result = cb(data)
            if inspect.isawaitable(result):
                await result

    def _history(self, contract_id: str) -> list[dict[str, Any]]:
        """Each counted fill of ``contract_id``: when, how the size changed, at what price,
        and the net position after it (oldest first)."""
        out: list[dict[str, Any]] = []
        net = 0
        for t in self._core.trades(contract_id):
            change = (t.size or 0) * (1 if t.side == OrderSide.BUY else -1)
            net += change
            out.append(
                {
                    "timestamp": format_iso(t.created_ns, 6) if t.created_ns else "",
                    "trade_id": t.id,
                    "order_id": t.order_id,
                    "size_change": change,
                    "price": t.price,
                    "net_size": net,
                    "pnl": t.profit_and_loss,
                    "fees": (t.fees or 0.0) + (t.commissions or 0.0),
                }
            )
        return out

    async def get_position_history_size(self, contract_id: str) -> int:
        """How many history entries ``contract_id`` has."""
        return len(self._core.trades(contract_id))

    def get_queue_size(self) -> int:
        """Position updates waiting to be processed: 0 (the core applies each as it comes)."""
        return 0

    async def cleanup_tracking(self) -> None:
        """Drop this adapter's callbacks."""
        for (name, _), handler in list(self._handlers.items()):
            try:
                etype: EventType | str = EventType(name)
            except ValueError:
                etype = name
            await self.event_bus.off(etype, handler)
        self._handlers.clear()
        self._callbacks.clear()
