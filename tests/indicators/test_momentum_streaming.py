"""Streaming RSI, MACD, STOCH and ADX: bar-by-bar updates equal the batch functions (bit for bit)
over 100k random-walk bars, warm-up included, and the batch functions equal TA-Lib."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from projectx._native.ind_momentum import ADXStream, MACDStream, RSIStream, StochStream
from projectx.indicators import momentum as m

N = 100_000


def make_bars(n: int, seed: int) -> pl.DataFrame:
    """Random-walk OHLC bars with positive prices snapped to a 0.25 tick."""
    rng = np.random.default_rng(seed)
    close = np.maximum(5000.0 + np.cumsum(rng.normal(0.0, 2.0, n)), 100.0)
    high = close + np.abs(rng.normal(0.0, 1.5, n))
    low = close - np.abs(rng.normal(0.0, 1.5, n))
    snap = lambda a: np.round(a * 4.0) / 4.0  # noqa: E731
    return pl.DataFrame({"high": snap(high), "low": snap(low), "close": snap(close)})


@pytest.fixture(scope="module")
def bars() -> pl.DataFrame:
    return make_bars(N, seed=11)


def col(df: pl.DataFrame, name: str) -> np.ndarray:
    """A batch output column as float64 with NaN for the null warm-up."""
    return df.get_column(name).fill_null(float("nan")).to_numpy()


def assert_identical(stream: np.ndarray, batch: np.ndarray) -> None:
    """Same NaN rows and bit-identical values."""
    assert stream.shape == batch.shape
    assert np.array_equal(np.isnan(stream), np.isnan(batch))
    ok = ~np.isnan(batch)
    mismatch = np.flatnonzero(stream[ok] != batch[ok])
    assert mismatch.size == 0, f"{mismatch.size} values differ, first at {mismatch[:3]}"


@pytest.mark.parametrize("period", [14, 2, 30])
def test_rsi_stream_equals_batch(bars: pl.DataFrame, period: int) -> None:
    s = RSIStream(period)
    close = bars.get_column("close").to_numpy()
    got = np.fromiter((s.update(x) for x in close), float, close.shape[0])
    assert_identical(got, col(bars.pipe(m.RSI, period=period), "rsi"))
    assert s.value == got[-1]
    assert s.count == N


@pytest.mark.parametrize(("fast", "slow", "signal"), [(12, 26, 9), (26, 12, 9), (3, 5, 1)])
def test_macd_stream_equals_batch(bars: pl.DataFrame, fast: int, slow: int, signal: int) -> None:
    s = MACDStream(fast, slow, signal)
    close = bars.get_column("close").to_numpy()
    got = np.array([s.update(x) for x in close])
    batch = bars.pipe(m.MACD, fastperiod=fast, slowperiod=slow, signalperiod=signal)
    for i, name in enumerate(("macd", "macdsignal", "macdhist")):
        assert_identical(got[:, i], col(batch, name))
    assert s.value == tuple(got[-1])


def test_macdfix_constants_through_stream(bars: pl.DataFrame) -> None:
    """MACDFIX's fixed factors can be given to the stream."""
    s = MACDStream(12, 26, 9, m._K_FIX_FAST, m._K_FIX_SLOW)
    close = bars.get_column("close").to_numpy()[:20_000]
    got = np.array([s.update(x) for x in close])
    batch = bars.head(20_000).pipe(m.MACDFIX)
    for i, name in enumerate(("macd", "macdsignal", "macdhist")):
        assert_identical(got[:, i], col(batch, name))


@pytest.mark.parametrize(
    "params", [(5, 3, 0, 3, 0), (14, 3, 1, 5, 1), (1, 1, 0, 1, 0), (9, 4, 0, 2, 1)]
)
def test_stoch_stream_equals_batch(
    bars: pl.DataFrame, params: tuple[int, int, int, int, int]
) -> None:
    fk, sk, kt, sd, dt = params
    s = StochStream(fk, sk, kt, sd, dt)
    h, lo, c = (bars.get_column(n).to_numpy() for n in ("high", "low", "close"))
    got = np.array([s.update(a, b, x) for a, b, x in zip(h, lo, c, strict=True)])
    batch = bars.pipe(
        m.STOCH,
        fastk_period=fk,
        slowk_period=sk,
        slowk_matype=kt,
        slowd_period=sd,
        slowd_matype=dt,
    )
    assert_identical(got[:, 0], col(batch, "slowk"))
    assert_identical(got[:, 1], col(batch, "slowd"))


@pytest.mark.parametrize("period", [14, 2, 50])
def test_adx_stream_equals_batch(bars: pl.DataFrame, period: int) -> None:
    s = ADXStream(period)
    h, lo, c = (bars.get_column(n).to_numpy() for n in ("high", "low", "close"))
    got = np.array([s.update(a, b, x) for a, b, x in zip(h, lo, c, strict=True)])
    assert_identical(got, col(bars.pipe(m.ADX, period=period), "adx"))
    assert s.value == got[-1]


def test_adx_stream_through_flat_bars() -> None:
    """Bars with no range (true range 0) leave ADX unchanged in both forms."""
    df = make_bars(300, seed=3).with_columns(
        pl.when((pl.int_range(pl.len()) >= 100) & (pl.int_range(pl.len()) < 140))
        .then(pl.lit(4000.0))
        .otherwise(pl.col(c))
        .alias(c)
        for c in ("high", "low", "close")
    )
    s = ADXStream(14)
    h, lo, c = (df.get_column(n).to_numpy() for n in ("high", "low", "close"))
    got = np.array([s.update(a, b, x) for a, b, x in zip(h, lo, c, strict=True)])
    assert_identical(got, col(df.pipe(m.ADX), "adx"))


def test_warm_up_lengths() -> None:
    """First values appear after TA-Lib's lookback: RSI p, MACD slow+signal-2, STOCH
    fastk+slowk+slowd-3 (SMA), ADX 2p-1."""
    r, a = RSIStream(14), ADXStream(14)
    mac, st = MACDStream(12, 26, 9), StochStream(5, 3, 0, 3, 0)
    first: dict[str, int] = {}
    for i in range(60):
        x = 100.0 + math.sin(i) * 3
        vals = {
            "rsi": r.update(x),
            "adx": a.update(x + 1, x - 1, x),
            "macd": mac.update(x)[0],
            "stoch": st.update(x + 1, x - 1, x)[0],
        }
        for k, v in vals.items():
            if k not in first and not math.isnan(v):
                first[k] = i
    assert first == {"rsi": 14, "adx": 27, "macd": 33, "stoch": 8}


@pytest.mark.parametrize(
    "make",
    [
        lambda: RSIStream(1),
        lambda: ADXStream(1),
        lambda: MACDStream(0, 26, 9),
        lambda: StochStream(0, 3, 0, 3, 0),
        lambda: StochStream(5, 3, 2, 3, 0),
        lambda: StochStream(5, 0, 0, 3, 0),
    ],
)
def test_stream_rejects_bad_parameters(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        make()
