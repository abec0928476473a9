"""Momentum indicators: batch cost per bar on 1M bars (ours, TA-Lib, a plain polars expression)
and streaming update cost per bar, in one run.

Run: ``pytest benchmarks/test_bench_indicators_momentum.py --benchmark-only
--benchmark-columns=median,min,rounds --benchmark-group-by=group``; per-bar figures are
``median / 1_000_000`` for batch groups (also stored in ``extra_info``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pytest

from projectx._native.ind_momentum import ADXStream, MACDStream, RSIStream, StochStream
from projectx.indicators import momentum as m

talib = pytest.importorskip("talib")


def _snap(a: np.ndarray) -> np.ndarray:
    """Prices on a 0.25 tick."""
    return np.round(a * 4.0) / 4.0


N = 1_000_000


@pytest.fixture(scope="module")
def bars() -> pl.DataFrame:
    """1,000,000 high/low/close bars on a 0.25 tick, a random walk around 5000."""
    rng = np.random.default_rng(5)
    close = np.maximum(5000.0 + np.cumsum(rng.normal(0.0, 2.0, N)), 100.0)
    high = close + np.abs(rng.normal(0.0, 1.5, N))
    low = close - np.abs(rng.normal(0.0, 1.5, N))
    return pl.DataFrame({"high": _snap(high), "low": _snap(low), "close": _snap(close)})


def _run(benchmark: Any, fn: Callable[[], object]) -> None:
    benchmark.pedantic(fn, rounds=15, iterations=1, warmup_rounds=1)
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["ns_per_bar"] = benchmark.stats.stats.median * 1e9 / N


def _hlc(df: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(df.get_column(c).to_numpy() for c in ("high", "low", "close"))  # type: ignore[return-value]


# --- RSI --------------------------------------------------------------------------------------


@pytest.mark.benchmark(group="RSI batch 1M")
def test_rsi_ours(benchmark: Any, bars: pl.DataFrame) -> None:
    """``bars.pipe(RSI, period=14)`` on 1M bars: frame in, frame with ``rsi`` out."""
    _run(benchmark, lambda: bars.pipe(m.RSI, period=14))


@pytest.mark.benchmark(group="RSI batch 1M")
def test_rsi_talib(benchmark: Any, bars: pl.DataFrame) -> None:
    """``talib.RSI(close, 14)`` on a 1M float64 array (no frame)."""
    close = bars.get_column("close").to_numpy()
    _run(benchmark, lambda: talib.RSI(close, 14))


@pytest.mark.benchmark(group="RSI batch 1M")
def test_rsi_polars_expr(benchmark: Any, bars: pl.DataFrame) -> None:
    """Plain polars RSI: Wilder averages as ``ewm_mean(alpha=1/14, adjust=False)`` on 1M bars."""
    d = pl.col("close").diff()
    gain = d.clip(lower_bound=0).ewm_mean(alpha=1 / 14, adjust=False)
    loss = (-d).clip(lower_bound=0).ewm_mean(alpha=1 / 14, adjust=False)
    expr = (100 * gain / (gain + loss)).alias("rsi")
    _run(benchmark, lambda: bars.with_columns(expr))


# --- MACD -------------------------------------------------------------------------------------


@pytest.mark.benchmark(group="MACD batch 1M")
def test_macd_ours(benchmark: Any, bars: pl.DataFrame) -> None:
    """``bars.pipe(MACD)`` (12/26/9) on 1M bars: three output columns."""
    _run(benchmark, lambda: bars.pipe(m.MACD))


@pytest.mark.benchmark(group="MACD batch 1M")
def test_macd_talib(benchmark: Any, bars: pl.DataFrame) -> None:
    """``talib.MACD(close, 12, 26, 9)`` on a 1M float64 array."""
    close = bars.get_column("close").to_numpy()
    _run(benchmark, lambda: talib.MACD(close, 12, 26, 9))


@pytest.mark.benchmark(group="MACD batch 1M")
def test_macd_polars_expr(benchmark: Any, bars: pl.DataFrame) -> None:
    """Plain polars MACD: ``ewm_mean(span=12) - ewm_mean(span=26)``, signal ``ewm_mean(span=9)``."""
    c = pl.col("close")
    macd = c.ewm_mean(span=12, adjust=False) - c.ewm_mean(span=26, adjust=False)
    sig = macd.ewm_mean(span=9, adjust=False)
    _run(
        benchmark,
        lambda: bars.with_columns(
            macd.alias("macd"), sig.alias("macdsignal"), (macd - sig).alias("macdhist")
        ),
    )


# --- STOCH ------------------------------------------------------------------------------------


@pytest.mark.benchmark(group="STOCH batch 1M")
def test_stoch_ours(benchmark: Any, bars: pl.DataFrame) -> None:
    """``bars.pipe(STOCH)`` (5, 3 SMA, 3 SMA) on 1M bars."""
    _run(benchmark, lambda: bars.pipe(m.STOCH))


@pytest.mark.benchmark(group="STOCH batch 1M")
def test_stoch_talib(benchmark: Any, bars: pl.DataFrame) -> None:
    """``talib.STOCH(high, low, close)`` (5, 3, 3) on 1M-bar arrays."""
    h, lo, c = _hlc(bars)
    _run(benchmark, lambda: talib.STOCH(h, lo, c))


@pytest.mark.benchmark(group="STOCH batch 1M")
def test_stoch_polars_expr(benchmark: Any, bars: pl.DataFrame) -> None:
    """Plain polars STOCH: rolling max/min over 5, then two rolling means of 3."""
    hh = pl.col("high").rolling_max(5)
    ll = pl.col("low").rolling_min(5)
    k = (100 * (pl.col("close") - ll) / (hh - ll)).rolling_mean(3)
    _run(
        benchmark,
        lambda: bars.with_columns(k.alias("slowk")).with_columns(
            pl.col("slowk").rolling_mean(3).alias("slowd")
        ),
    )


# --- ADX --------------------------------------------------------------------------------------


@pytest.mark.benchmark(group="ADX batch 1M")
def test_adx_ours(benchmark: Any, bars: pl.DataFrame) -> None:
    """``bars.pipe(ADX, period=14)`` on 1M bars."""
    _run(benchmark, lambda: bars.pipe(m.ADX, period=14))


@pytest.mark.benchmark(group="ADX batch 1M")
def test_adx_talib(benchmark: Any, bars: pl.DataFrame) -> None:
    """``talib.ADX(high, low, close, 14)`` on 1M-bar arrays."""
    h, lo, c = _hlc(bars)
    _run(benchmark, lambda: talib.ADX(h, lo, c, 14))


@pytest.mark.benchmark(group="ADX batch 1M")
def test_adx_polars_expr(benchmark: Any, bars: pl.DataFrame) -> None:
    """Plain polars ADX: DM/TR with ``ewm_mean(alpha=1/14)``, DX, then its ``ewm_mean``."""
    a = 1 / 14
    up = pl.col("high").diff()
    down = -pl.col("low").diff()
    pdm = pl.when((up > down) & (up > 0)).then(up).otherwise(0.0)
    mdm = pl.when((down > up) & (down > 0)).then(down).otherwise(0.0)
    pc = pl.col("close").shift()
    tr = pl.max_horizontal(
        pl.col("high") - pl.col("low"), (pl.col("high") - pc).abs(), (pl.col("low") - pc).abs()
    )
    atr = tr.ewm_mean(alpha=a, adjust=False)
    pdi = 100 * pdm.ewm_mean(alpha=a, adjust=False) / atr
    mdi = 100 * mdm.ewm_mean(alpha=a, adjust=False) / atr
    adx = (100 * (pdi - mdi).abs() / (pdi + mdi)).ewm_mean(alpha=a, adjust=False)
    _run(benchmark, lambda: bars.with_columns(adx.alias("adx")))


# --- streaming: one update per closed bar ------------------------------------------------------


@pytest.mark.benchmark(group="stream update per bar")
def test_stream_rsi_update(benchmark: Any) -> None:
    """One ``RSIStream(14).update(close)`` call from Python on a warmed-up stream."""
    s = RSIStream(14)
    for i in range(100):
        s.update(5000.0 + i % 7)
    benchmark(s.update, 5001.25)


@pytest.mark.benchmark(group="stream update per bar")
def test_stream_macd_update(benchmark: Any) -> None:
    """One ``MACDStream(12, 26, 9).update(close)`` call (returns a 3-tuple) on a warm stream."""
    s = MACDStream(12, 26, 9)
    for i in range(100):
        s.update(5000.0 + i % 7)
    benchmark(s.update, 5001.25)


@pytest.mark.benchmark(group="stream update per bar")
def test_stream_stoch_update(benchmark: Any) -> None:
    """One ``StochStream(5, 3, 0, 3, 0).update(high, low, close)`` call on a warm stream."""
    s = StochStream(5, 3, 0, 3, 0)
    for i in range(100):
        s.update(5002.0 + i % 7, 4998.0 + i % 5, 5000.0 + i % 3)
    benchmark(s.update, 5003.0, 4999.0, 5001.25)


@pytest.mark.benchmark(group="stream update per bar")
def test_stream_adx_update(benchmark: Any) -> None:
    """One ``ADXStream(14).update(high, low, close)`` call on a warm stream."""
    s = ADXStream(14)
    for i in range(100):
        s.update(5002.0 + i % 7, 4998.0 + i % 5, 5000.0 + i % 3)
    benchmark(s.update, 5003.0, 4999.0, 5001.25)


# --- streaming through the StreamingIndicator API (what the RealtimeDataManager calls) --------

_BAR = (5000.0, 5003.0, 4999.0, 5001.25, 120.0, 0)


def _warm_stream(name: str) -> Any:
    stream = getattr(m, name)().stream()
    for i in range(100):
        c = 5000.0 + i % 7
        stream.update(c, c + 2.0, c - 2.0, c + 0.25, 100.0, 0)
    return stream


@pytest.mark.benchmark(group="stream update per bar (StreamingIndicator)")
@pytest.mark.parametrize("name", ["RSI", "MACD", "STOCH", "ADX"])
def test_streaming_indicator_update(benchmark: Any, name: str) -> None:
    """One ``<NAME>().stream().update(o, h, l, c, v, ts)`` call on a warm stream (defaults)."""
    stream = _warm_stream(name)
    benchmark(stream.update, *_BAR)


@pytest.mark.benchmark(group="stream update per bar (StreamingIndicator)")
@pytest.mark.parametrize("name", ["RSI", "STOCH"])
def test_streaming_indicator_update_forming(benchmark: Any, name: str) -> None:
    """One ``update_forming(...)`` preview (forming bar, state unchanged) on a warm stream."""
    stream = _warm_stream(name)
    benchmark(stream.update_forming, *_BAR)
