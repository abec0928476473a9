"""A random trading driver: market, limit and bracket orders and cancels at a steady pace.

Failures the faults provoke (rejections, uncertain submissions, 5xx after retries, 429) are
expected: they are counted by exception type and the driver goes on. The position is kept
small (an order that would grow it past ``max_position`` is sent the other way).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
from collections import Counter

from projectx.enums import OrderSide
from projectx.exceptions import ProjectXError, ValidationError
from projectx.suite import TradingSuite

__all__ = ["Driver"]


class Driver:
    """Random orders through ``suite.orders`` until :meth:`stop`."""

    def __init__(
        self,
        suite: TradingSuite,
        symbol: str,
        rng: random.Random,
        *,
        interval_s: float = 0.08,
        max_position: int = 4,
        call_timeout_s: float = 20.0,
    ) -> None:
        self.suite = suite
        self.ctx = suite[symbol]
        self.rng = rng
        self.interval_s = interval_s
        self.max_position = max_position
        self.call_timeout_s = call_timeout_s
        self.actions: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """Stop after the action in progress."""
        self._stop.set()

    async def run(self, workers: int = 2) -> None:
        """Run ``workers`` concurrent loops until stopped."""
        await asyncio.gather(*(self._loop(i) for i in range(workers)))

    async def _loop(self, worker: int) -> None:
        while not self._stop.is_set():
            action = self.rng.choices(
                ("market", "limit", "bracket", "cancel"), weights=(2, 4, 2, 3)
            )[0]
            try:
                await asyncio.wait_for(self._act(action), self.call_timeout_s)
                self.actions[action] += 1
            except (ProjectXError, ValidationError, TimeoutError) as exc:
                self.actions[action + "_failed"] += 1
                self.errors[type(exc).__name__] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval_s * (1 + worker * 0.3))

    def _side(self) -> OrderSide:
        pos = self.suite.positions.signed_size(self.ctx.contract_id)
        if pos >= self.max_position:
            return OrderSide.SELL
        if pos <= -self.max_position:
            return OrderSide.BUY
        return self.rng.choice((OrderSide.BUY, OrderSide.SELL))

    def _touch(self) -> tuple[float, float] | None:
        book = self.suite.feed.book(self.ctx.contract_id)
        if book is None:
            return None
        bid, ask = float(book.best_bid), float(book.best_ask)
        if math.isnan(bid) or math.isnan(ask):
            return None
        return bid, ask

    async def _act(self, action: str) -> None:
        orders = self.suite.orders
        cid = self.ctx.contract_id
        tick = float(self.ctx.contract.tick_size or 0.25)
        side = self._side()
        if action == "market":
            await orders.place_market_order(cid, side, 1)
        elif action == "limit":
            touch = self._touch()
            if touch is None:
                return
            bid, ask = touch
            away = self.rng.randint(-1, 4) * tick  # -1: marketable by one tick
            price = bid - away if side is OrderSide.BUY else ask + away
            await orders.place_limit_order(cid, side, self.rng.randint(1, 2), price)
        elif action == "bracket":
            await orders.place_bracket_order(
                cid,
                side,
                1,
                stop_loss_ticks=self.rng.randint(4, 16),
                take_profit_ticks=self.rng.randint(4, 16),
            )
        elif action == "cancel":
            working = [r for r in orders.open_orders(cid) if r.order_id is not None]
            if working:
                await orders.cancel_order(self.rng.choice(working))
