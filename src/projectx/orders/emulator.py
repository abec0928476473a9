"""``StopLimitEmulator``: client-side stop-limit orders.

An emulated record stays ``PENDING`` (armed) until a trade prints at or through its stop; then
the limit order is sent with the record's tag. While anything is armed the emulator listens to
``TRADE_TICK`` on the bus (when ``watch_trade_ticks``); prices can also be fed to
:meth:`StopLimitEmulator.on_trade_price` directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from projectx.enums import OrderSide
from projectx.events import Event, EventBus, EventType
from projectx.interest import PriceInterest
from projectx.orders.records import TrackedOrder

__all__ = ["StopLimitEmulator"]

Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]


class StopLimitEmulator:
    """Armed emulated stop-limits by contract; triggers them from trade prices.

    ``last_price(contract_id)`` gives the current last price (checked when arming);
    ``trigger(rec)`` sends the limit of a triggered record and runs in a task from ``spawn``.
    """

    def __init__(
        self,
        bus: EventBus,
        *,
        last_price: Callable[[str], float | None],
        trigger: Callable[[TrackedOrder], Coroutine[Any, Any, None]],
        spawn: Spawn,
        watch_trade_ticks: bool = True,
    ) -> None:
        self.bus = bus
        self.last_price = last_price
        self.trigger = trigger
        self.spawn = spawn
        #: listen to ``TRADE_TICK`` while something is armed
        self.watch_trade_ticks = watch_trade_ticks
        #: armed records by contract id
        self.armed: dict[str, list[TrackedOrder]] = {}
        #: the contracts with something armed (a live view of ``armed`` that says when it
        #: changes, so the market feed wakes Python only for their trades)
        self.interest = PriceInterest(self.armed)
        self.tick_handler_on = False

    def arm(self, rec: TrackedOrder) -> None:
        """Wait for a trade through ``rec.stop_price`` (triggers at once if already through)."""
        self.armed.setdefault(rec.contract_id, []).append(rec)
        self.interest.refresh(rec.contract_id)
        if self.watch_trade_ticks and not self.tick_handler_on:
            self.bus.on(EventType.TRADE_TICK, self._on_tick_event)
            self.tick_handler_on = True
        last = self.last_price(rec.contract_id)
        if last is not None:
            self.on_trade_price(rec.contract_id, last)

    def disarm(self, rec: TrackedOrder) -> None:
        """Stop watching ``rec`` (and the bus, when nothing is armed any more)."""
        armed = self.armed.get(rec.contract_id)
        if armed and rec in armed:
            armed.remove(rec)
            if not armed:
                del self.armed[rec.contract_id]
                self.interest.refresh(rec.contract_id)
        if not self.armed and self.tick_handler_on:
            self.stop_watching()

    def stop_watching(self) -> None:
        """Unsubscribe from ``TRADE_TICK`` (on close)."""
        if self.tick_handler_on:
            self.bus.off(EventType.TRADE_TICK, self._on_tick_event)
            self.tick_handler_on = False

    def _on_tick_event(self, ev: Event) -> None:
        data = ev.data
        if isinstance(data, dict):
            cid, price = data.get("contract_id"), data.get("price")
            if isinstance(cid, str) and isinstance(price, int | float):
                self.on_trade_price(cid, float(price))

    def on_trade_price(self, contract_id: str, price: float) -> None:
        """A market trade printed at ``price``: trigger emulated stop-limits through it."""
        armed = self.armed.get(contract_id)
        if not armed:
            return
        for rec in list(armed):
            stop = rec.stop_price
            assert stop is not None
            hit = price >= stop if rec.side == OrderSide.BUY else price <= stop
            if hit and not rec.triggered:
                rec.triggered = True
                self.disarm(rec)
                self.spawn(self.trigger(rec), "projectx-stop-limit-trigger")
