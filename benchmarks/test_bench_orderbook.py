"""``projectx.orderbook.OrderBook`` analytics benchmarks (one call per round unless stated).

Run: ``pytest benchmarks/test_bench_orderbook.py --benchmark-only``. The book is MNQ-like: 40
levels per side around 21000 (tick 0.25) in a 4096-level native ladder; the trade ring holds a
full 16,384 trades spread over 200 ticks.
"""

from __future__ import annotations

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from projectx._native.book import OrderBook as NativeBook
from projectx.orderbook import OrderBook

TICK = 0.25
TRADES = 16_384


def build(track: bool = False) -> OrderBook:
    """A manager over an MNQ-like native book (40 levels per side) with a full trade ring."""
    native = NativeBook(TICK, levels=4096)
    for i in range(40):
        native.apply(2, 21000.0 - i * TICK, 10 + i, 10 + i, 0)
        native.apply(1, 21000.25 + i * TICK, 10 + i, 10 + i, 0)
    book = OrderBook(native, TICK, 0.5, "MNQ", track_heuristics=track, trade_capacity=TRADES)
    rng = np.random.default_rng(7)
    ticks = 84_000 + np.cumsum(rng.integers(-1, 2, TRADES)) % 200 - 100
    vols = rng.integers(1, 20, TRADES)
    aggs = rng.integers(0, 2, TRADES)
    for i in range(TRADES):
        book.on_trade(float(ticks[i]) * TICK, int(vols[i]), int(aggs[i]), i * 1000)
    return book


@pytest.fixture(scope="module")
def book() -> OrderBook:
    """One shared book for the read-only analytics benchmarks."""
    return build()


def test_snapshot_10(benchmark: BenchmarkFixture, book: OrderBook) -> None:
    """One ``get_orderbook_snapshot(10)`` on the 40-level book: top 10 per side into reused
    buffers plus the snapshot dict (touch, spread, imbalance, level lists)."""
    snap = benchmark(book.get_orderbook_snapshot, 10)
    assert len(snap["bids"]) == 10


def test_imbalance_10(benchmark: BenchmarkFixture, book: OrderBook) -> None:
    """One ``get_market_imbalance(10)``: summed bid vs ask size over the best 10 levels."""
    got = benchmark(book.get_market_imbalance, 10)
    assert got["bid_volume"] > 0


def test_market_impact_50(benchmark: BenchmarkFixture, book: OrderBook) -> None:
    """One ``market_impact(50, "buy")``: a 50-lot walk of the asks (5 levels of 10-14 lots)."""
    got = benchmark(book.market_impact, 50, "buy")
    assert got["filled"] == 50


def test_market_impact_sweep_500(benchmark: BenchmarkFixture, book: OrderBook) -> None:
    """One ``market_impact(500, "sell")``: a 500-lot sweep through 24 bid levels."""
    got = benchmark(book.market_impact, 500, "sell")
    assert got["levels_consumed"] > 10


def test_orderbook_bids_frame_10(benchmark: BenchmarkFixture, book: OrderBook) -> None:
    """One ``get_orderbook_bids(10)``: the best 10 bids as a polars frame (price, volume)."""
    frame = benchmark(book.get_orderbook_bids, 10)
    assert frame.height == 10


def test_volume_profile_16k_trades(benchmark: BenchmarkFixture, book: OrderBook) -> None:
    """One ``get_volume_profile()`` over the full 16,384-trade ring (200-tick range, 1 tick per
    bin, 70 % value area)."""
    prof = benchmark(book.get_volume_profile)
    assert prof["trades"] == TRADES


def test_trade_flow_summary_16k_trades(benchmark: BenchmarkFixture, book: OrderBook) -> None:
    """One ``get_trade_flow_summary()`` over the full 16,384-trade ring (volumes, counts, delta,
    VWAP by aggressor)."""
    flow = benchmark(book.get_trade_flow_summary)
    assert flow["trades"] == TRADES


def test_liquidity_levels(benchmark: BenchmarkFixture, book: OrderBook) -> None:
    """One ``get_liquidity_levels()`` with defaults: the 10 largest of the 80 resting levels as a
    polars frame with side and distance from the touch."""
    frame = benchmark(book.get_liquidity_levels)
    assert frame.height == 10


def test_support_resistance_16k_trades(benchmark: BenchmarkFixture, book: OrderBook) -> None:
    """One ``get_support_resistance_levels(5)``: resting size plus traded volume (16,384 trades)
    per price, 5 strongest below and above the mid."""
    sr = benchmark(book.get_support_resistance_levels, 5)
    assert sr["support"]


def test_on_trade_hook(benchmark: BenchmarkFixture) -> None:
    """One ``on_trade`` hook call, heuristics off: validation, tick snap and append to the full
    16,384-trade ring. Book build is outside the timing."""
    b = build()
    benchmark(b.on_trade, 21000.25, 2, 0, 10**12)


def test_on_depth_hook_heuristics_off(benchmark: BenchmarkFixture) -> None:
    """One ``on_depth`` hook call with ``track_heuristics=False`` (timestamp bookkeeping only; the
    native book's own apply is not part of it). Book build is outside the timing."""
    b = build()
    benchmark(b.on_depth, 2, 20999.0, 7, 10**12)


def test_on_depth_hook_heuristics_on(benchmark: BenchmarkFixture) -> None:
    """One ``on_depth`` hook call with ``track_heuristics=True``: a bid level's size (1-30) fed
    to the iceberg/spoofing tracker (includes a closure call and ``next``). Build untimed."""
    b = build(track=True)
    sizes = iter(range(10**9))

    def update() -> None:
        b.on_depth(2, 20999.0, 1 + next(sizes) % 30, 10**12)

    benchmark(update)


def test_on_trade_hook_heuristics_on(benchmark: BenchmarkFixture) -> None:
    """One ``on_trade`` hook call with ``track_heuristics=True``: ring append plus the tracker's
    trade history at the touched ask level. Book build is outside the timing."""
    b = build(track=True)
    benchmark(b.on_trade, 21000.25, 2, 0, 10**12)
