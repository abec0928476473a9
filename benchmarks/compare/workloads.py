"""Seeded workloads shared by every side of the comparison (NumPy only, so every venv can import).

Each generator returns plain NumPy arrays; each side converts them to its own library's input
objects *outside* the timed region, so the figures measure processing, not input construction.
"""

from __future__ import annotations

import numpy as np

S = 1_000_000_000
START_NS = 1_763_992_800 * S  # 2025-11-24 14:00 UTC
TICK = 0.25

N_TICKS = 200_000  # trades for tick -> bars
N_DEPTH = 200_000  # level-2 updates for depth -> book
N_EVENTS = 100_000  # events for dispatch
N_BARS = 1_000_000  # bars for the indicators

# Timeframes as (our name, seconds); 1, 3 and 6 of them per workload.
TIMEFRAMES: dict[int, list[tuple[str, int]]] = {
    1: [("1min", 60)],
    3: [("1sec", 1), ("1min", 60), ("5min", 300)],
    6: [("1sec", 1), ("1min", 60), ("5min", 300), ("15min", 900), ("1hr", 3600), ("4hr", 14_400)],
}

# Indicators on 1M bars: (label, TA-Lib-style parameters).
INDICATORS = ["SMA(20)", "EMA(20)", "RSI(14)", "MACD(12,26,9)", "ATR(14)", "BBANDS(20,2)"]


def ticks(n: int = N_TICKS, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` trades 0-200 ms apart (~5.5 h for 200k), a quarter-point walk from 21000, sizes 1-9."""
    rng = np.random.default_rng(seed)
    ts = START_NS + np.cumsum(rng.integers(0, 200_000_001, n, dtype=np.int64))
    price = 21000.0 + np.cumsum(rng.integers(-1, 2, n)) * TICK
    volume = rng.integers(1, 10, n, dtype=np.int64)
    return ts, price, volume


def depth(n: int = N_DEPTH, seed: int = 11) -> tuple[np.ndarray, ...]:
    """``n`` level updates (Gateway DomType 1 = ask, 2 = bid) within 20 ticks of 21000.

    Returns ``(dom_type int32, price, volume int64, ts_ns int64)``; volume 0 removes the level.
    Bids are <= 21000 and asks >= 21000.25, so the book never crosses and every library must
    end in the same state (``run.py`` compares the final tops).
    """
    rng = np.random.default_rng(seed)
    is_bid = rng.random(n) < 0.5
    offset = rng.integers(0, 20, n)
    tick_index = np.where(is_bid, 84_000 - offset, 84_001 + offset)
    dom_type = np.where(is_bid, 2, 1).astype(np.int32)
    volume = rng.integers(0, 41, n).astype(np.int64)
    ts = START_NS + np.arange(n, dtype=np.int64) * 1000
    return dom_type, tick_index * TICK, volume, ts


def bars(n: int = N_BARS, seed: int = 3) -> dict[str, np.ndarray]:
    """``n`` one-minute OHLCV bars from a random walk (high >= open, close >= low)."""
    rng = np.random.default_rng(seed)
    close = 21000.0 + np.cumsum(rng.normal(0.0, 2.0, n))
    open_ = np.concatenate(([close[0]], close[:-1]))
    spread = np.abs(rng.normal(0.0, 1.5, (2, n)))
    high = np.maximum(open_, close) + spread[0]
    low = np.minimum(open_, close) - spread[1]
    volume = rng.integers(1, 500, n).astype(np.float64)
    ts = START_NS + np.arange(n, dtype=np.int64) * 60 * S
    return {"ts": ts, "open": open_, "high": high, "low": low, "close": close, "volume": volume}


def event_payloads(n: int = N_EVENTS, seed: int = 5) -> list[tuple[float, int]]:
    """``n`` small payloads (price, size) for event dispatch."""
    rng = np.random.default_rng(seed)
    price = (21000.0 + rng.integers(-40, 40, n) * TICK).tolist()
    size = rng.integers(1, 10, n).tolist()
    return list(zip(price, size, strict=True))
