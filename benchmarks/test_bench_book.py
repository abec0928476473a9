"""Order-book benchmarks (``projectx._native.book``), each beside the reference model.

Run: ``pytest benchmarks/test_bench_book.py --benchmark-only``. Per-update figures are the
median divided by the entries per round (stated in each docstring).
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

from projectx._native.book import OrderBook
from tests.reference.book_model import BookModel

TICK = 0.25
MID_TICKS = 84_000  # 21000.0
BATCH = 1_000_000
PY_LOOP = 1_000


def depth_arrays(n: int, seed: int) -> tuple[np.ndarray, ...]:
    """``n`` Bid/Ask level updates within 20 ticks of a slowly drifting top (sizes 0..40)."""
    rng = np.random.default_rng(seed)
    mid = MID_TICKS + np.cumsum(rng.integers(-1, 2, n)) // 8
    is_bid = rng.random(n) < 0.5
    offset = rng.integers(0, 20, n)
    ticks = np.where(is_bid, mid - offset, mid + 1 + offset)
    types = np.where(is_bid, 2, 1).astype(np.int32)
    vols = rng.integers(0, 41, n).astype(np.int64)
    return types, ticks * TICK, vols, vols.copy(), np.arange(n, dtype=np.int64)


def ten_levels(size_base: int) -> tuple[np.ndarray, ...]:
    """A 10-entry depth message: 5 bid and 5 ask levels around 21000."""
    types = np.array([2, 1] * 5, dtype=np.int32)
    prices = np.array(
        [21000.0 - (i // 2) * TICK if i % 2 == 0 else 21000.25 + (i // 2) * TICK for i in range(10)]
    )
    vols = np.arange(size_base, size_base + 10, dtype=np.int64)
    return types, prices, vols, vols.copy(), np.zeros(10, dtype=np.int64)


def record_per(benchmark, key: str, per_round: int) -> None:
    """Store the median per entry/message in ``extra_info`` (absent when benchmarks are off)."""
    if benchmark.stats is not None:
        benchmark.extra_info[key] = benchmark.stats.stats.median / per_round * 1e9


@pytest.fixture
def book() -> OrderBook:
    """A fresh native book: 40 levels per side around 21000 (sizes 10-49) in a 4096-level ladder."""
    b = OrderBook(TICK, levels=4096)
    for i in range(40):
        b.apply(2, 21000.0 - i * TICK, 10 + i, 10 + i, 0)
        b.apply(1, 21000.25 + i * TICK, 10 + i, 10 + i, 0)
    return b


def test_single_update_python_apply(benchmark, book: OrderBook) -> None:
    """1,000 level updates, one Python ``apply`` call each (loop overhead included): / 1,000."""
    types, prices, vols, cur, ts = depth_arrays(PY_LOOP, 1)
    entries = list(
        zip(types.tolist(), prices.tolist(), vols.tolist(), cur.tolist(), ts.tolist(), strict=True)
    )
    apply = book.apply

    def run() -> None:
        for e in entries:
            apply(*e)

    benchmark(run)
    record_per(benchmark, "ns_per_update", PY_LOOP)


def test_per_level_update_via_apply_batch(benchmark) -> None:
    """1,000,000 level updates near the top in one ``apply_batch`` (GIL released): / 1e6."""
    cols = depth_arrays(BATCH, 2)
    book = OrderBook(TICK, levels=4096)
    benchmark.pedantic(book.apply_batch, args=cols, rounds=15, iterations=1, warmup_rounds=1)
    record_per(benchmark, "ns_per_update", BATCH)


HOSTILE = 100_000


def far_touch_arrays(n: int) -> tuple[np.ndarray, ...]:
    """A hostile stream: the only bid alternates between 3,000 and 9,000 ticks below the ask,
    placed then removed, so the touch leaves the ladder window on every placement."""
    far = np.where(np.arange(n) // 2 % 2 == 0, MID_TICKS - 3_000, MID_TICKS - 9_000)
    vols = np.where(np.arange(n) % 2 == 0, 1, 0).astype(np.int64)
    return (
        np.full(n, 2, dtype=np.int32),
        far * TICK,
        vols,
        vols.copy(),
        np.arange(n, dtype=np.int64),
    )


def deep_level_arrays(n: int, seed: int) -> tuple[np.ndarray, ...]:
    """Set/clear of bids 2,100-3,000 ticks below the touch (outside the window: the store)."""
    rng = np.random.default_rng(seed)
    ticks = MID_TICKS - rng.integers(2_100, 3_000, n)
    vols = rng.integers(0, 41, n).astype(np.int64)
    return np.full(n, 2, dtype=np.int32), ticks * TICK, vols, vols.copy(), np.zeros(n, np.int64)


def test_hostile_alternating_far_touch_via_apply_batch(benchmark) -> None:
    """100,000 entries that keep pulling the touch out of the 4096-tick window (window moves
    rate-limited): / 1e5."""
    cols = far_touch_arrays(HOSTILE)

    def run() -> None:
        b = OrderBook(TICK, levels=4096)
        b.apply(1, (MID_TICKS + 1) * TICK, 5, 5, 0)
        b.apply_batch(*cols)

    benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)
    record_per(benchmark, "ns_per_update", HOSTILE)


def test_deep_far_levels_via_apply_batch(benchmark, book: OrderBook) -> None:
    """100,000 set/clear updates of deep bids outside the window (the outside store): / 1e5."""
    cols = deep_level_arrays(HOSTILE, 3)
    benchmark.pedantic(book.apply_batch, args=cols, rounds=5, iterations=1, warmup_rounds=1)
    record_per(benchmark, "ns_per_update", HOSTILE)


def test_ten_level_depth_batch_native(benchmark, book: OrderBook) -> None:
    """A 10-entry depth message from arrays via ``apply_batch`` (two alternating messages, so
    every entry changes a size): one round = 2 messages."""
    a, b = ten_levels(5), ten_levels(20)
    apply_batch = book.apply_batch

    def run() -> None:
        apply_batch(*a)
        apply_batch(*b)

    benchmark(run)
    record_per(benchmark, "ns_per_message", 2)


def test_ten_level_depth_batch_reference_model(benchmark) -> None:
    """Reference: the same two 10-entry messages applied to the pure-Python model."""
    model = BookModel(TICK)
    for i in range(40):
        model.apply(2, 21000.0 - i * TICK, 10 + i, 10 + i, 0)
        model.apply(1, 21000.25 + i * TICK, 10 + i, 10 + i, 0)
    msgs = [list(zip(*(c.tolist() for c in ten_levels(base)), strict=True)) for base in (5, 20)]

    def run() -> None:
        for msg in msgs:
            for e in msg:
                model.apply(*e)

    benchmark(run)
    record_per(benchmark, "ns_per_message", 2)


def test_best_bid_property(benchmark, book: OrderBook) -> None:
    """``book.best_bid`` read from Python (through ``operator.attrgetter``, a C-level call)."""
    assert benchmark(operator.attrgetter("best_bid"), book) == 21000.0


def test_best_ask_property(benchmark, book: OrderBook) -> None:
    """``book.best_ask`` read from Python (through ``operator.attrgetter``, a C-level call)."""
    assert benchmark(operator.attrgetter("best_ask"), book) == 21000.25


def test_top10_fresh_arrays(benchmark, book: OrderBook) -> None:
    """``book.top(10)``: top 10 levels of both sides into 4 fresh NumPy arrays."""
    bp, _, ap, _ = benchmark(book.top, 10)
    assert len(bp) == len(ap) == 10


def test_top10_into_caller_arrays(benchmark, book: OrderBook) -> None:
    """``book.top_into(...)``: top 10 of both sides into 4 preallocated arrays (no allocation)."""
    out = (np.empty(10), np.empty(10, np.int64), np.empty(10), np.empty(10, np.int64))
    assert benchmark(book.top_into, *out) == (10, 10)


def test_top10_reference_model(benchmark) -> None:
    """Reference: the model's top 10 (sorted dict keys) for the same 40+40-level book."""
    model = BookModel(TICK)
    for i in range(40):
        model.apply(2, 21000.0 - i * TICK, 10 + i, 10 + i, 0)
        model.apply(1, 21000.25 + i * TICK, 10 + i, 10 + i, 0)
    benchmark(model.top, 10)
