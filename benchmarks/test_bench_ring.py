"""Ring buffer benchmarks: appends from Python and newest-N reads (NumPy views, polars frames).

Run: ``pytest benchmarks/test_bench_ring.py --benchmark-only``.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from projectx._native.ring import BarRing, TickRing


def bar_ring(capacity: int, rows: int) -> BarRing:
    """A ring that received ``rows`` bars in chunks of 1000 (so it wraps when rows > capacity)."""
    ring = BarRing(capacity)
    for start in range(0, rows, 1000):
        idx = np.arange(start, min(rows, start + 1000))
        ring.extend(idx * 60_000_000_000, idx + 0.25, idx + 1.0, idx - 1.0, idx + 0.5, idx, idx)
    return ring


def test_bar_ring_append(benchmark) -> None:
    """One ``BarRing.append`` from Python into a full 10,000-row ring (overwrites the oldest)."""
    ring = bar_ring(10_000, 10_000)
    benchmark(ring.append, 1, 1.0, 2.0, 0.5, 1.5, 10, 3)


def test_tick_ring_append(benchmark) -> None:
    """One ``TickRing.append`` from Python into a full 100,000-row ring."""
    ring = TickRing(100_000)
    ring.extend(*(np.zeros(100_000, dtype=a.dtype) for a in ring.arrays))
    benchmark(ring.append, 1, 21000.25, 2, 1)


@pytest.mark.parametrize("rows", [3000, 5500], ids=["contiguous", "wrapped"])
def test_latest_1000_numpy(benchmark, rows: int) -> None:
    """``latest(1000)`` -> dict of NumPy arrays from a 5000-row bar ring (views or one copy)."""
    ring = bar_ring(5000, rows)
    assert ring.is_contiguous(1000) == (rows == 3000)
    benchmark(ring.latest, 1000)


@pytest.mark.parametrize("rows", [3000, 5500], ids=["contiguous", "wrapped"])
def test_to_polars_1000(benchmark, rows: int) -> None:
    """``to_polars(1000)`` from a 5000-row bar ring (zero-copy when contiguous)."""
    ring = bar_ring(5000, rows)
    assert ring.is_contiguous(1000) == (rows == 3000)
    benchmark(ring.to_polars, 1000)


def test_reference_polars_from_numpy_dict_1000(benchmark) -> None:
    """Reference: plain ``pl.DataFrame(dict of 7 NumPy arrays)`` + ts cast, 1000 rows."""
    columns = bar_ring(5000, 3000).latest(1000, copy=True)

    def run() -> pl.DataFrame:
        return pl.DataFrame(columns).with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC")))

    benchmark(run)
