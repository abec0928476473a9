"""Plain references: polars / NumPy vectorised code and plain-Python loops on the same workloads.

Run by ``run.py`` in our venv (it needs only NumPy and polars); prints one JSON document.
"""

from __future__ import annotations

import _timing as t
import numpy as np
import polars as pl
import workloads as w


def _ohlcv(frame: pl.DataFrame, every: str) -> pl.DataFrame:
    return frame.group_by_dynamic("ts", every=every).agg(
        pl.col("price").first().alias("open"),
        pl.col("price").max().alias("high"),
        pl.col("price").min().alias("low"),
        pl.col("price").last().alias("close"),
        pl.col("volume").sum(),
        pl.len().alias("trades"),
    )


def bench_bars(res: t.Results) -> None:
    ts, price, volume = w.ticks()
    frame = pl.DataFrame({"ts": ts, "price": price, "volume": volume}).with_columns(
        pl.col("ts").cast(pl.Datetime("ns", "UTC"))
    )
    for k, tfs in w.TIMEFRAMES.items():
        everys = [f"{seconds}s" for _, seconds in tfs]

        def run(everys: list[str] = everys) -> None:
            for every in everys:
                _ohlcv(frame, every)

        sec = t.median_seconds(run)
        note = "polars group_by_dynamic per timeframe (whole history at once)"
        res.add(f"bars_{k}tf_loop", sec, len(ts), "tick", note)
        res.add(f"bars_{k}tf_batch", sec, len(ts), "tick", note)


def bench_book(res: t.Results) -> None:
    dom, price, vol, _ = w.depth()
    rows = list(zip(dom.tolist(), price.tolist(), vol.tolist(), strict=True))

    def dicts() -> None:
        bids: dict[float, int] = {}
        asks: dict[float, int] = {}
        best_bid = best_ask = 0.0
        for d, p, v in rows:
            side = bids if d == 2 else asks
            if v:
                side[p] = v
            else:
                side.pop(p, None)
            best_bid = max(bids) if bids else 0.0  # the top after every update, like a book
            best_ask = min(asks) if asks else 0.0
        assert best_bid < best_ask or not bids or not asks

    res.add("book_loop", t.median_seconds(dicts), len(rows), "update", "plain Python dicts")
    ticks = np.rint(price / w.TICK).astype(np.int64)
    base = int(ticks.min())
    is_bid = dom == 2

    def ladder() -> None:
        size = np.zeros((2, int(ticks.max()) - base + 1), dtype=np.int64)
        size[is_bid.astype(np.intp), ticks - base] = vol  # last write per level wins
        np.flatnonzero(size[1]).max(initial=0)
        np.flatnonzero(size[0]).min(initial=0)

    note = "NumPy scatter into a ladder: final state only, no top per update"
    res.add("book_batch", t.median_seconds(ladder), len(rows), "update", note)


def bench_events(res: t.Results) -> None:
    payloads = w.event_payloads()
    seen = [0]

    def handler(msg: object) -> None:
        seen[0] += 1

    handlers: dict[str, list] = {"trade": [handler]}

    def run() -> None:
        table = handlers
        for p in payloads:
            for h in table.get("trade", ()):
                h(p)

    note = "dict of handler lists, called inline"
    res.add("events_sync", t.median_seconds(run), len(payloads), "event", note)


def bench_indicators(res: t.Results) -> None:
    frame = pl.DataFrame(w.bars())
    c, h, lo = pl.col("close"), pl.col("high"), pl.col("low")
    delta = c.diff()
    gain = delta.clip(lower_bound=0).ewm_mean(alpha=1 / 14, adjust=False)
    loss = (-delta).clip(lower_bound=0).ewm_mean(alpha=1 / 14, adjust=False)
    macd = c.ewm_mean(span=12, adjust=False) - c.ewm_mean(span=26, adjust=False)
    prev = c.shift(1)
    tr = pl.max_horizontal(h - lo, (h - prev).abs(), (lo - prev).abs())
    mid, sd = c.rolling_mean(20), c.rolling_std(20, ddof=0)
    exprs = {
        "SMA(20)": [c.rolling_mean(20).alias("sma")],
        "EMA(20)": [c.ewm_mean(span=20, adjust=False).alias("ema")],
        "RSI(14)": [(100 * gain / (gain + loss)).alias("rsi")],
        "MACD(12,26,9)": [
            macd.alias("macd"),
            macd.ewm_mean(span=9, adjust=False).alias("signal"),
        ],
        "ATR(14)": [tr.ewm_mean(alpha=1 / 14, adjust=False).alias("atr")],
        "BBANDS(20,2)": [
            (mid + 2 * sd).alias("upper"),
            mid.alias("mid"),
            (mid - 2 * sd).alias("lower"),
        ],
    }
    for label, cols in exprs.items():
        sec = t.median_seconds(lambda cols=cols: frame.with_columns(cols))
        res.add(f"ind_{label}", sec, frame.height, "bar", "polars expressions (no TA-Lib seeding)")


def main() -> None:
    res = t.Results("reference")
    res.meta["version"] = f"polars {pl.__version__}, numpy {np.__version__}"
    bench_bars(res)
    bench_book(res)
    bench_events(res)
    bench_indicators(res)
    res.dump()


if __name__ == "__main__":
    main()
