"""``RealtimeDataManager.process_tick``: one public per-tick entry through the native guard.

Standalone, the bars equal the reference model fed the same ticks; inside a suite, the tick
reaches every listener like a wire trade; bad arguments are typed errors and an off-market print
is held by the guard, exactly as on the wire."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from projectx import TradingSuite
from projectx._native.feed import MarketFeed
from projectx.data import RealtimeDataManager
from projectx.enums import TradeLogType
from projectx.events import Event, EventBus, EventType
from projectx.exceptions import ValidationError
from projectx.models import Contract
from projectx.sim import Simulator
from tests.reference.bars_model import BarsModel
from tests.suite.conftest import config_for, eventually

MNQ = Contract(id="CON.F.US.MNQ.Z26", tick_size=0.25, tick_value=0.5, symbol_id="F.US.MNQ")


def _manager(bus: EventBus) -> RealtimeDataManager:
    return RealtimeDataManager(None, bus, MarketFeed(), MNQ, ["1sec", "5sec"])  # type: ignore[arg-type]


async def test_standalone_ticks_build_the_reference_bars_and_emit_each_close() -> None:
    bus = EventBus()
    closes: list[Event] = []
    bus.on(EventType.NEW_BAR, closes.append)
    manager = _manager(bus)
    model = BarsModel(["1sec", "5sec"])
    start = (time.time_ns() // 1_000_000_000 - 20) * 1_000_000_000
    expected_closes = 0
    for i in range(400):
        ts = start + i * 37_000_000  # 37 ms apart: ~15 s of ticks
        price = 21000.0 + ((i * 7) % 11) * 0.25
        when = datetime.fromtimestamp(ts / 1e9, UTC).replace(microsecond=(ts // 1000) % 1_000_000)
        assert manager.process_tick(price, 1 + i % 3, timestamp=when, side=i % 2)
        expected_closes += len(model.update(ts, price, 1 + i % 3))
    assert len(closes) == expected_closes > 0
    for tf in ("1sec", "5sec"):
        want = model.closed(tf)
        got = [e.data["bar"] for e in closes if e.data["timeframe"] == tf]
        assert [tuple(b) for b in got] == want


def test_bad_arguments_are_typed_errors_and_change_nothing() -> None:
    manager = _manager(EventBus())
    naive = datetime(2026, 12, 7, 12, 0)
    for call in (
        lambda: manager.process_tick(21000.1),  # off the tick grid
        lambda: manager.process_tick(-1.0),
        lambda: manager.process_tick(float("nan")),
        lambda: manager.process_tick(21000.0, 0),
        lambda: manager.process_tick(21000.0, 1.5),  # type: ignore[arg-type]
        lambda: manager.process_tick(21000.0, side=2),
        lambda: manager.process_tick(21000.0, timestamp=naive),
        lambda: manager.process_tick(21000.0, timestamp=123),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValidationError):
            call()
    assert manager.feed.trades == 0


def test_an_off_market_print_is_held_by_the_guard_like_a_wire_trade() -> None:
    manager = _manager(EventBus())
    assert manager.process_tick(21000.0)
    assert not manager.process_tick(30000.0)  # 43% away: held, not applied
    assert manager.feed.held == 1 and manager.get_current_price() == 21000.0


async def test_inside_a_suite_a_processed_tick_reaches_the_listeners(sim: Simulator) -> None:
    ticks: list[Event] = []
    async with await TradingSuite.create(
        "MNQ", timeframes=["1sec"], initial_days=0, config=config_for(sim)
    ) as suite:
        await eventually(lambda: suite.data.get_current_price() is not None)
        suite.on(EventType.TRADE_TICK, ticks.append)
        last = suite.data.get_current_price()
        assert last is not None
        marker = last + 0.25 * 3
        assert suite.data.process_tick(marker, 7, side=int(TradeLogType.SELL))
        await eventually(lambda: any(e.data["volume"] == 7 for e in ticks))
        mine = [e for e in ticks if e.data["volume"] == 7 and e.data["price"] == marker]
        assert mine and mine[0].data["type"] == int(TradeLogType.SELL)
