"""Fixtures of the risk tests that trade against the simulator: ``rig`` wires a PositionManager,
a RiskManager (state in tmp_path) and an OrderManager gated by it to a quiet simulator;
override ``rig_config`` to change the limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from projectx.client import ProjectX
from projectx.config import ProjectXConfig
from projectx.events import Event, EventBus, EventType
from projectx.models import Contract
from projectx.orders import OrderManager
from projectx.positions import PositionManager
from projectx.realtime.client import RealtimeClient, UserEvent
from projectx.risk import RiskConfig, RiskManager
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig

BID, ASK = 20000.0, 20000.25


async def eventually(predicate: Callable[[], bool], timeout: float = 15.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


@dataclass
class Rig:
    sim: Simulator
    px: ProjectX
    bus: EventBus
    pm: PositionManager
    contract: Contract
    account_id: int
    path: Path
    config: RiskConfig
    places: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    rm: RiskManager | None = None
    om: OrderManager | None = None

    @property
    def cid(self) -> str:
        return self.contract.id

    def prices(self, cid: str) -> tuple[float, float, float] | None:
        m = self.sim.market
        bid, ask, last = m.best_bid(cid), m.best_ask(cid), m.last_price(cid)
        return None if bid is None or ask is None or last is None else (bid, ask, last)

    def balance(self) -> float:
        return float(self.sim.exchange.accounts[self.account_id].balance)

    def new_managers(self) -> tuple[RiskManager, OrderManager]:
        """A fresh risk manager on the same state file, and an order manager gated by it."""
        self.rm = RiskManager(
            self.bus,
            self.config,
            account_balance_source=lambda: self.pm.balance,
            state_path=self.path,
            account_id=self.account_id,
            positions=self.pm,
            flatten=self.pm.close_all_positions,
        )
        self.om = OrderManager(
            self.px,
            self.bus,
            account_id=self.account_id,
            price_source=self.prices,
            risk_gate=self.rm.validate_trade,
        )
        return self.rm, self.om

    def route(self, ev: UserEvent) -> None:
        self.pm.on_user_event(ev)
        if self.om is not None:
            self.om.on_user_event(ev)
        if self.rm is not None:
            self.rm.on_user_event(ev)


@pytest.fixture
def rig_config() -> RiskConfig:
    return RiskConfig(daily_loss_limit=40.0, max_position_size=5, warning_fraction=0.5)


@pytest.fixture
async def rig(tmp_path: Path, rig_config: RiskConfig) -> AsyncIterator[Rig]:
    async with Simulator(
        symbols=["MNQ"], seed=8, rate=0.0, rate_limits=RateLimitConfig(enabled=False)
    ) as sim:
        places: list[dict[str, Any]] = []
        inner = sim.rest.handle

        async def handle(request: Any, tail: str) -> Any:
            if tail.strip("/").lower() == "order/place":
                places.append(await request.json())
            return await inner(request, tail)

        sim.rest.handle = handle  # type: ignore[method-assign]
        async with ProjectX(ProjectXConfig.for_simulator(sim)) as px:
            account = await px.select_account()
            contract = await px.resolve_contract("MNQ")
            sim.market.set_book(contract.id, bid=BID, ask=ASK, sizes=20, last=BID)
            bus = EventBus()
            pm = PositionManager(px, bus, account_id=account.id, contracts={"MNQ": contract})
            cfg = rig_config
            r = Rig(sim, px, bus, pm, contract, account.id, tmp_path / "risk.json", cfg, places)
            for et in (EventType.RISK_LIMIT_WARNING, EventType.RISK_LIMIT_BREACHED):
                bus.on(et, r.events.append)
            rm, om = r.new_managers()
            rt = RealtimeClient(px.token_factory, sim.user_hub_url, sim.market_hub_url)
            rt.on_user_event(r.route)
            async with rt:
                await rt.subscribe_user(account.id)
                await pm.start()
                await om.start()
                await rm.start()
                try:
                    yield r
                finally:
                    await rm.close()
                    if r.om is not None:
                        await r.om.close()
                    await pm.close()
                    await bus.aclose()
