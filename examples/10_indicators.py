"""10 — Indicators: batch over polars frames, and live (kept current on every closed bar).

Batch: ``df.pipe(RSI, period=14)`` adds an ``rsi`` column (TA-Lib names and defaults; warm-up
rows are null). Live: ``data.indicator("1sec", RSI(period=14))`` is warmed on the bars held
and updated in O(1) before NEW_BAR handlers run.
Needs a running `projectx sim` and the PROJECT_X_* variables (see 01_connection_and_accounts.py).
"""

import asyncio
from collections import Counter

from projectx import Event, EventType, ProjectX, TradingSuite
from projectx.indicators import ATR, BBANDS, EMA, MACD, RSI, SMA, VWAP, available


async def batch() -> None:
    groups = Counter(info["group"] for info in available())
    print(f"{len(available())} indicators: {dict(groups)}")
    async with ProjectX.from_env() as client:
        bars = await client.get_bars("MNQ", "5min", limit=300)
    # Calls chain; each adds its output columns.
    frame = (
        bars.pipe(SMA, period=20)
        .pipe(EMA, period=9)
        .pipe(RSI, period=14)
        .pipe(MACD)
        .pipe(BBANDS, period=20, nbdevup=2.0, nbdevdn=2.0)
        .pipe(ATR, period=14)
        .pipe(VWAP)
    )
    print(frame.select("ts", "close", "sma", "ema", "rsi", "macdhist", "upperband", "atr").tail(3))
    # A second instance of the same indicator: prefix the outputs.
    fast_slow = bars.pipe(EMA, period=5, prefix="fast").pipe(EMA, period=20, prefix="slow")
    print("fast above slow:", fast_slow["fast_ema"][-1] > fast_slow["slow_ema"][-1])


async def live() -> None:
    async with await TradingSuite.create("MNQ", timeframes=["1sec"]) as suite:
        data = suite.data
        rsi = data.indicator("1sec", RSI(period=14))
        macd = data.indicator("1sec", MACD())
        print(f"live RSI warmed on {data.get_bar_count('1sec')} bars: {rsi.value:.2f}")

        def on_bar(event: Event) -> None:
            # The indicators already include the bar that just closed.
            print(
                f"bar {event.data['bar'].close}: RSI {rsi.value:.2f} "
                f"MACD hist {macd.values['macdhist']:+.3f}"
            )

        suite.on(EventType.NEW_BAR, on_bar)
        for _ in range(3):
            await suite.wait_for(EventType.NEW_BAR, timeout=10)
        # What RSI would be if the forming bar closed now (state is not changed).
        print(f"forming-bar RSI preview: {rsi.forming_value(data.get_forming_bar('1sec')):.2f}")
        print("live RSI updates:", rsi.updates)


async def main() -> None:
    await batch()
    await live()


asyncio.run(main())
