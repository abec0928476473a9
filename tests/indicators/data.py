"""Shared data and comparison helpers for the indicator tests."""

from __future__ import annotations

import numpy as np
import polars as pl


def make_bars(
    n: int, seed: int, tick: float = 0.25, start: str = "2024-03-04 14:30"
) -> pl.DataFrame:
    """Random-walk 1-minute OHLCV: positive tick-snapped prices, positive integer volumes,
    ``ts`` (UTC open times) one minute apart from ``start``."""
    rng = np.random.default_rng(seed)
    close = 5000.0 + np.cumsum(rng.normal(0.0, 2.0, n))
    close = np.maximum(close, 100.0)
    opn = close + rng.normal(0.0, 1.0, n)
    high = np.maximum(opn, close) + np.abs(rng.normal(0.0, 1.5, n))
    low = np.minimum(opn, close) - np.abs(rng.normal(0.0, 1.5, n))

    def snap(a: np.ndarray) -> np.ndarray:
        return np.round(a / tick) * tick

    t0 = np.datetime64(start, "ns").astype(np.int64)
    ts = t0 + np.arange(n, dtype=np.int64) * 60_000_000_000
    return pl.DataFrame(
        {
            "ts": pl.Series(ts).cast(pl.Datetime("ns", "UTC")),
            "open": snap(opn),
            "high": snap(high),
            "low": snap(low),
            "close": snap(close),
            "volume": rng.integers(1, 500, n),
        }
    )


def as_array(df: pl.DataFrame, column: str) -> np.ndarray:
    """A float column with nulls as NaN."""
    return df.get_column(column).cast(pl.Float64).fill_null(np.nan).to_numpy()


def assert_matches(
    ours: np.ndarray, ref: np.ndarray, rtol: float = 1e-9, atol: float = 0.0
) -> None:
    """Same NaN (warm-up) placement, values within ``rtol`` (and ``atol``)."""
    nan_ours, nan_ref = np.isnan(ours), np.isnan(ref)
    bad = np.flatnonzero(nan_ours != nan_ref)
    assert bad.size == 0, (
        f"NaN placement differs first at row {bad[0]}: {ours[bad[0]]} vs {ref[bad[0]]}"
    )
    assert (~nan_ref).any(), "reference has no value at all"
    np.testing.assert_allclose(ours[~nan_ours], ref[~nan_ref], rtol=rtol, atol=atol)
