"""projectx.compat.event_bus: project-x-py's bus, standalone and fed by the core bus."""

from __future__ import annotations

import asyncio

import pytest

from projectx.compat.event_bus import CORE_SOURCE, Event, EventBus, EventType
from projectx.compat.models import Order
from projectx.enums import OrderSide, OrderType
from projectx.events import EventBus as CoreBus
from projectx.events import EventType as CoreType
from projectx.exceptions import ValidationError
from projectx.models import Bar
from projectx.orders.records import TrackedOrder
from projectx.orders.state import OrderState

NS = 1_000_000_000


def test_every_project_x_py_event_type_with_a_core_twin_maps_to_it() -> None:
    for etype in EventType:
        if etype.value in CoreType._value2member_map_:
            assert CORE_SOURCE[etype] is CoreType(etype.value)
    assert CORE_SOURCE[EventType.RISK_LIMIT_EXCEEDED] is CoreType.RISK_LIMIT_BREACHED
    assert CORE_SOURCE[EventType.ORDERBOOK_UPDATE] is CoreType.MARKET_DEPTH_UPDATE
    # project-x-py's own warnings have no core source: never emitted by the core
    assert EventType.MEMORY_WARNING not in CORE_SOURCE


async def test_standalone_bus_calls_async_and_plain_handlers_in_order() -> None:
    bus = EventBus()
    seen: list[tuple[str, object]] = []

    async def first(ev: Event) -> None:
        seen.append(("async", ev.data))

    def second(ev: Event) -> None:
        seen.append(("plain", ev.data))

    await bus.on(EventType.NEW_BAR, first)
    await bus.on("new_bar", second)
    await bus.emit(EventType.NEW_BAR, {"n": 1})
    assert seen == [("async", {"n": 1}), ("plain", {"n": 1})]
    assert bus.get_handler_count(EventType.NEW_BAR) == 2
    await bus.off(EventType.NEW_BAR, first)
    await bus.emit(EventType.NEW_BAR, {"n": 2})
    assert seen[-1] == ("plain", {"n": 2}) and len(seen) == 3


async def test_once_wildcard_history_and_custom_names() -> None:
    bus = EventBus()
    bus.enable_history(2)
    once: list[object] = []
    everything: list[object] = []
    await bus.once(EventType.ORDER_FILLED, lambda ev: once.append(ev.data))
    await bus.on_any(lambda ev: everything.append(ev.type))
    await bus.emit(EventType.ORDER_FILLED, 1)
    await bus.emit(EventType.ORDER_FILLED, 2)
    await bus.emit("my_strategy_signal", 3)  # project-x-py allows arbitrary names
    assert once == [1]
    assert everything == [EventType.ORDER_FILLED, EventType.ORDER_FILLED, "my_strategy_signal"]
    assert [e.data for e in bus.get_history()] == [2, 3]


async def test_a_failing_handler_is_reported_as_an_error_event_not_raised() -> None:
    bus = EventBus()
    errors: list[dict[str, str]] = []

    async def broken(ev: Event) -> None:
        raise RuntimeError("boom")

    await bus.on(EventType.NEW_BAR, broken)
    await bus.on(EventType.ERROR, lambda ev: errors.append(ev.data))
    await bus.emit(EventType.NEW_BAR, {})
    assert bus.handler_errors == 1
    assert errors == [
        {"original_event": str(EventType.NEW_BAR), "handler": "broken", "error": "boom"}
    ]


async def test_wait_for_times_out_and_refuses_bad_timeouts() -> None:
    bus = EventBus()
    with pytest.raises(TimeoutError):
        await bus.wait_for(EventType.NEW_BAR, timeout=0.01)
    with pytest.raises(ValidationError):
        await bus.wait_for(EventType.NEW_BAR, timeout=0)
    waiter = asyncio.ensure_future(bus.wait_for(EventType.NEW_BAR, timeout=1))
    await asyncio.sleep(0)
    await bus.emit(EventType.NEW_BAR, "x")
    assert (await waiter).data == "x"
    assert not bus.has_handlers(EventType.NEW_BAR)


