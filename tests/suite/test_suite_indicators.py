"""Live indicators on the suite's bars equal the batch indicator over the same closed bars."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from projectx.data import RealtimeDataManager
from projectx.data import manager as data_manager
from projectx.data.live_indicator import LiveIndicator
from projectx.events import Event, EventType
from projectx.indicators import EMA, RSI
from projectx.sim import Simulator
from projectx.suite import TradingSuite
from tests.suite.conftest import config_for, eventually


def batch_checker(
    data: RealtimeDataManager,
    rsi: LiveIndicator,
    ema: LiveIndicator,
    mismatches: list[str],
    compared: list[int],
) -> Callable[[Event], None]:
    """A NEW_BAR handler comparing the live values with the batch over the closed bars up to
    the event's bar (a repaired bar's NEW_BAR may come when later bars are in the ring); the
    bars it compared go to ``compared``."""

    def check(event: Event) -> None:
        if event.data["timeframe"] != "1sec":
            return
        bar_ts = event.data["bar"].ts_ns
        frame = data.get_data("1sec").filter(pl.col("ts").cast(pl.Int64) <= bar_ts)
        if int(frame["ts"].cast(pl.Int64)[-1]) != bar_ts:
            mismatches.append(f"bar {bar_ts} of the NEW_BAR is not in get_data()")
            return
        batch_rsi = float(frame.pipe(RSI, period=5)["rsi"][-1])
        batch_ema = float(frame.pipe(EMA, period=4)[-1].select(EMA(period=4).outputs)[0, 0])
        for name, a, b in (
            ("rsi", float(rsi.value), batch_rsi),  # type: ignore[arg-type]
            ("ema", float(ema.value), batch_ema),  # type: ignore[arg-type]
        ):
            if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
                mismatches.append(f"{name} at {bar_ts}: live {a} batch {b}")
        compared.append(bar_ts)

    return check


async def test_live_rsi_and_ema_equal_batch_after_every_closed_bar(sim: Simulator) -> None:
    async with await TradingSuite.create(
        "MNQ", timeframes=["1sec"], initial_days=0.01, config=config_for(sim)
    ) as suite:
        data = suite.data
        rsi = data.indicator("1sec", RSI(period=5))
        ema = data.indicator("1sec", EMA(period=4))
        mismatches: list[str] = []
        compared: list[int] = []
        check = batch_checker(data, rsi, ema, mismatches, compared)
        suite.on(EventType.NEW_BAR, check)
        await eventually(lambda: len(compared) >= 4, timeout_s=20)
        assert mismatches == []
        assert rsi.updates >= 4
        suite.off(EventType.NEW_BAR, check)
        before, updates = ema.value, ema.updates
        forming = data.get_forming_bar("1sec")
        preview = ema.forming_value(forming)
        if forming is not None:  # the preview is what committing the forming bar would give
            alpha = 2.0 / (4 + 1)
            assert math.isclose(preview, before + alpha * (forming.close - before), rel_tol=1e-12)
        assert (ema.value, ema.updates) == (before, updates)  # and it changed nothing


async def test_indicator_created_while_bars_wait_for_repair_counts_each_bar_once(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closed bars held for a gap repair are not in the warm-up: their (repaired) NEW_BAR
    updates the indicator, exactly once each."""
    real_fetch = data_manager.fetch_bars
    gate = asyncio.Event()
    calls: list[int] = []

    async def gated_fetch(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) > 1:  # the warm-up passes; the repair of its partial bar waits
            await gate.wait()
        return await real_fetch(*args, **kwargs)

    # a gate, not a slow REST: under load the repair could otherwise be done before create()
    # returns, and no indicator would be created while bars wait for it
    monkeypatch.setattr(data_manager, "fetch_bars", gated_fetch)
    async with await TradingSuite.create(
        "MNQ", timeframes=["1sec"], initial_days=0.01, config=config_for(sim)
    ) as suite:
        data = suite.data
        await eventually(lambda: data.repairing, timeout_s=10)
        rsi = data.indicator("1sec", RSI(period=5))
        ema = data.indicator("1sec", EMA(period=4))
        gate.set()
        mismatches: list[str] = []
        repaired: list[bool] = []
        compared: list[int] = []
        check = batch_checker(data, rsi, ema, mismatches, compared)
        suite.on(EventType.NEW_BAR, check)
        suite.on(EventType.NEW_BAR, lambda e: repaired.append(e.data["repaired"]))
        await eventually(lambda: ema.updates >= 4 and not data.repairing, timeout_s=20)
        assert True in repaired  # the held bars did arrive through the repair
        assert len(compared) >= 4 and mismatches == []
