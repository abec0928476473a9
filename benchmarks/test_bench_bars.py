"""Bar engine benchmarks, each beside its reference (polars, the pure-Python model) in one run.

Run: ``pytest benchmarks/test_bench_bars.py --benchmark-only``. Per-tick figures: divide the
median by the tick count in the docstring (also stored in ``extra_info``).
"""

from __future__ import annotations

import os
import resource

import numpy as np
import polars as pl
import pytest

from projectx._native.bars import BarEngine
from tests.reference.bars_model import BarsModel

S = 1_000_000_000
START = 1_763_992_800 * S  # 2025-11-24 14:00 UTC
TF3 = ["1sec", "1min", "5min"]
TF6 = ["1sec", "1min", "5min", "1day", "1week", "1month"]
N_BIG = 10_000_000
N_MODEL = 20_000


def ticks(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` trades 0-10 ms apart (mean 5 ms), a quarter-tick random walk, sizes 1-9."""
    rng = np.random.default_rng(seed)
    ts = START + np.cumsum(rng.integers(0, 10_000_001, n, dtype=np.int64))
    price = 21000.0 + np.cumsum(rng.integers(-1, 2, n)) * 0.25
    volume = rng.integers(1, 10, n, dtype=np.int64)
    return ts, price, volume


@pytest.fixture(scope="module")
def big() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 10,000,000-trade stream shared by the batch benchmarks (built once per module)."""
    return ticks(N_BIG)


def test_update_one_trade_3tf(benchmark) -> None:
    """One ``update(ts, price, volume)`` call from Python, 3 timeframes, no bar closing."""
    engine = BarEngine(TF3)
    engine.update(START, 21000.0, 1)
    benchmark(engine.update, START + 1000, 21000.25, 2)


def test_update_stream_3tf(benchmark) -> None:
    """10,000 ``update`` calls from a Python loop over a realistic stream (bars do close)."""
    ts, price, volume = (a.tolist() for a in ticks(10_000, seed=3))
    benchmark.extra_info["ticks"] = len(ts)

    def run() -> None:
        engine = BarEngine(TF3)
        update = engine.update
        for t, p, v in zip(ts, price, volume, strict=True):
            update(t, p, v)

    benchmark(run)


def test_update_batch_10m_3tf(benchmark, big) -> None:
    """``update_batch`` of 10M ticks from arrays into 1sec, 1min, 5min (fresh engine each round)."""
    benchmark.extra_info["ticks"] = N_BIG
    benchmark.pedantic(
        lambda engine: engine.update_batch(*big),
        setup=lambda: ((BarEngine(TF3),), {}),
        rounds=5,
    )


def test_update_batch_10m_1tf(benchmark, big) -> None:
    """``update_batch`` of 10M ticks into 1min only (same work as the polars reference)."""
    benchmark.extra_info["ticks"] = N_BIG
    benchmark.pedantic(
        lambda engine: engine.update_batch(*big),
        setup=lambda: ((BarEngine(["1min"]),), {}),
        rounds=5,
    )


def test_update_batch_10m_6tf_calendar(benchmark, big) -> None:
    """``update_batch`` of 10M ticks into 1sec, 1min, 5min, 1day, 1week, 1month."""
    benchmark.extra_info["ticks"] = N_BIG
    benchmark.pedantic(
        lambda engine: engine.update_batch(*big),
        setup=lambda: ((BarEngine(TF6),), {}),
        rounds=3,
    )


def test_polars_group_by_dynamic_10m_1tf(benchmark, big) -> None:
    """Reference: polars ``group_by_dynamic`` OHLCV+count of the same 10M ticks, 1min only."""
    ts, price, volume = big
    frame = pl.DataFrame({"ts": ts, "price": price, "volume": volume}).with_columns(
        pl.col("ts").cast(pl.Datetime("ns", "UTC"))
    )
    benchmark.extra_info["ticks"] = N_BIG

    def run() -> pl.DataFrame:
        return frame.group_by_dynamic("ts", every="1m").agg(
            pl.col("price").first().alias("open"),
            pl.col("price").max().alias("high"),
            pl.col("price").min().alias("low"),
            pl.col("price").last().alias("close"),
            pl.col("volume").sum(),
            pl.len().alias("trades"),
        )

    benchmark.pedantic(run, rounds=3)


def test_reference_model_20k_3tf(benchmark) -> None:
    """Reference: the pure-Python model on 20,000 ticks, 3 timeframes (divide by 20k)."""
    ts, price, volume = (a.tolist() for a in ticks(N_MODEL, seed=5))
    benchmark.extra_info["ticks"] = N_MODEL

    def run() -> None:
        model = BarsModel(TF3)
        for t, p, v in zip(ts, price, volume, strict=True):
            model.update(t, p, v)

    benchmark.pedantic(run, rounds=3)


def _engine_with_bars(capacity: int, closed: int) -> BarEngine:
    engine = BarEngine(["1min"], capacity=capacity)
    ts = START + np.arange(closed + 1, dtype=np.int64) * 60 * S
    engine.update_batch(ts, np.linspace(21000.0, 21100.0, len(ts)), np.ones(len(ts), np.int64))
    return engine


def test_get_data_1000_contiguous(benchmark) -> None:
    """``get_data("1min", bars=1000)`` -> polars, window contiguous in a 5000-bar ring."""
    engine = _engine_with_bars(5000, 3000)
    assert engine.ring("1min").is_contiguous(1000)
    benchmark(engine.get_data, "1min", bars=1000)


def test_get_data_1000_wrapped(benchmark) -> None:
    """``get_data("1min", bars=1000)`` -> polars, window wrapping the end of a 5000-bar ring."""
    engine = _engine_with_bars(5000, 5500)
    assert not engine.ring("1min").is_contiguous(1000)
    benchmark(engine.get_data, "1min", bars=1000)


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover - not Linux: peak RSS instead
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_rss_flat_over_10m_ticks(benchmark) -> None:
    """RSS across 10M ticks fed as 100 batches of 100k into 6 timeframes (capacity 10,000)."""
    engine = BarEngine(TF6)
    ts, price, volume = ticks(100_000, seed=11)
    span = int(ts[-1] - ts[0]) + S
    readings: list[float] = []

    def run() -> None:
        for i in range(100):
            engine.update_batch(ts + i * span, price, volume)
            if i % 10 == 9:
                readings.append(_rss_mb())

    benchmark.pedantic(run, rounds=1)
    benchmark.extra_info["rss_mb"] = [round(r, 1) for r in readings]
    benchmark.extra_info["rss_growth_mb"] = round(readings[-1] - readings[0], 2)
    benchmark.extra_info["stored_1sec"] = len(engine.ring("1sec"))
