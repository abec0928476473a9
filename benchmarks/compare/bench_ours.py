"""Our side of the comparison: ``projectx`` bar engine, order book, EventBus and indicators.

Run by ``run.py`` in the venv that has ``projectx`` installed; prints one JSON document.
"""

from __future__ import annotations

import asyncio
import importlib

import _timing as t
import polars as pl
import workloads as w


def bench_bars(res: t.Results) -> None:
    from projectx._native.bars import BarEngine

    ts, price, volume = w.ticks()
    rows = list(zip(ts.tolist(), price.tolist(), volume.tolist(), strict=True))
    for k, tfs in w.TIMEFRAMES.items():
        names = [name for name, _ in tfs]

        def loop(engine: BarEngine) -> None:
            update = engine.update
            for tick in rows:
                update(*tick)

        sec = t.median_seconds(loop, lambda names=names: BarEngine(names))
        res.add(f"bars_{k}tf_loop", sec, len(rows), "tick")
        sec = t.median_seconds(
            lambda engine: engine.update_batch(ts, price, volume),
            lambda names=names: BarEngine(names),
        )
        res.add(f"bars_{k}tf_batch", sec, len(rows), "tick")
        engine = BarEngine(names)
        engine.update_batch(ts, price, volume)
        stats = engine.stats()["timeframes"]
        res.checks[f"bars_{k}tf_closed"] = {n: stats[n]["closed_bars"] for n in names}


def bench_book(res: t.Results) -> None:
    from projectx._native.book import OrderBook

    dom, price, vol, ts = w.depth()
    rows = list(
        zip(dom.tolist(), price.tolist(), vol.tolist(), vol.tolist(), ts.tolist(), strict=True)
    )

    def loop(book: OrderBook) -> None:
        apply = book.apply
        for row in rows:
            apply(*row)

    res.add("book_loop", t.median_seconds(loop, lambda: OrderBook(w.TICK)), len(rows), "update")
    sec = t.median_seconds(
        lambda book: book.apply_batch(dom, price, vol, vol, ts), lambda: OrderBook(w.TICK)
    )
    res.add("book_batch", sec, len(rows), "update")
    book = OrderBook(w.TICK)
    book.apply_batch(dom, price, vol, vol, ts)
    res.checks["book_top"] = [book.best_bid, book.best_bid_size, book.best_ask, book.best_ask_size]


def bench_events(res: t.Results) -> None:
    try:
        events = importlib.import_module("projectx.events")
        bus_cls, event_type = events.EventBus, events.EventType
    except (ImportError, AttributeError) as exc:
        res.skip("events_sync", f"projectx.events.EventBus not available ({exc})")
        res.skip("events_async", "projectx.events.EventBus not available")
        return
    payloads = w.event_payloads()
    trade = event_type.TRADE_TICK
    seen = [0]

    def handler(event: object) -> None:
        seen[0] += 1

    def make_sync() -> object:
        bus = bus_cls()
        bus.on(trade, handler)
        return bus

    def run_sync(bus: object) -> None:
        emit = bus.emit  # type: ignore[attr-defined]
        for p in payloads:
            emit(trade, p)

    res.add("events_sync", t.median_seconds(run_sync, make_sync), len(payloads), "event")

    async def ahandler(event: object) -> None:
        seen[0] += 1

    async def run_async() -> None:
        bus = bus_cls(async_queue_size=len(payloads))
        bus.on(trade, ahandler)
        emit = bus.emit
        for p in payloads:
            emit(trade, p)
        await bus.drain()
        await bus.close() if hasattr(bus, "close") else None

    res.add(
        "events_async",
        t.median_seconds(lambda: asyncio.run(run_async())),
        len(payloads),
        "event",
        "async handler, queued then drained (includes event-loop start)",
    )


def bench_indicators(res: t.Results) -> None:
    try:
        ind = importlib.import_module("projectx.indicators")
    except ImportError as exc:
        for label in w.INDICATORS:
            res.skip(f"ind_{label}", f"projectx.indicators not available ({exc})")
        return
    frame = pl.DataFrame(w.bars())
    calls = {
        "SMA(20)": lambda: ind.SMA(frame, period=20),
        "EMA(20)": lambda: ind.EMA(frame, period=20),
        "RSI(14)": lambda: ind.RSI(frame, period=14),
        "MACD(12,26,9)": lambda: ind.MACD(frame, fastperiod=12, slowperiod=26, signalperiod=9),
        "ATR(14)": lambda: ind.ATR(frame, period=14),
        "BBANDS(20,2)": lambda: ind.BBANDS(frame, period=20, nbdevup=2.0, nbdevdn=2.0),
    }
    for label, call in calls.items():
        try:
            call()
        except (AttributeError, TypeError, ValueError) as exc:
            res.skip(f"ind_{label}", f"not available: {exc}")
            continue
        res.add(f"ind_{label}", t.median_seconds(call), frame.height, "bar")


def main() -> None:
    res = t.Results("ours")
    import projectx

    res.meta["version"] = getattr(projectx, "__version__", "?")
    bench_bars(res)
    bench_book(res)
    bench_events(res)
    bench_indicators(res)
    res.dump()


if __name__ == "__main__":
    main()
