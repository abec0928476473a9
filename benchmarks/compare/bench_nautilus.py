"""nautilus_trader's side: ``TimeBarAggregator``, L2 ``OrderBook``, ``MessageBus``, indicators.

Run by ``run.py`` in its own venv (``.venvs/nautilus``); prints one JSON document. Only the public
Python API is used. Input objects (``TradeTick``, ``OrderBookDelta``) are built before timing,
as nautilus's data engine would hand them over already built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import _timing as t
import workloads as w
from nautilus_trader.common.component import MessageBus, TestClock
from nautilus_trader.data.aggregation import TimeBarAggregator
from nautilus_trader.indicators.averages import (
    ExponentialMovingAverage,
    MovingAverageType,
    SimpleMovingAverage,
)
from nautilus_trader.indicators.momentum import RelativeStrengthIndex
from nautilus_trader.indicators.trend import MovingAverageConvergenceDivergence
from nautilus_trader.indicators.volatility import AverageTrueRange, BollingerBands
from nautilus_trader.model.book import OrderBook
from nautilus_trader.model.data import (
    BarType,
    BookOrder,
    OrderBookDelta,
    OrderBookDeltas,
    TradeTick,
)
from nautilus_trader.model.enums import AggressorSide, BookAction, BookType, OrderSide
from nautilus_trader.model.identifiers import TradeId, TraderId
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider

INSTRUMENT = TestInstrumentProvider.es_future(2025, 12)
IID = INSTRUMENT.id
STEP = {1: "1-SECOND", 60: "1-MINUTE", 300: "5-MINUTE", 900: "15-MINUTE"}
STEP |= {3600: "1-HOUR", 14_400: "4-HOUR"}


def bench_bars(res: t.Results) -> None:
    ts, price, volume = w.ticks()
    first = int(ts[0])
    trades = [
        TradeTick(
            IID,
            Price(p, 2),
            Quantity(v, 0),
            AggressorSide.NO_AGGRESSOR,
            TradeId(str(i)),
            s,
            s,
        )
        for i, (s, p, v) in enumerate(
            zip(ts.tolist(), price.tolist(), volume.tolist(), strict=True)
        )
    ]
    for k, tfs in w.TIMEFRAMES.items():
        counts: dict[str, int] = {}

        def setup(tfs: list[tuple[str, int]] = tfs, counts: dict[str, int] = counts) -> list:
            counts.clear()
            handlers = []
            for name, seconds in tfs:
                bar_type = BarType.from_str(f"{IID}-{STEP[seconds]}-LAST-INTERNAL")

                def on_bar(bar: object, name: str = name) -> None:
                    counts[name] = counts.get(name, 0) + 1

                agg = TimeBarAggregator(INSTRUMENT, bar_type, on_bar, TestClock())
                # Historical (batch) mode: bars close on tick timestamps, no timers needed.
                agg.start_batch_update(on_bar, first)
                handlers.append(agg.handle_trade_tick)
            return handlers

        def run(handlers: list) -> None:
            if len(handlers) == 1:
                handle = handlers[0]
                for trade in trades:
                    handle(trade)
            else:
                for trade in trades:
                    for handle in handlers:
                        handle(trade)

        sec = t.median_seconds(run, setup)
        note = "TimeBarAggregator.handle_trade_tick per tick per timeframe (batch mode)"
        res.add(f"bars_{k}tf_loop", sec, len(trades), "tick", note)
        res.add(f"bars_{k}tf_batch", sec, len(trades), "tick", note)
        run(setup())
        res.checks[f"bars_{k}tf_closed"] = {name: counts.get(name, 0) for name, _ in tfs}


def _deltas() -> list[OrderBookDelta]:
    """Gateway 'set level to volume' entries as nautilus L2 actions (ADD/UPDATE/DELETE).

    The action is chosen here, untimed, from the levels present; deleting an absent level is
    a no-op in the Gateway and is left out.
    """
    dom, price, vol, ts = w.depth()
    live: set[tuple[int, float]] = set()
    deltas = []
    for seq, (d, p, v, s) in enumerate(
        zip(dom.tolist(), price.tolist(), vol.tolist(), ts.tolist(), strict=True), 1
    ):
        side = OrderSide.BUY if d == 2 else OrderSide.SELL
        key = (d, p)
        if v == 0:
            if key not in live:
                continue
            live.discard(key)
            action = BookAction.DELETE
        else:
            action = BookAction.UPDATE if key in live else BookAction.ADD
            live.add(key)
        order = BookOrder(side, Price(p, 2), Quantity(v, 0), 0)
        deltas.append(OrderBookDelta(IID, action, order, 0, seq, s, s))
    return deltas


def bench_book(res: t.Results) -> None:
    deltas = _deltas()
    n = len(w.depth()[0])

    def loop(book: OrderBook) -> None:
        apply = book.apply_delta
        for delta in deltas:
            apply(delta)

    def fresh() -> OrderBook:
        return OrderBook(IID, BookType.L2_MBP)

    res.add("book_loop", t.median_seconds(loop, fresh), n, "update", "OrderBook.apply_delta")
    batch = OrderBookDeltas(IID, deltas)
    sec = t.median_seconds(lambda book: book.apply_deltas(batch), fresh)
    res.add("book_batch", sec, n, "update", "OrderBook.apply_deltas (one OrderBookDeltas)")
    book = fresh()
    book.apply_deltas(batch)
    res.checks["book_top"] = [
        book.best_bid_price().as_double(),
        int(book.best_bid_size().as_double()),
        book.best_ask_price().as_double(),
        int(book.best_ask_size().as_double()),
    ]


def bench_events(res: t.Results) -> None:
    payloads = w.event_payloads()
    seen = [0]

    def handler(msg: object) -> None:
        seen[0] += 1

    def make() -> MessageBus:
        bus = MessageBus(TraderId("TRADER-001"), TestClock())
        bus.subscribe("data.trades.ES", handler)
        return bus

    def run(bus: MessageBus) -> None:
        publish = bus.publish
        for p in payloads:
            publish("data.trades.ES", p)

    res.add("events_sync", t.median_seconds(run, make), len(payloads), "event", "MessageBus")


def bench_indicators(res: t.Results) -> None:
    b = w.bars()
    close = b["close"].tolist()
    hlc = list(zip(b["high"].tolist(), b["low"].tolist(), close, strict=True))
    n = len(close)

    def one(make: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            update = make().update_raw
            for c in close:
                update(c)

        return run

    def three(make: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            update = make().update_raw
            for h, lo, c in hlc:
                update(h, lo, c)

        return run

    cases = {
        "SMA(20)": one(lambda: SimpleMovingAverage(20)),
        "EMA(20)": one(lambda: ExponentialMovingAverage(20)),
        "RSI(14)": one(lambda: RelativeStrengthIndex(14)),
        "MACD(12,26,9)": one(lambda: MovingAverageConvergenceDivergence(12, 26)),
        "ATR(14)": three(lambda: AverageTrueRange(14, MovingAverageType.WILDER)),
        "BBANDS(20,2)": three(lambda: BollingerBands(20, 2.0)),
    }
    for label, run in cases.items():
        note = "update_raw per bar" + (" (no signal line)" if label.startswith("MACD") else "")
        res.add(f"ind_{label}", t.median_seconds(run), n, "bar", note)


def main() -> None:
    import nautilus_trader

    res = t.Results("nautilus")
    res.meta["version"] = nautilus_trader.__version__
    bench_bars(res)
    bench_book(res)
    bench_events(res)
    bench_indicators(res)
    res.dump()


if __name__ == "__main__":
    main()
