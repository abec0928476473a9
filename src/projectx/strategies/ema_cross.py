"""EMA-cross strategy with a bracket: the one ``projectx demo`` runs (and replay can rerun).

Rules, per instrument, on every closed bar of ``timeframe`` (default 1 second):

1. update a fast and a slow exponential moving average of the closes (seeded from the history
   the suite warmed up);
2. when the fast EMA crosses the slow one and the instrument is flat with no working order,
   enter in the direction of the cross with a market order protected by a bracket: a stop
   ``stop_ticks`` away and a target ``target_ticks`` away (native Gateway brackets when the
   account allows them, otherwise the OrderManager's client-side OCO, stop first);
3. nothing else: the bracket closes the position.

Every signal is kept in ``signals`` as ``(bar_ts_ns, side)`` so a live run and a replay of its
recording can be compared. The strategy never blocks the event loop: order placement runs in a
task the strategy owns and cancels on ``stop()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from projectx.enums import OrderSide
from projectx.events import Event, EventType
from projectx.exceptions import ProjectXError

if TYPE_CHECKING:
    from projectx.suite import InstrumentContext, TradingSuite

__all__ = ["EmaCross", "setup", "teardown"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Ema:
    period: int
    value: float | None = None

    def update(self, x: float) -> float:
        alpha = 2.0 / (self.period + 1)
        self.value = x if self.value is None else self.value + alpha * (x - self.value)
        return self.value


@dataclass
class EmaCross:
    """See the module docstring. One instance trades one instrument."""

    ctx: InstrumentContext
    timeframe: str = "1sec"
    fast: int = 3
    slow: int = 8
    stop_ticks: int = 8
    target_ticks: int = 8
    size: int = 1
    signals: list[tuple[int, str]] = field(default_factory=list)
    orders_placed: int = 0
    errors: int = 0
    _fast: _Ema = field(init=False)
    _slow: _Ema = field(init=False)
    _last_diff: float | None = field(default=None, init=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if not 0 < self.fast < self.slow:
            raise ValueError("need 0 < fast < slow")
        self._fast = _Ema(self.fast)
        self._slow = _Ema(self.slow)

    def start(self) -> None:
        """Seed the EMAs from the warmed-up bars and listen to closed bars."""
        history = self.ctx.data.get_data(self.timeframe)
        for close in history["close"].to_list():
            self._update(float(close))
        self.ctx.on(EventType.NEW_BAR, self._on_bar)

    async def stop(self) -> None:
        """Stop listening; wait for an order placement in flight."""
        self.ctx.off(EventType.NEW_BAR, self._on_bar)
        task, self._task = self._task, None
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 5.0)

    def _update(self, close: float) -> float:
        diff = self._fast.update(close) - self._slow.update(close)
        previous, self._last_diff = self._last_diff, diff
        return diff if previous is None else (diff if (diff > 0) != (previous > 0) else 0.0)

    def _on_bar(self, event: Event) -> None:
        if event.data["timeframe"] != self.timeframe:
            return
        bar = event.data["bar"]
        cross = self._update(float(bar.close))
        if cross == 0.0 or self._busy():
            return
        side = OrderSide.BUY if cross > 0 else OrderSide.SELL
        self.signals.append((int(bar.ts_ns), side.name))
        log.info("%s: EMA cross %s at %.2f", self.ctx.symbol, side.name, bar.close)
        self._task = asyncio.get_running_loop().create_task(self._enter(side))

    def _busy(self) -> bool:
        if self._task is not None and not self._task.done():
            return True
        orders = self.ctx.orders
        if orders is not None and orders.open_orders(self.ctx.contract_id):
            return True
        positions = self.ctx.positions
        if positions is not None:
            position = positions.get_position(self.ctx.contract_id)
            if position is not None and position.size != 0:
                return True
        return False

    async def _enter(self, side: OrderSide) -> None:
        try:
            await self.ctx.orders.place_bracket_order(
                self.ctx.contract,
                side,
                self.size,
                stop_loss_ticks=self.stop_ticks,
                take_profit_ticks=self.target_ticks,
            )
            self.orders_placed += 1
        except ProjectXError as exc:
            self.errors += 1
            log.warning("%s: bracket refused: %s", self.ctx.symbol, exc)


_RUNNING: dict[int, list[EmaCross]] = {}


async def setup(suite: TradingSuite, **params: Any) -> list[EmaCross]:
    """Strategy-file entry point: one :class:`EmaCross` per instrument of ``suite``."""
    strategies = [EmaCross(ctx, **params) for ctx in suite]
    for strategy in strategies:
        strategy.start()
    _RUNNING[id(suite)] = strategies
    return strategies


async def teardown(suite: TradingSuite) -> None:
    """Strategy-file exit point: stop every instance started by :func:`setup`."""
    for strategy in _RUNNING.pop(id(suite), []):
        await strategy.stop()
