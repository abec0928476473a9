"""A core suite (1min and 5min bars, order book, risk) against the simulator, with the compat
data manager, order book and risk manager adopted over its parts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import projectx
from projectx.compat.client import ProjectX
from projectx.compat.event_bus import EventBus
from projectx.compat.orderbook import OrderBook
from projectx.compat.realtime_data_manager import RealtimeDataManager
from projectx.compat.risk_manager import RiskManager
from projectx.config import ProjectXConfig
from projectx.risk import RiskConfig
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig
from tests.compat.managers_env import eventually

__all__ = ["DataEnv", "eventually", "make_data_env"]


@dataclass
class DataEnv:
    sim: Simulator
    suite: projectx.TradingSuite
    client: ProjectX
    events: EventBus
    data: RealtimeDataManager
    book: OrderBook
    risk: RiskManager

    @property
    def ctx(self) -> projectx.suite.context.InstrumentContext:
        return self.suite["MNQ"]


async def make_data_env(tmp: Path, risk_config: RiskConfig | None = None) -> AsyncIterator[DataEnv]:
    async with Simulator(
        symbols=["MNQ"], seed=7, rate=100.0, rate_limits=RateLimitConfig(enabled=False)
    ) as sim:
        suite = await projectx.TradingSuite.create(
            "MNQ",
            config=ProjectXConfig.for_simulator(sim),
            timeframes=["1min", "5min"],
            features=["orderbook", "risk"],
            risk_config=risk_config,
            state_path=tmp / "risk.json",
        )
        try:
            ctx = suite["MNQ"]
            client = ProjectX._adopt(suite.client)
            events = EventBus._adopt(suite.bus, instrument=(ctx.symbol, ctx.contract.id))
            assert ctx.orderbook is not None and ctx.risk is not None
            env = DataEnv(
                sim,
                suite,
                client,
                events,
                RealtimeDataManager._adopt(ctx.data, client=client, events=events),
                OrderBook._adopt(ctx.orderbook, client=client, events=events),
                RiskManager._adopt(ctx.risk, client=client, events=events),
            )
            await eventually(lambda: ctx.data.get_forming_bar("1min") is not None)
            await eventually(lambda: ctx.orderbook.best_bid > 0 and ctx.orderbook.best_ask > 0)
            yield env
        finally:
            await suite.disconnect()
