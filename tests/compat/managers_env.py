"""A core suite against the simulator, wrapped by the compat order and position managers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import projectx
from projectx.compat.event_bus import EventBus
from projectx.compat.order_manager import OrderManager
from projectx.compat.position_manager import PositionManager
from projectx.config import ProjectXConfig
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig


def compat_client(core: projectx.ProjectX) -> Any:
    """The compat client over ``core`` (a stand-in with ``.core`` while compat.client cannot
    be imported yet)."""
    try:
        from projectx.compat.client import ProjectX
    except ImportError:

        class _Stand:
            def __init__(self, c: projectx.ProjectX) -> None:
                self.core = c

        return _Stand(core)
    return ProjectX._adopt(core)


@dataclass
class Env:
    sim: Simulator
    suite: projectx.TradingSuite
    om: OrderManager
    pm: PositionManager
    cid: str
    tick: float
    tick_value: float

    @property
    def account_id(self) -> int:
        return self.suite.orders.account_id

    def paths(self, since: int = 0) -> list[str]:
        """Request paths the simulator received since request number ``since``."""
        return [r.path for r in self.sim.requests.since(since)]

    def sim_order(self, order_id: int) -> Any:
        return self.sim.exchange.orders[order_id]

    def sim_price(self, ticks: int | None) -> float | None:
        return None if ticks is None else round(ticks * self.tick, 10)

    def sim_position(self) -> tuple[int, float] | None:
        for (aid, cid), pos in self.sim.exchange.positions.items():
            if aid == self.account_id and cid == self.cid and pos.size != 0:
                return pos.size, pos.avg_num / pos.avg_den * pos.spec.tick_size
        return None

    def bid_ask(self) -> tuple[float, float]:
        m = self.sim.market.markets[self.cid]
        return round(max(m.bids) * self.tick, 10), round(min(m.asks) * self.tick, 10)

    def last(self) -> float:
        return round(self.sim.market.markets[self.cid].last_ticks * self.tick, 10)


async def eventually(predicate: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


async def make_env() -> AsyncIterator[Env]:
    async with Simulator(
        symbols=["MNQ"], seed=7, rate=100.0, rate_limits=RateLimitConfig(enabled=False)
    ) as sim:
        suite = await projectx.TradingSuite.create(
            "MNQ", config=ProjectXConfig.for_simulator(sim), timeframes=["1min"], initial_days=0
        )
        async with suite:
            client = compat_client(suite.client)
            ctx = suite["MNQ"]
            events = EventBus._adopt(suite.bus, instrument=(ctx.symbol, ctx.contract.id))
            om = OrderManager._adopt(suite.orders, client=client, events=events)
            pm = PositionManager._adopt(suite.positions, client=client, events=events)
            yield Env(
                sim=sim,
                suite=suite,
                om=om,
                pm=pm,
                cid=ctx.contract.id,
                tick=float(ctx.contract.tick_size or 0.25),
                tick_value=float(ctx.contract.tick_value or 0.5),
            )
