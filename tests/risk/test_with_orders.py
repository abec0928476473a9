"""The risk manager as the OrderManager's gate and live guard, against the simulator over real
sockets: refused orders are never sent, a breach flattens the account, a restart remembers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from projectx.client import ProjectX
from projectx.config import ProjectXConfig, Secret
from projectx.enums import OrderSide
from projectx.events import Event, EventBus, EventType
from projectx.exceptions import ValidationError
from projectx.models import Contract
from projectx.orders import OrderManager
from projectx.positions import PositionManager
from projectx.realtime.client import RealtimeClient, UserEvent
from projectx.risk import RiskConfig, RiskManager, RiskViolationError
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
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
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
        config = ProjectXConfig(
            environment="local",
            base_url=sim.base_url,
            username=sim.credentials.user_name,
            api_key=Secret(sim.credentials.api_key),
        )
        async with ProjectX(config) as px:
            account = await px.select_account()
            contract = await px.resolve_contract("MNQ")
            sim.market.set_book(contract.id, bid=BID, ask=ASK, sizes=20, last=BID)
            bus = EventBus()
            pm = PositionManager(px, bus, account_id=account.id, contracts={"MNQ": contract})
            cfg = RiskConfig(daily_loss_limit=40.0, max_position_size=5, warning_fraction=0.5)
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


async def test_bad_input_and_orders_beyond_the_limits_are_refused_before_sending(
    rig: Rig,
) -> None:
    assert rig.om is not None
    om = rig.om
    with pytest.raises(ValidationError):
        await om.place_market_order(rig.cid, OrderSide.BUY, 0)
    with pytest.raises(RiskViolationError) as info:
        await om.place_market_order(rig.cid, OrderSide.BUY, 6)
    assert info.value.rule == "max_position_size"
    # a bracket whose stop risks more than 1% of the balance
    with pytest.raises(RiskViolationError) as info:
        await om.place_bracket_order(
            rig.cid, OrderSide.BUY, 5, stop_loss_price=BID - 1000.0, take_profit_ticks=8
        )
    assert info.value.rule == "risk_per_trade"
    assert rig.places == []
    await om.place_market_order(rig.cid, OrderSide.BUY, 5)
    assert len(rig.places) == 1
    await eventually(lambda: rig.pm.signed_size(rig.cid) == 5)
    with pytest.raises(RiskViolationError):
        await om.place_market_order(rig.cid, OrderSide.BUY, 1)  # 6 > 5
    assert len(rig.places) == 1


async def test_a_breach_flattens_and_a_restart_still_blocks_trading(rig: Rig) -> None:
    assert rig.om is not None and rig.rm is not None
    start_balance = rig.balance()
    await rig.om.place_market_order(rig.cid, OrderSide.BUY, 4)
    await eventually(lambda: rig.pm.signed_size(rig.cid) == 4)
    # the market drops 10 points: 4 x 10 x $2 = $80 open loss > the $40 daily loss limit
    rig.sim.market.set_book(rig.cid, bid=BID - 10, ask=ASK - 10, sizes=20, last=BID - 10)
    rig.pm.on_price(rig.cid, BID - 10)
    await eventually(lambda: rig.pm.signed_size(rig.cid) == 0)
    assert [(e.type, e.data["rule"]) for e in rig.events] == [
        (EventType.RISK_LIMIT_BREACHED, "daily_loss_limit")
    ]
    assert rig.rm.flattens == 1
    lost = start_balance - rig.balance()
    assert lost > 40.0
    await eventually(lambda: round(rig.rm.state.net_pnl, 2) == round(-lost, 2))  # type: ignore[union-attr]
    with pytest.raises(RiskViolationError):
        await rig.om.place_market_order(rig.cid, OrderSide.BUY, 1)
    sent = len(rig.places)
    # restart: new risk and order managers on the same state file
    await rig.rm.close()
    await rig.om.close()
    rm, om = rig.new_managers()
    await om.start()
    await rm.start()
    assert round(rm.state.net_pnl, 2) == round(-lost, 2)
    with pytest.raises(RiskViolationError) as info:
        await om.place_market_order(rig.cid, OrderSide.SELL, 1)
    assert info.value.rule == "daily_loss_limit"
    assert len(rig.places) == sent
