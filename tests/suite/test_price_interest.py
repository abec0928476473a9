"""Price listeners hear only the contracts their owner has something armed or open in, and miss
nothing they need: a position that opens takes the current market price at once, an order that
is armed checks the current price at once, and both hear the next trade.

The managers are wired to a ``MarketDispatcher`` exactly as ``suite/builder.py`` wires them.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import pytest

from projectx._native.feed import MarketFeed
from projectx._native.isotime import format_iso
from projectx.client import ProjectX
from projectx.config import ProjectXConfig, Secret
from projectx.data.manager import RealtimeDataManager
from projectx.enums import OrderSide, OrderType
from projectx.events import EventBus, EventType
from projectx.interest import PriceInterest
from projectx.models import Contract
from projectx.orders.emulator import StopLimitEmulator
from projectx.orders.records import TrackedOrder
from projectx.positions import PositionManager
from projectx.realtime.client import UserEvent
from projectx.suite.market import MarketDispatcher

ACCOUNT = 7001
MNQ = Contract(id="CON.F.US.MNQ.Z26", tick_size=0.25, tick_value=0.5, symbol_id="F.US.MNQ")
OTHER = "CON.F.US.MES.Z26"
S = 1_000_000_000
T0 = (time.time_ns() // S - 30) * S


def trades(*prices: float, cid: str = MNQ.id, at: int = 0) -> str:
    items = [
        {"price": p, "timestamp": format_iso(T0 + (at + i) * 1_000_000, 6), "type": 0, "volume": 1}
        for i, p in enumerate(prices)
    ]
    msg = {"type": 1, "target": "GatewayTrade", "arguments": [cid, items]}
    return orjson.dumps(msg).decode() + "\x1e"


def rig() -> tuple[MarketFeed, MarketDispatcher]:
    feed = MarketFeed()
    feed.add_contract(MNQ.id, 0.25, ["1min"])
    feed.add_contract(OTHER, 0.25, ["1min"])
    return feed, MarketDispatcher(feed, EventBus())


def deliver(feed: MarketFeed, dispatcher: MarketDispatcher, message: str) -> bool:
    """As the hub does: the dispatcher is called only when the feed says the message wakes it;
    returns whether it did."""
    result = feed.receive(message)
    if result.wake:
        dispatcher.on_native(feed, result.native)
    return result.wake


def test_a_listener_hears_only_the_contracts_in_its_interest() -> None:
    feed, dispatcher = rig()
    heard: list[tuple[str, float]] = []
    every: list[tuple[str, float]] = []
    interest: set[str] = set()
    dispatcher.add_price_listener(lambda c, p: heard.append((c, p)), interest)
    deliver(feed, dispatcher, trades(21000.0, 21000.25))
    assert heard == []  # nothing armed or open: not called at all
    interest.add(MNQ.id)
    deliver(feed, dispatcher, trades(21000.5, at=2) + trades(5000.0, cid=OTHER))
    assert heard == [(MNQ.id, 21000.5)]  # the next trade of the contract that entered
    dispatcher.add_price_listener(lambda c, p: every.append((c, p)))  # no interest: every one
    deliver(feed, dispatcher, trades(21000.75, at=3) + trades(5000.25, cid=OTHER, at=1))
    assert heard == [(MNQ.id, 21000.5), (MNQ.id, 21000.75)]
    assert every == [(MNQ.id, 21000.75), (OTHER, 5000.25)]
    interest.clear()
    deliver(feed, dispatcher, trades(21001.0, at=4))
    assert heard[-1] == (MNQ.id, 21000.75) and every[-1] == (MNQ.id, 21001.0)


def _position(size: int, avg: float) -> UserEvent:
    data = {
        "id": 88001,
        "accountId": ACCOUNT,
        "contractId": MNQ.id,
        "creationTimestamp": "2026-11-24T15:00:00+00:00",
        "type": 1,
        "size": size,
        "averagePrice": avg,
    }
    return UserEvent("GatewayUserPosition", 1, data)


async def test_a_position_that_opens_is_marked_at_the_current_price_and_follows_it() -> None:
    feed, dispatcher = rig()
    client = ProjectX(
        ProjectXConfig(
            environment="local", base_url="http://127.0.0.1:9", username="u", api_key=Secret("k")
        )
    )
    bus = EventBus()
    marks: list[Any] = []
    bus.on(EventType.POSITION_PNL_UPDATE, lambda e: marks.append(e.data["price"]))
    pm = PositionManager(
        client, bus, account_id=ACCOUNT, contracts={MNQ.id: MNQ}, market_price=feed.last_price
    )
    dispatcher.add_price_listener(pm.on_price, pm.price_interest)
    try:
        # trades before any position: the manager is not called, the feed knows the price
        deliver(feed, dispatcher, trades(21000.0, 21000.25))
        pm.on_user_event(_position(1, 20990.0))
        pos = pm.get_position(MNQ.id)
        assert pos is not None and pos.last_price == 21000.25  # the current price, at once
        deliver(feed, dispatcher, trades(21001.0, at=2))
        pos = pm.get_position(MNQ.id)
        assert pos is not None and pos.last_price == 21001.0 and marks == [21001.0]
        pm.on_user_event(_position(0, 20990.0))  # flat: not called any more
        deliver(feed, dispatcher, trades(21002.0, at=3))
        deliver(feed, dispatcher, trades(21003.0, at=4))
        pm.on_user_event(_position(2, 21000.0))
        pos = pm.get_position(MNQ.id)
        assert pos is not None and pos.last_price == 21003.0  # not the stale 21001.0
        assert marks == [21001.0]
    finally:
        await client.close()
        await bus.aclose()


async def test_an_armed_stop_limit_checks_the_current_price_and_triggers_on_the_next_trade() -> (
    None
):
    feed, dispatcher = rig()
    triggered: list[int] = []
    tasks: set[asyncio.Task[Any]] = set()

    async def trigger(rec: TrackedOrder) -> None:
        triggered.append(rec.size)

    def spawn(coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        tasks.add(task)
        return task

    emulator = StopLimitEmulator(
        EventBus(),
        last_price=feed.last_price,
        trigger=trigger,
        spawn=spawn,
        watch_trade_ticks=False,
    )
    dispatcher.add_price_listener(emulator.on_trade_price, emulator.interest)

    def stop_buy(size: int, stop: float) -> TrackedOrder:
        return TrackedOrder(
            MNQ.id, OrderSide.BUY, size, OrderType.STOP_LIMIT, stop_price=stop, emulated=True
        )

    assert not deliver(feed, dispatcher, trades(21000.0, 21001.0))  # nothing armed: quiet
    emulator.arm(stop_buy(1, 21000.5))  # already through at the current price: at once
    emulator.arm(stop_buy(2, 21002.0))  # not yet
    await asyncio.gather(*tasks)
    assert triggered == [1] and MNQ.id in emulator.armed
    assert not deliver(feed, dispatcher, trades(5000.0, cid=OTHER))  # nothing armed there
    assert deliver(feed, dispatcher, trades(21001.5, at=2))
    assert deliver(feed, dispatcher, trades(21002.0, at=3))  # through: the next trade triggers
    await asyncio.gather(*tasks)
    assert triggered == [1, 2] and not emulator.armed
    assert not deliver(feed, dispatcher, trades(21003.0, at=4))  # disarmed: quiet again


def test_the_feed_wakes_python_only_for_what_someone_wants() -> None:
    """With only change-telling interests and no per-record handler, a message wakes the
    dispatcher only when it traded a wanted contract or needs attention; a per-record handler
    on the bus makes every message wake it, until the handler goes."""
    feed, dispatcher = rig()
    held: dict[str, int] = {}
    interest = PriceInterest(held)
    heard: list[tuple[str, float]] = []
    dispatcher.add_price_listener(lambda c, p: heard.append((c, p)), interest)
    assert not feed.wake_every
    assert not deliver(feed, dispatcher, trades(21000.0))
    held[MNQ.id] = 1
    interest.refresh(MNQ.id)
    assert not deliver(feed, dispatcher, trades(5000.0, cid=OTHER))
    assert deliver(feed, dispatcher, trades(21000.25, at=1)) and heard == [(MNQ.id, 21000.25)]
    del held[MNQ.id]
    interest.refresh(MNQ.id)
    assert not deliver(feed, dispatcher, trades(21000.5, at=2))
    # a refused record needs attention whoever wants prices (reported, counted)
    assert deliver(feed, dispatcher, trades(21000.1, at=3)) and dispatcher.recent_anomalies() == 1
    ticks: list[Any] = []

    def on_tick(event: Any) -> None:
        ticks.append(event)

    bus = dispatcher.bus
    bus.on(EventType.TRADE_TICK, on_tick)
    assert feed.wake_every
    assert deliver(feed, dispatcher, trades(5000.25, cid=OTHER, at=1)) and len(ticks) == 1
    bus.off(EventType.TRADE_TICK, on_tick)
    assert not feed.wake_every
    assert not deliver(feed, dispatcher, trades(5000.5, cid=OTHER, at=2))
    assert heard == [(MNQ.id, 21000.25)]


async def test_a_contract_wanted_before_the_feed_tracked_it_is_marked_when_it_is_added() -> None:
    feed, bus = MarketFeed(), EventBus()
    dispatcher = MarketDispatcher(feed, bus)
    held = {MNQ.id: 1}  # e.g. a position adopted before the instrument's data manager
    heard: list[tuple[str, float]] = []
    dispatcher.add_price_listener(lambda c, p: heard.append((c, p)), PriceInterest(held))
    client = ProjectX(
        ProjectXConfig(
            environment="local", base_url="http://127.0.0.1:9", username="u", api_key=Secret("k")
        )
    )
    try:
        dispatcher.add(RealtimeDataManager(client, bus, feed, MNQ, ["1min"]))
        assert deliver(feed, dispatcher, trades(21000.0)) and heard == [(MNQ.id, 21000.0)]
    finally:
        await client.close()
        await bus.aclose()


async def test_a_hub_calls_gated_handlers_when_woken_and_the_others_for_every_message() -> None:
    from projectx.realtime.hub import HubConnection

    async def no_token() -> str:
        return "unused"

    feed, _ = rig()
    feed.wake_every = False  # as the suite's dispatcher sets it while nothing is wanted
    hub = HubConnection("http://127.0.0.1:1/hubs/market", no_token, feed)
    gated: list[int] = []
    every: list[int] = []
    hub.on_native(lambda parser, n: gated.append(n), gated=True)
    hub._on_text(trades(21000.0))
    assert gated == []  # nothing wanted and no ungated handler: no Python for this message
    hub.on_native(lambda parser, n: every.append(n))  # e.g. a user's own raw handler
    hub._on_text(trades(21000.25, at=1))
    hub._on_text(trades(21000.5, 21000.75, at=2))
    assert every == [1, 1]  # every message with native records (one record each)
    assert gated == [1, 1]  # woken for the ungated handler: a gated one copes with any message


async def test_a_position_in_a_contract_the_feed_does_not_track_opens_without_a_price() -> None:
    from projectx.suite.builder import market_price, price_source

    feed, dispatcher = rig()
    untracked = Contract(id="CON.F.US.ES.Z26", tick_size=0.25, tick_value=12.5, symbol_id="F.US.EP")
    client = ProjectX(
        ProjectXConfig(
            environment="local", base_url="http://127.0.0.1:9", username="u", api_key=Secret("k")
        )
    )
    bus = EventBus()
    pm = PositionManager(
        client,
        bus,
        account_id=ACCOUNT,
        contracts={untracked.id: untracked},
        market_price=market_price(feed),
        price_source=lambda cid: None,
    )
    dispatcher.add_price_listener(pm.on_price, pm.price_interest)
    try:
        event = _position(1, 6000.0)
        event.data["contractId"] = untracked.id  # e.g. opened by hand in another platform
        pm.on_user_event(event)
        pos = pm.get_position(untracked.id)
        assert pos is not None and pos.size == 1 and pos.last_price is None
        assert price_source(feed, {})(untracked.id) is None
        deliver(feed, dispatcher, trades(21000.0))  # the tracked market goes on as before
        assert feed.trades == 1
    finally:
        await client.close()
        await bus.aclose()


async def test_close_masks_are_walked_per_timeframe_and_foreign_bits_are_refused() -> None:
    from projectx.exceptions import ValidationError

    feed, bus = MarketFeed(), EventBus()
    client = ProjectX(
        ProjectXConfig(
            environment="local", base_url="http://127.0.0.1:9", username="u", api_key=Secret("k")
        )
    )
    bars: list[Any] = []
    bus.on(EventType.NEW_BAR, lambda e: bars.append(e.data["timeframe"]))
    try:
        data = RealtimeDataManager(client, bus, feed, MNQ, ["1sec", "1min"])
        data.clear_gaps()  # every trade is fed here: no warm-up repair to wait for
        feed.feed(trades(21000.0) + trades(21000.25, at=1_000))  # the first 1sec bar closes
        assert feed.closes() == [(data.contract_index, 0b01)]
        for bad in ([0b100], [0], [True], [-1]):
            with pytest.raises(ValidationError):
                data.on_closes(bad)  # type: ignore[arg-type]
        assert bars == []  # nothing emitted by a refused call
        data.on_closes([mask for _, mask in feed.closes()])
        assert bars == ["1sec"]
    finally:
        await client.close()
        await bus.aclose()
