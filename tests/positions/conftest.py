"""Fixtures for the position tests: a quiet simulator (rate 0: prices move only when a test sets
the book), a connected ``ProjectX`` + ``RealtimeClient`` and a ``PositionManager`` on them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from projectx.client import ProjectX
from projectx.config import ProjectXConfig
from projectx.events import Event, EventBus, EventType
from projectx.models import Contract
from projectx.positions import PositionManager
from projectx.realtime.client import RealtimeClient
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig

WAIT_S = 15.0
SYMBOLS = ("MNQ", "RTY")
POSITION_EVENTS = (
    EventType.POSITION_OPENED,
    EventType.POSITION_UPDATED,
    EventType.POSITION_CLOSED,
)


async def eventually(predicate: Callable[[], bool], timeout: float = WAIT_S) -> None:  # noqa: ASYNC109
    """Poll ``predicate`` until true (an upper bound, never a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


def config_for(sim: Simulator) -> ProjectXConfig:
    return ProjectXConfig.for_simulator(
        sim, general_limit=100_000, backoff_base_s=0.02, backoff_max_s=0.1
    )


@dataclass(slots=True)
class PEnv:
    """One wired-up session: simulator, clients, bus, position manager."""

    sim: Simulator
    px: ProjectX
    rt: RealtimeClient
    bus: EventBus
    pm: PositionManager
    contracts: dict[str, Contract]
    account_id: int
    events: list[Event]
    endpoints: list[str]

    def sent(self, *names: str) -> int:
        """How many requests to these endpoints the simulator received."""
        low = {n.lower() for n in names}
        return sum(1 for e in self.endpoints if e.lower() in low)

    def server_positions(self) -> dict[str, tuple[int, float]]:
        """The simulator's truth: contract id -> (signed size, exact average price)."""
        out: dict[str, tuple[int, float]] = {}
        for (aid, cid), pos in self.sim.exchange.positions.items():
            if aid == self.account_id and pos.size != 0:
                avg_ticks = pos.avg_num / pos.avg_den
                out[cid] = (pos.size, avg_ticks * pos.spec.tick_size)
        return out

    def server_balance(self) -> float:
        return float(self.sim.exchange.accounts[self.account_id].balance)

    def set_book(self, cid: str, bid: float, ticks_wide: int = 1, sizes: Any = 50) -> None:
        tick = self.contracts[cid].tick_size or 0.25
        self.sim.market.set_book(
            cid, bid=bid, ask=round(bid + ticks_wide * tick, 10), sizes=sizes, last=bid
        )


async def make_env(profile: str = "legacy", seed: int = 3) -> AsyncIterator[PEnv]:
    async with (
        Simulator(
            symbols=list(SYMBOLS),
            seed=seed,
            rate=0.0,
            profile=profile,
            rate_limits=RateLimitConfig(enabled=False),
        ) as sim,
        ProjectX(config_for(sim)) as px,
    ):
        endpoints: list[str] = []
        inner = sim.rest.handle

        async def handle(request: Any, tail: str) -> Any:
            endpoints.append(tail.strip("/"))
            return await inner(request, tail)

        sim.rest.handle = handle  # type: ignore[method-assign]
        account = await px.select_account()
        contracts = {}
        for sym in SYMBOLS:
            c = await px.resolve_contract(sym)
            contracts[c.id] = c
        bus = EventBus()
        events: list[Event] = []
        for et in POSITION_EVENTS:
            bus.on(et, events.append)
        pm = PositionManager(px, bus, account_id=account.id, contracts=contracts)
        rt = RealtimeClient(px.token_factory, sim.user_hub_url, sim.market_hub_url)
        rt.on_user_event(pm.on_user_event)
        env = PEnv(sim, px, rt, bus, pm, contracts, account.id, events, endpoints)
        async with rt:
            await rt.subscribe_user(account.id)
            await pm.start()
            try:
                yield env
            finally:
                await pm.close()
                await bus.aclose()


@pytest.fixture
async def penv() -> AsyncIterator[PEnv]:
    async for env in make_env():
        yield env


@pytest.fixture
async def penv_extended() -> AsyncIterator[PEnv]:
    async for env in make_env(profile="extended", seed=4):
        yield env
