"""Property tests against simple, obviously correct reference models (modest example counts)."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.indicators import ATR, BBANDS, EMA, OBV, SMA, STDDEV, VWAP, WMA
from tests.indicators.data import as_array

prices = st.lists(
    st.floats(min_value=1.0, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=120,
)


def _frame(xs: list[float]) -> pl.DataFrame:
    x = np.asarray(xs)
    return pl.DataFrame(
        {
            "open": x,
            "high": x * 1.01,
            "low": x * 0.99,
            "close": x,
            "volume": np.arange(1, len(xs) + 1, dtype=np.float64),
        }
    )


@settings(max_examples=150, deadline=None)
@given(prices, st.integers(1, 20))
def test_sma_wma_are_window_means(xs: list[float], period: int) -> None:
    x = np.asarray(xs)
    df = _frame(xs)
    sma, wma = as_array(SMA(df, period=period), "sma"), as_array(WMA(df, period=period), "wma")
    w = np.arange(1, period + 1, dtype=np.float64)
    for i in range(len(x)):
        if i < period - 1:
            assert np.isnan(sma[i]) and np.isnan(wma[i])
        else:
            win = x[i - period + 1 : i + 1]
            assert np.isclose(sma[i], win.mean(), rtol=1e-9)
            assert np.isclose(wma[i], (win * w).sum() / w.sum(), rtol=1e-9)


@settings(max_examples=150, deadline=None)
@given(prices, st.integers(2, 20))
def test_stddev_is_the_population_deviation(xs: list[float], period: int) -> None:
    x = np.asarray(xs)
    sd = as_array(STDDEV(_frame(xs), period=period), "stddev")
    # O(1) rolling sums cancel: after a value ~1e5x the others leaves the window, the variance
    # keeps an absolute residue ~eps * max**2, i.e. ~sqrt(eps) * max on the deviation
    # (TA-Lib's rolling form has the same bound).
    for i in range(period - 1, len(x)):
        ref = x[i - period + 1 : i + 1].std()
        assert np.isclose(sd[i], ref, rtol=1e-7, atol=2e-8 * x.max())


@settings(max_examples=100, deadline=None)
@given(prices, st.integers(1, 15))
def test_ema_recursion(xs: list[float], period: int) -> None:
    x = np.asarray(xs)
    e = as_array(EMA(_frame(xs), period=period), "ema")
    if len(x) < period:
        assert np.isnan(e).all()
        return
    k = 2.0 / (period + 1)
    ref = x[:period].mean()
    assert np.isclose(e[period - 1], ref, rtol=1e-12)
    for i in range(period, len(x)):
        ref = ref + k * (x[i] - ref)
        assert np.isclose(e[i], ref, rtol=1e-9)


@settings(max_examples=100, deadline=None)
@given(prices, st.integers(2, 10))
def test_streams_equal_batch(xs: list[float], period: int) -> None:
    df = (
        _frame(xs)
        .with_columns(
            ts=pl.int_range(pl.len()).cast(pl.Int64) * 60_000_000_000 + 1_700_000_000_000_000_000
        )
        .with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC")))
    )
    ts = df.get_column("ts").dt.epoch("ns").to_list()
    for spec in (
        SMA(period=period),
        EMA(period=period),
        BBANDS(period=period),
        ATR(period=period),
        OBV(),
        VWAP(),
    ):
        batch = spec(df)
        s = spec.stream()
        got = []
        for i, row in enumerate(df.iter_rows(named=True)):
            v = s.update(row["open"], row["high"], row["low"], row["close"], row["volume"], ts[i])
            got.append(v if isinstance(v, tuple) else (v,))
        arr = np.asarray(got, dtype=np.float64)
        for j, col in enumerate(spec.outputs):
            np.testing.assert_allclose(
                arr[:, j], as_array(batch, col), rtol=1e-9, atol=1e-6, equal_nan=True
            )
