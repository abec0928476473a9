"""Volatility and volume indicators against ``ta-lib``; VWAP against a plain reference model.

Documented difference: STDDEV gets ``atol=1e-6`` on top of ``rtol=1e-9`` (flat windows, see the
``overlap`` module docstring).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl
import pytest

from projectx.exceptions import ValidationError
from projectx.indicators import volatility as vt
from projectx.indicators import volume as vo
from projectx.timeframes import trading_date
from tests.indicators.data import as_array, assert_matches, make_bars

talib = pytest.importorskip("talib")


def _hlcv(df: pl.DataFrame) -> tuple[np.ndarray, ...]:
    return tuple(as_array(df, c) for c in ("high", "low", "close", "volume"))


@pytest.mark.parametrize("period", [1, 2, 14, 50, None])
def test_atr_natr(bars: pl.DataFrame, period: int | None) -> None:
    h, lo, c, _ = _hlcv(bars)
    kw: dict[str, Any] = {} if period is None else {"period": period}
    tkw = {} if period is None else {"timeperiod": period}
    assert_matches(as_array(vt.ATR(bars, **kw), "atr"), talib.ATR(h, lo, c, **tkw))
    assert_matches(as_array(vt.NATR(bars, **kw), "natr"), talib.NATR(h, lo, c, **tkw))


def test_trange(bars: pl.DataFrame) -> None:
    h, lo, c, _ = _hlcv(bars)
    assert_matches(as_array(vt.TRANGE(bars), "trange"), talib.TRANGE(h, lo, c))


@pytest.mark.parametrize(("period", "nbdev"), [(5, 1.0), (2, 1.0), (20, 2.0), (100, 0.5)])
def test_stddev(bars: pl.DataFrame, period: int, nbdev: float) -> None:
    ours = as_array(vt.STDDEV(bars, period=period, nbdev=nbdev), "stddev")
    assert_matches(ours, talib.STDDEV(as_array(bars, "close"), period, nbdev), atol=1e-6)


def test_stddev_is_stable_on_large_prices() -> None:
    """Prices near 1e6 with unit moves: raw sums of x*x would lose the variance entirely."""
    rng = np.random.default_rng(5)
    x = 1e6 + np.cumsum(rng.normal(0, 1, 3000))
    df = pl.DataFrame({"close": x})
    ours = as_array(vt.STDDEV(df, period=20), "stddev")
    exact = np.lib.stride_tricks.sliding_window_view(x, 20).std(axis=1)
    np.testing.assert_allclose(ours[19:], exact, rtol=1e-8)


def test_obv_ad(bars: pl.DataFrame) -> None:
    h, lo, c, v = _hlcv(bars)
    assert_matches(as_array(vo.OBV(bars), "obv"), talib.OBV(c, v))
    assert_matches(
        as_array(vo.OBV(bars, column="open"), "obv"), talib.OBV(as_array(bars, "open"), v)
    )
    assert_matches(as_array(vo.AD(bars), "ad"), talib.AD(h, lo, c, v))


@pytest.mark.parametrize(("fast", "slow"), [(3, 10), (10, 3), (2, 2), (5, 30), (None, None)])
def test_adosc(bars: pl.DataFrame, fast: int | None, slow: int | None) -> None:
    h, lo, c, v = _hlcv(bars)
    if fast is None or slow is None:
        ours, ref = vo.ADOSC(bars), talib.ADOSC(h, lo, c, v)
    else:
        ours = vo.ADOSC(bars, fastperiod=fast, slowperiod=slow)
        ref = talib.ADOSC(h, lo, c, v, fastperiod=fast, slowperiod=slow)
    assert_matches(as_array(ours, "adosc"), ref)


# ---------------------------------------------------------------------------------------------
# VWAP


def _vwap_reference(df: pl.DataFrame, anchor_ns: int | None, session: bool) -> np.ndarray:
    """Row-by-row VWAP with trading days from ``projectx.timeframes.trading_date``."""
    ts = df.get_column("ts").dt.epoch("ns").to_list()
    h, lo, c, v = _hlcv(df)
    out = np.full(df.height, np.nan)
    pv = vol = 0.0
    day = None
    for i, t in enumerate(ts):
        if session:
            d = trading_date(t)
            if d != day:
                pv = vol = 0.0
                day = d
        if anchor_ns is not None and t < anchor_ns:
            continue
        tp = (h[i] + lo[i] + c[i]) / 3.0
        pv += tp * v[i]
        vol += v[i]
        if vol:
            out[i] = pv / vol
    return out


def test_vwap_session_resets_at_cme_trading_day() -> None:
    # 5-minute bars over ~9 days (weekend and a DST change included: 2024-03-10)
    df = make_bars(2600, seed=4, start="2024-03-06 10:00")
    df = df.with_columns(
        (pl.col("ts").dt.epoch("ns") * 5 - pl.col("ts").dt.epoch("ns").first() * 4)
        .cast(pl.Datetime("ns", "UTC"))
        .alias("ts")
    )
    ours = as_array(vo.VWAP(df), "vwap")
    np.testing.assert_allclose(ours, _vwap_reference(df, None, True), rtol=1e-12)
    starts = vo.session_starts(df.get_column("ts").dt.epoch("ns").to_numpy())
    local = df.get_column("ts").dt.convert_time_zone("America/New_York")
    # every session starts at the first bar at/after 17:00 NY (or the first bar)
    for i in np.flatnonzero(starts)[1:].tolist():
        assert local[i].hour >= 17 or local[i - 1].hour < 17 or local[i].weekday() == 0
        assert ours[i] == pytest.approx(
            (as_array(df, "high")[i] + as_array(df, "low")[i] + as_array(df, "close")[i]) / 3
        )
    assert starts.sum() >= 6


def test_vwap_hand_checked() -> None:
    ts = [
        datetime(2024, 3, 5, 21, 58, tzinfo=UTC),
        datetime(2024, 3, 5, 21, 59, tzinfo=UTC),
        datetime(2024, 3, 5, 22, 0, tzinfo=UTC),
        datetime(2024, 3, 5, 22, 1, tzinfo=UTC),
    ]
    # 16:58, 16:59 NY (EST, UTC-5) belong to Mar 5; 17:00 and later to Mar 6
    df = pl.DataFrame(
        {
            "ts": ts,
            "high": [12.0, 13.0, 21.0, 30.0],
            "low": [9.0, 11.0, 18.0, 27.0],
            "close": [9.0, 12.0, 21.0, 24.0],
            "volume": [1, 3, 2, 0],
        }
    ).with_columns(pl.col("ts").dt.cast_time_unit("ns"))
    out = vo.VWAP(df).get_column("vwap").to_list()
    assert out == pytest.approx([10.0, (10.0 * 1 + 12.0 * 3) / 4, 20.0, 20.0])
    anchored = vo.VWAP(df, anchor=datetime(2024, 3, 5, 21, 59)).get_column("vwap").to_list()
    assert anchored[0] is None
    assert anchored[1:] == pytest.approx(
        [12.0, (12.0 * 3 + 20.0 * 2) / 5, (12.0 * 3 + 20.0 * 2) / 5]
    )
    whole = vo.VWAP(df, anchor=None).get_column("vwap").to_list()
    assert whole[3] == pytest.approx((10.0 + 36.0 + 40.0) / 6)


def test_vwap_zero_volume_start_is_null() -> None:
    df = make_bars(5, seed=1).with_columns(pl.Series("volume", [0, 0, 5, 0, 1]))
    out = vo.VWAP(df)
    assert out.get_column("vwap").null_count() == 2


def test_vwap_anchored(bars: pl.DataFrame) -> None:
    anchor = datetime(2024, 3, 4, 20, 0, 30, tzinfo=UTC)
    ns = int(anchor.timestamp()) * 1_000_000_000
    ours = as_array(vo.VWAP(bars, anchor=anchor), "vwap")
    np.testing.assert_allclose(ours, _vwap_reference(bars, ns, False), rtol=1e-12)
    assert np.isnan(ours).sum() == 331  # bars before 20:00:30 (14:30 + 330 min = 20:00)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda df: vt.ATR(df, period=0), "period"),
        (lambda df: vt.STDDEV(df, period=1), "period"),
        (lambda df: vt.ATR(df.drop("high")), "high"),
        (lambda df: vo.ADOSC(df, fastperiod=1), "fastperiod"),
        (lambda df: vo.OBV(df.drop("volume")), "volume"),
        (lambda df: vo.VWAP(df, anchor="weekly"), "anchor"),
        (lambda df: vo.VWAP(df.drop("ts")), "ts"),
        (
            lambda df: vo.VWAP(df.with_columns(pl.lit(None).cast(pl.Int64).alias("volume"))),
            "volume",
        ),
        (lambda df: vo.VWAP(df.with_columns(pl.lit("x").alias("ts"))), "ts"),
    ],
)
def test_bad_input(bars: pl.DataFrame, call: Any, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        call(bars.head(30))
