"""project-x-py's ``CallbackMixin``: ``add_callback(event_type, callback)`` over the compat
:class:`~projectx.compat.event_bus.EventBus` (bound to the core bus by the suite).

A callback receives a :class:`CallbackEvent`: the event's project-x-py payload as a dict
(``data["timeframe"]``, as project-x-py's docstrings show) that is also the event
(``event.data["timeframe"]``, ``event.type``, as its event bus hands out).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from projectx.compat.event_bus import Event, EventType
from projectx.compat.exceptions import ProjectXDataError
from projectx.compat.realtime_data_manager._base import DataManagerBase

__all__ = ["EVENT_TYPES", "CallbackEvent", "CallbackMixin"]

#: the names ``add_callback`` accepts ("tick" is documented by project-x-py's README)
EVENT_TYPES: dict[str, EventType] = {
    "new_bar": EventType.NEW_BAR,
    "data_update": EventType.DATA_UPDATE,
    "quote_update": EventType.QUOTE_UPDATE,
    "trade_tick": EventType.TRADE_TICK,
    "market_trade": EventType.TRADE_TICK,
    "tick": EventType.TRADE_TICK,
}


class CallbackEvent(dict[str, Any]):
    """An event's payload (a dict) that also carries the event's ``type``, ``data``,
    ``source`` and ``timestamp``."""

    def __init__(self, event: Event) -> None:
        super().__init__(event.data if isinstance(event.data, dict) else {"data": event.data})
        self.type = event.type
        self.data = event.data
        self.source = event.source
        self.timestamp = event.timestamp


class CallbackMixin(DataManagerBase):
    """Callbacks for the manager's events."""

    _callbacks: dict[tuple[str, int], Callable[[Event], Awaitable[None]]]

    async def add_callback(
        self, event_type: str, callback: Callable[[Any], Awaitable[None] | None]
    ) -> None:
        """Call ``callback`` for every ``event_type`` event of this instrument:
        ``"new_bar"``, ``"data_update"``, ``"quote_update"``, ``"trade_tick"``,
        ``"market_trade"`` or ``"tick"`` (the last three: trades)."""
        etype = EVENT_TYPES.get(event_type) if isinstance(event_type, str) else None
        if etype is None:
            raise ProjectXDataError(
                f"unknown event type {event_type!r}; known: {', '.join(EVENT_TYPES)}"
            )
        if not callable(callback):
            raise ProjectXDataError("callback must be callable")
        if self.event_bus is None:
            raise ProjectXDataError("the data manager has no event bus")

        async def handler(event: Event) -> None:
            result = callback(CallbackEvent(event))
            if inspect.isawaitable(result):
                await result

        self._callbacks[(event_type, id(callback))] = handler
        await self.event_bus.on(etype, handler)

    async def remove_callback(
        self, event_type: str, callback: Callable[[Any], Awaitable[None] | None]
    ) -> None:
        """Stop calling ``callback`` for ``event_type`` (no error when it was not added)."""
        handler = self._callbacks.pop((event_type, id(callback)), None)
        etype = EVENT_TYPES.get(event_type)
        if handler is not None and etype is not None and self.event_bus is not None:
            await self.event_bus.off(etype, handler)
