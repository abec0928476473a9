"""project-x-py's side (optional; its own venv on Python >= 3.12): EventBus and indicators.

Its bar aggregation (``RealtimeDataManager``) and order book (``OrderBook``) take data only from a
live realtime client through private callbacks, so those workloads are reported as skipped
rather than driven through internals. Prints one JSON document.
"""

from __future__ import annotations

import asyncio

import _timing as t
import polars as pl
import workloads as w
from project_x_py import indicators as ind
from project_x_py.event_bus import EventBus, EventType

NO_OFFLINE = "no public offline entry point (fed by a live realtime client only)"


def bench_events(res: t.Results) -> None:
    payloads = w.event_payloads()
    seen = [0]

    async def handler(event: object) -> None:
        seen[0] += 1

    async def run() -> None:
        bus = EventBus()
        await bus.on(EventType.TRADE_TICK, handler)
        emit = bus.emit
        for p in payloads:
            await emit(EventType.TRADE_TICK, p)

    note = "async-only handlers; each emit awaits its handler task (includes event-loop start)"
    sec = t.median_seconds(lambda: asyncio.run(run()))
    res.add("events_async", sec, len(payloads), "event", note)


def bench_indicators(res: t.Results) -> None:
    frame = pl.DataFrame(w.bars())
    calls = {
        "SMA(20)": lambda: ind.SMA(frame, period=20),
        "EMA(20)": lambda: ind.EMA(frame, period=20),
        "RSI(14)": lambda: ind.RSI(frame, period=14),
        "MACD(12,26,9)": lambda: ind.MACD(frame, fast_period=12, slow_period=26, signal_period=9),
        "ATR(14)": lambda: ind.ATR(frame, period=14),
        "BBANDS(20,2)": lambda: ind.BBANDS(frame, period=20, std_dev=2.0),
    }
    for label, call in calls.items():
        res.add(f"ind_{label}", t.median_seconds(call), frame.height, "bar")


def main() -> None:
    from importlib.metadata import version

    res = t.Results("project-x-py")
    res.meta["version"] = version("project-x-py")
    for k in w.TIMEFRAMES:
        for mode in ("loop", "batch"):
            res.skip(f"bars_{k}tf_{mode}", NO_OFFLINE)
    res.skip("book_loop", NO_OFFLINE)
    res.skip("book_batch", NO_OFFLINE)
    bench_events(res)
    bench_indicators(res)
    res.dump()


if __name__ == "__main__":
    main()
