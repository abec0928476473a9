"""Indicator benchmarks: batch cost per bar on 1M bars next to TA-Lib and a plain polars
expression (same run), and the streaming update cost per bar.

Run: ``pytest benchmarks/test_bench_indicators.py --benchmark-only``; per-bar figures are the
median divided by the bar count (``extra_info["ns_per_bar"]``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pytest

from projectx import indicators as ind
from projectx.indicators.streaming import bar_arrays

talib = pytest.importorskip("talib")

N_BATCH = 1_000_000
N_STREAM = 20_000


def _bars(n: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    close = np.round((5000.0 + np.cumsum(rng.normal(0.0, 2.0, n))) / 0.25) * 0.25
    spread = np.round(np.abs(rng.normal(0.0, 1.5, (2, n))) / 0.25) * 0.25
    ts = np.datetime64("2024-03-04T14:30", "ns").astype(np.int64) + np.arange(n) * 60_000_000_000
    return pl.DataFrame(
        {
            "ts": pl.Series(ts).cast(pl.Datetime("ns", "UTC")),
            "open": close + rng.normal(0.0, 0.5, n),
            "high": close + spread[0],
            "low": close - spread[1],
            "close": close,
            "volume": rng.integers(1, 500, n),
        }
    )


@pytest.fixture(scope="module")
def big() -> pl.DataFrame:
    """1,000,000 OHLCV bars shared by the batch benchmarks (built once per module)."""
    return _bars(N_BATCH)


def _np(df: pl.DataFrame) -> dict[str, np.ndarray]:
    return {
        c: df.get_column(c).cast(pl.Float64).to_numpy() for c in ("high", "low", "close", "volume")
    }


_tr = pl.max_horizontal(pl.col("high"), pl.col("close").shift(1)) - pl.min_horizontal(
    pl.col("low"), pl.col("close").shift(1)
)
_tp = (pl.col("high") + pl.col("low") + pl.col("close")) / 3.0
_session = (pl.col("ts").dt.convert_time_zone("America/New_York") + pl.duration(hours=7)).dt.date()

POLARS: dict[str, pl.Expr] = {
    "SMA": pl.col("close").rolling_mean(30),
    "EMA": pl.col("close").ewm_mean(span=30, adjust=False),
    "BBANDS": pl.col("close").rolling_std(20, ddof=0),
    "ATR": _tr.ewm_mean(alpha=1 / 14, adjust=False),
    "OBV": (pl.col("close").diff().sign() * pl.col("volume")).cum_sum(),
    "VWAP": (_tp * pl.col("volume")).cum_sum().over(_session)
    / pl.col("volume").cum_sum().over(_session),
}

OURS: dict[str, Callable[[pl.DataFrame], Any]] = {
    "SMA": lambda df: ind.SMA(df, period=30),
    "EMA": lambda df: ind.EMA(df, period=30),
    "BBANDS": lambda df: ind.BBANDS(df, period=20),
    "ATR": lambda df: ind.ATR(df, period=14),
    "OBV": lambda df: ind.OBV(df),
    "VWAP": lambda df: ind.VWAP(df),
}

TALIB: dict[str, Callable[[dict[str, np.ndarray]], Any]] = {
    "SMA": lambda a: talib.SMA(a["close"], 30),
    "EMA": lambda a: talib.EMA(a["close"], 30),
    "BBANDS": lambda a: talib.BBANDS(a["close"], 20),
    "ATR": lambda a: talib.ATR(a["high"], a["low"], a["close"], 14),
    "OBV": lambda a: talib.OBV(a["close"], a["volume"]),
    "VWAP": lambda a: talib.VWAP(a["high"], a["low"], a["close"], a["volume"]),
}

NAMES = list(OURS)


def _per_bar(benchmark: Any, n: int) -> None:
    benchmark.extra_info["bars"] = n
    stats = getattr(benchmark, "stats", None)
    if stats is not None and stats.stats.data:
        benchmark.extra_info["ns_per_bar"] = round(stats.stats.median * 1e9 / n, 2)


@pytest.mark.parametrize("name", NAMES)
def test_batch_projectx(benchmark: Any, big: pl.DataFrame, name: str) -> None:
    """projectx batch indicator on a 1M-bar frame (returns the frame with its columns)."""
    benchmark.group = f"batch-{name}"
    benchmark.pedantic(OURS[name], args=(big,), rounds=5, iterations=1, warmup_rounds=1)
    _per_bar(benchmark, big.height)


@pytest.mark.parametrize("name", NAMES)
def test_batch_talib(benchmark: Any, big: pl.DataFrame, name: str) -> None:
    """ta-lib on the same 1M bars as float64 NumPy arrays (VWAP: ta-lib's, unanchored)."""
    benchmark.group = f"batch-{name}"
    arrays = _np(big)
    benchmark.pedantic(TALIB[name], args=(arrays,), rounds=5, iterations=1, warmup_rounds=1)
    _per_bar(benchmark, big.height)


@pytest.mark.parametrize("name", NAMES)
def test_batch_polars_expression(benchmark: Any, big: pl.DataFrame, name: str) -> None:
    """Plain polars expression of the same idea on 1M bars (rolling_mean, ewm_mean...;
    not TA-Lib-exact: no SMA seed, BBANDS = std only, VWAP per NY date shifted 7h)."""
    benchmark.group = f"batch-{name}"
    expr = POLARS[name]
    benchmark.pedantic(
        lambda: big.with_columns(expr.alias("x")), rounds=5, iterations=1, warmup_rounds=1
    )
    _per_bar(benchmark, big.height)


STREAM_SPECS = {
    "SMA": ind.SMA(period=30),
    "EMA": ind.EMA(period=30),
    "BBANDS": ind.BBANDS(period=20),
    "ATR": ind.ATR(period=14),
    "OBV": ind.OBV(),
    "VWAP": ind.VWAP(),
}


@pytest.mark.parametrize("forming", [False, True], ids=["closed", "forming"])
@pytest.mark.parametrize("name", list(STREAM_SPECS))
def test_stream_update(benchmark: Any, name: str, forming: bool) -> None:
    """Streaming ``update`` (or ``update_forming``) over 20k bars, warmed on 1k bars first."""
    benchmark.group = "stream-forming" if forming else "stream-closed"
    df = _bars(N_STREAM + 1000, seed=3)
    a = bar_arrays(df)
    cols = [a[c][1000:].tolist() for c in ("open", "high", "low", "close", "volume", "ts_ns")]
    rows = list(zip(*cols, strict=True))
    spec = STREAM_SPECS[name]

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (spec.stream().warm(df.head(1000)),), {}

    def run(s: Any) -> None:
        step = s.update_forming if forming else s.update
        for r in rows:
            step(*r)

    benchmark.pedantic(run, setup=setup, rounds=7, iterations=1)
    _per_bar(benchmark, N_STREAM)
