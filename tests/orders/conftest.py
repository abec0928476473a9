"""Fixtures for the order-layer tests: a quiet simulator (rate 0: prices move only when a test
prints a trade or sets the book), a server-side request log, a connected ``ProjectX`` +
``RealtimeClient`` and an ``OrderManager`` wired to them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest

from projectx.client import ProjectX
from projectx.config import ProjectXConfig
from projectx.events import Event, EventBus, EventType
from projectx.models import Contract
from projectx.orders import OrderManager
from projectx.realtime.client import RealtimeClient
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig

WAIT_S = 10.0
BID, ASK = 20000.0, 20000.25
ORDER_EVENTS = (
    EventType.ORDER_PLACED,
    EventType.ORDER_MODIFIED,
    EventType.ORDER_PARTIAL_FILL,
    EventType.ORDER_FILLED,
    EventType.ORDER_CANCELLED,
    EventType.ORDER_REJECTED,
    EventType.ORDER_EXPIRED,
    EventType.TRADE_EXECUTED,
)


async def eventually(predicate: Callable[[], bool], timeout: float = WAIT_S) -> None:  # noqa: ASYNC109
    """Poll ``predicate`` until true (an upper bound, never a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


@dataclass(slots=True)
class Hit:
    """One REST request as the server saw it (endpoint, and the order fields of its body)."""

    endpoint: str
    body: dict[str, Any]

    @property
    def tag(self) -> str | None:
        tag = self.body.get("customTag")
        return tag if isinstance(tag, str) else None


@dataclass(slots=True)
class RequestLog:
    """Every REST request the simulator received, in arrival order."""

    hits: list[Hit] = field(default_factory=list)

    def count(self, endpoint: str) -> int:
        return sum(1 for h in self.hits if h.endpoint.lower() == endpoint.lower())

    def places(self) -> list[Hit]:
        return [h for h in self.hits if h.endpoint.lower() == "order/place"]


def record_requests(sim: Simulator) -> RequestLog:
    """Wrap the simulator's REST handler to log requests as they arrive (observes only)."""
    log = RequestLog()
    inner = sim.rest.handle

    async def handle(request: Any, tail: str) -> Any:
        body: dict[str, Any] = {}
        if request.method == "POST" and tail.lower().startswith("order/"):
            raw = await request.read()
            with contextlib.suppress(orjson.JSONDecodeError):
                parsed = orjson.loads(raw) if raw else {}
                body = parsed if isinstance(parsed, dict) else {}
        log.hits.append(Hit(tail.strip("/"), body))
        return await inner(request, tail)

    sim.rest.handle = handle  # type: ignore[method-assign]
    return log


@dataclass(slots=True)
class Env:
    """One wired-up trading session against the simulator."""

    sim: Simulator
    px: ProjectX
    rt: RealtimeClient
    bus: EventBus
    om: OrderManager
    contract: Contract
    account_id: int
    requests: RequestLog
    events: list[Event]

    @property
    def cid(self) -> str:
        return self.contract.id

    def prices(self, cid: str) -> tuple[float, float, float] | None:
        m = self.sim.market
        bid, ask, last = m.best_bid(cid), m.best_ask(cid), m.last_price(cid)
        if bid is None or ask is None or last is None:
            return None
        return bid, ask, last

    def set_book(self, bid: float = BID, ask: float = ASK, sizes: Any = 10) -> None:
        self.sim.market.set_book(self.cid, bid=bid, ask=ask, sizes=sizes, last=bid)

    def trade(self, price: float, volume: int) -> None:
        self.sim.market.print_trade(self.cid, price, volume)

    def kinds(self, order_id: int | None = None) -> list[EventType]:
        """Order event types seen (for one order id), in emission order."""
        return [
            e.type for e in self.events if order_id is None or e.data.get("order_id") == order_id
        ]

    def server_order(self, order_id: int | None) -> Any:
        assert order_id is not None
        return self.sim.exchange.orders[order_id]

    def make_manager(self, **kw: Any) -> OrderManager:
        kw.setdefault("price_source", self.prices)
        kw.setdefault("uncertain_interval_s", 0.05)
        return OrderManager(self.px, self.bus, account_id=self.account_id, **kw)


def config_for(sim: Simulator, **overrides: Any) -> ProjectXConfig:
    return ProjectXConfig.for_simulator(
        sim, **{"backoff_base_s": 0.02, "backoff_max_s": 0.1, **overrides}
    )


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async with Simulator(
        symbols=["MNQ"], seed=5, rate=0.0, rate_limits=RateLimitConfig(enabled=False)
    ) as sim:
        requests = record_requests(sim)
        async with ProjectX(config_for(sim)) as px:
            account = await px.select_account()
            contract = await px.resolve_contract("MNQ")
            sim.market.set_book(contract.id, bid=BID, ask=ASK, sizes=10, last=BID)
            bus = EventBus()
            events: list[Event] = []
            for et in ORDER_EVENTS:
                bus.on(et, events.append)
            rt = RealtimeClient(px.token_factory, sim.user_hub_url, sim.market_hub_url)
            e = Env(sim, px, rt, bus, None, contract, account.id, requests, events)  # type: ignore[arg-type]
            e.om = e.make_manager()
            rt.on_user_event(lambda ev: e.om.on_user_event(ev))
            async with rt:
                await rt.subscribe_user(account.id)
                await e.om.start()
                try:
                    yield e
                finally:
                    await e.om.close()
                    await bus.aclose()