async def test_bad_arguments_are_typed_errors() -> None:
    bus = EventBus()
    with pytest.raises(ValidationError):
        await bus.on(EventType.NEW_BAR, "not callable")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        await bus.on("", print)
    with pytest.raises(ValidationError):
        bus.enable_history(0)


async def _drain(core: CoreBus) -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_bound_bus_turns_a_core_new_bar_into_project_x_py_shape() -> None:
    core = CoreBus()
    bus = EventBus._adopt(core)
    got: list[Event] = []
    await bus.on(EventType.NEW_BAR, got.append)
    bar = Bar(1_765_000_000 * NS, 100.0, 101.0, 99.5, 100.25, 7)
    core.emit(
        CoreType.NEW_BAR,
        {"timeframe": "1min", "bar": bar, "contract_id": "CON.F.US.MNQ.Z26", "symbol": "MNQ"},
        "MNQ",
    )
    await _drain(core)
    assert len(got) == 1
    data = got[0].data
    assert data["timeframe"] == "1min" and data["symbol"] == "MNQ"
    assert data["data"]["close"] == 100.25 and data["data"]["volume"] == 7
    assert data["data"]["timestamp"].timestamp() == 1_765_000_000
    assert data["bar_time"] == data["data"]["timestamp"]
    await bus.off(EventType.NEW_BAR)
    assert not core.wants(CoreType.NEW_BAR)  # the forwarder left with the last handler


async def test_bound_bus_order_events_carry_a_camelcase_order() -> None:
    core = CoreBus()
    bus = EventBus._adopt(core)
    got: list[Event] = []
    await bus.on(EventType.ORDER_FILLED, got.append)
    rec = TrackedOrder(
        contract_id="CON.F.US.MNQ.Z26",
        side=OrderSide.BUY,
        size=2,
        order_type=OrderType.LIMIT,
        limit_price=100.0,
        order_id=42,
        state=OrderState.FILLED,
        fill_volume=2,
    )
    rec.history.extend([OrderState.WORKING, OrderState.FILLED])
    core.emit(CoreType.ORDER_FILLED, {**rec.snapshot(), "order": rec}, rec.contract_id)
    await _drain(core)
    data = got[0].data
    assert isinstance(data["order"], Order)
    assert data["order"].id == 42 and data["order"].is_filled and data["order"].limitPrice == 100.0
    assert (data["order_id"], data["old_status"], data["new_status"]) == (42, 1, 2)


async def test_instrument_bound_bus_only_hears_its_instrument() -> None:
    core = CoreBus()
    mnq = EventBus._adopt(core, instrument=("MNQ", "CON.F.US.MNQ.Z26"))
    heard: list[object] = []
    await mnq.on(EventType.TRADE_TICK, lambda ev: heard.append(ev.data["price"]))
    for symbol, price in (("MNQ", 1.0), ("ES", 2.0), ("MNQ", 3.0)):
        core.emit(
            CoreType.TRADE_TICK,
            {"contract_id": symbol, "price": price, "volume": 1, "type": 0, "ts_ns": 1},
            symbol,
        )
    await _drain(core)
    assert heard == [1.0, 3.0]


async def test_bound_bus_lets_go_of_the_core_when_bound_methods_and_once_handlers_leave() -> None:
    core = CoreBus()
    bus = EventBus._adopt(core)

    class Strategy:
        def __init__(self) -> None:
            self.bars = 0

        def on_bar(self, ev: Event) -> None:
            self.bars += 1

    strategy = Strategy()
    await bus.on(EventType.NEW_BAR, strategy.on_bar)
    assert core.wants(CoreType.NEW_BAR)
    await bus.off(EventType.NEW_BAR, strategy.on_bar)  # a new bound-method object: same handler
    assert bus.get_handler_count(EventType.NEW_BAR) == 0
    assert not core.wants(CoreType.NEW_BAR)
    fills: list[object] = []
    await bus.once(EventType.ORDER_FILLED, lambda ev: fills.append(ev.data))
    assert core.wants(CoreType.ORDER_FILLED)
    await bus.emit(EventType.ORDER_FILLED, {"n": 1})
    assert fills == [{"n": 1}]
    assert not core.wants(CoreType.ORDER_FILLED)  # the once handler fired: nobody listens
