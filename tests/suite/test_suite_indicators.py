"""Live indicators on the suite's bars equal the batch indicator over the same closed bars."""

from __future__ import annotations

import math

from projectx.events import Event, EventType
from projectx.indicators import EMA, RSI
from projectx.sim import Simulator
from projectx.suite import TradingSuite
from tests.suite.conftest import config_for, eventually


async def test_live_rsi_and_ema_equal_batch_after_every_closed_bar(sim: Simulator) -> None:
    seen: list[tuple[float, float]] = []
    async with await TradingSuite.create(
        "MNQ", timeframes=["1sec"], initial_days=0.01, config=config_for(sim)
    ) as suite:
        data = suite.data
        rsi = data.indicator("1sec", RSI(period=5))
        ema = data.indicator("1sec", EMA(period=4))
        mismatches: list[str] = []

        def check(event: Event) -> None:
            if event.data["timeframe"] != "1sec":
                return
            frame = data.get_data("1sec")
            batch_rsi = float(frame.pipe(RSI, period=5)["rsi"][-1])
            batch_ema = float(frame.pipe(EMA, period=4)[-1].select(EMA(period=4).outputs)[0, 0])
            live_rsi = float(rsi.value)  # type: ignore[arg-type]
            live_ema = float(ema.value)  # type: ignore[arg-type]
            for name, a, b in (("rsi", live_rsi, batch_rsi), ("ema", live_ema, batch_ema)):
                if not (math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)):
                    mismatches.append(f"{name}: live {a} batch {b}")
            seen.append((live_rsi, live_ema))

        suite.on(EventType.NEW_BAR, check)
        await eventually(lambda: len(seen) >= 4, timeout_s=20)
        assert mismatches == []
        assert rsi.updates >= 4 and ema.updates >= 4
        suite.off(EventType.NEW_BAR, check)
        before, updates = ema.value, ema.updates
        forming = data.get_forming_bar("1sec")
        preview = ema.forming_value(forming)
        if forming is not None:  # the preview is what committing the forming bar would give
            alpha = 2.0 / (4 + 1)
            assert math.isclose(preview, before + alpha * (forming.close - before), rel_tol=1e-12)
        assert (ema.value, ema.updates) == (before, updates)  # and it changed nothing
