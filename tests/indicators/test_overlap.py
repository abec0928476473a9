"""Overlap studies against the ``ta-lib`` package on random-walk OHLCV (tick-snapped prices).

Every indicator is compared on several parameter sets including TA-Lib's defaults: null rows
exactly where TA-Lib has NaN, values within 1e-9 relative. Documented difference: STDDEV-based
outputs (BBANDS bands) get ``atol=1e-6`` on top, because where a window is flat the exact variance
is 0 and either implementation may leave a rounding residue (see ``overlap`` docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pytest

from projectx.exceptions import ValidationError
from projectx.indicators import overlap as ov
from tests.indicators.data import as_array, assert_matches, make_bars

talib = pytest.importorskip("talib")

MA_PERIODS = [1, 2, 3, 10, 30]


def _c(df: pl.DataFrame) -> np.ndarray:
    return as_array(df, "close")


SINGLE: list[tuple[str, Callable[..., pl.DataFrame], str, Callable[..., Any]]] = [
    ("SMA", ov.SMA, "sma", talib.SMA),
    ("EMA", ov.EMA, "ema", talib.EMA),
    ("WMA", ov.WMA, "wma", talib.WMA),
    ("DEMA", ov.DEMA, "dema", talib.DEMA),
    ("TEMA", ov.TEMA, "tema", talib.TEMA),
    ("TRIMA", ov.TRIMA, "trima", talib.TRIMA),
    ("KAMA", ov.KAMA, "kama", talib.KAMA),
]


@pytest.mark.parametrize("period", [*MA_PERIODS, None])
@pytest.mark.parametrize(("name", "func", "out", "ref"), SINGLE, ids=[s[0] for s in SINGLE])
def test_moving_averages(
    bars: pl.DataFrame, name: str, func: Any, out: str, ref: Any, period: int | None
) -> None:
    if period is None:  # TA-Lib's default
        ours, theirs = func(bars), ref(_c(bars))
    else:
        ours, theirs = func(bars, period=period), ref(_c(bars), timeperiod=period)
    assert_matches(as_array(ours, out), theirs)


@pytest.mark.parametrize(
    ("period", "vfactor"), [(5, 0.7), (1, 0.7), (2, 0.0), (10, 1.0), (30, 0.3)]
)
def test_t3(bars: pl.DataFrame, period: int, vfactor: float) -> None:
    ours = ov.T3(bars, period=period, vfactor=vfactor)
    assert_matches(as_array(ours, "t3"), talib.T3(_c(bars), period, vfactor))


@pytest.mark.parametrize("matype", range(9))
@pytest.mark.parametrize("period", [1, 2, 9, 30])
def test_ma_every_type(bars: pl.DataFrame, matype: int, period: int) -> None:
    ours = ov.MA(bars, period=period, matype=matype)
    assert_matches(as_array(ours, "ma"), talib.MA(_c(bars), period, matype))


@pytest.mark.parametrize(("fast", "slow"), [(0.5, 0.05), (0.9, 0.1), (0.2, 0.01), (0.99, 0.99)])
def test_mama_is_talibs_hilbert_algorithm(bars: pl.DataFrame, fast: float, slow: float) -> None:
    ours = ov.MAMA(bars, fastlimit=fast, slowlimit=slow)
    mama, fama = talib.MAMA(_c(bars), fast, slow)
    assert_matches(as_array(ours, "mama"), mama)
    assert_matches(as_array(ours, "fama"), fama)


def test_mama_adapts_unlike_an_ema(bars: pl.DataFrame) -> None:
    """The phase-driven alpha varies between the limits: MAMA is no fixed-alpha EMA."""
    x = _c(bars)
    m = as_array(ov.MAMA(bars), "mama")
    alpha = (m[33:] - m[32:-1]) / (x[33:] - m[32:-1])
    alpha = alpha[np.isfinite(alpha)]
    assert alpha.min() == pytest.approx(0.05, rel=1e-6)
    assert alpha.max() == pytest.approx(0.5, rel=1e-6)
    assert len(np.unique(np.round(alpha, 6))) > 50


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ht_trendline(seed: int) -> None:
    df = make_bars(2000, seed=seed)
    assert_matches(as_array(ov.HT_TRENDLINE(df), "ht_trendline"), talib.HT_TRENDLINE(_c(df)))


@pytest.mark.parametrize(
    ("lo", "hi", "matype"),
    [
        (2, 30, 0),
        (1, 30, 1),
        (5, 20, 2),
        (2, 10, 3),
        (3, 12, 4),
        (2, 8, 5),
        (2, 16, 6),
        (2, 30, 7),
        (2, 6, 8),
    ],
)
def test_mavp(bars: pl.DataFrame, lo: int, hi: int, matype: int) -> None:
    rng = np.random.default_rng(hi)
    periods = rng.uniform(0.0, 40.0, bars.height)
    df = bars.with_columns(pl.Series("periods", periods))
    ours = ov.MAVP(df, minperiod=lo, maxperiod=hi, matype=matype)
    ref = talib.MAVP(_c(df), periods, minperiod=lo, maxperiod=hi, matype=matype)
    assert_matches(as_array(ours, "mavp"), ref)


@pytest.mark.parametrize("period", [2, 5, 14, 50, None])
def test_midpoint_midprice(bars: pl.DataFrame, period: int | None) -> None:
    kw: dict[str, Any] = {} if period is None else {"period": period}
    tkw = {} if period is None else {"timeperiod": period}
    h, lo = as_array(bars, "high"), as_array(bars, "low")
    assert_matches(as_array(ov.MIDPOINT(bars, **kw), "midpoint"), talib.MIDPOINT(_c(bars), **tkw))
    assert_matches(as_array(ov.MIDPRICE(bars, **kw), "midprice"), talib.MIDPRICE(h, lo, **tkw))


@pytest.mark.parametrize(
    ("period", "up", "dn", "matype"),
    [
        (5, 2.0, 2.0, 0),
        (20, 2.0, 2.0, 0),
        (2, 1.0, 1.0, 0),
        (20, 2.5, 1.5, 1),
        (10, 1.0, 3.0, 2),
        (14, 2.0, 2.0, 3),
        (9, -1.0, 0.5, 5),
        (30, 2.0, 2.0, 6),
        (20, 2.0, 2.0, 7),
        (5, 2.0, 2.0, 8),
    ],
)
def test_bbands(bars: pl.DataFrame, period: int, up: float, dn: float, matype: int) -> None:
    ours = ov.BBANDS(bars, period=period, nbdevup=up, nbdevdn=dn, matype=matype)
    upper, middle, lower = talib.BBANDS(_c(bars), period, up, dn, matype)
    assert_matches(as_array(ours, "middleband"), middle)
    assert_matches(as_array(ours, "upperband"), upper, atol=1e-6)
    assert_matches(as_array(ours, "lowerband"), lower, atol=1e-6)


def test_bbands_defaults(bars: pl.DataFrame) -> None:
    upper, middle, lower = talib.BBANDS(_c(bars))
    ours = ov.BBANDS(bars)
    for col, ref in (("upperband", upper), ("middleband", middle), ("lowerband", lower)):
        assert_matches(as_array(ours, col), ref, atol=1e-6)


@pytest.mark.parametrize(
    ("acc", "mx"), [(0.02, 0.2), (0.01, 0.1), (0.05, 0.5), (0.3, 0.2), (0.0, 0.2)]
)
def test_sar(bars: pl.DataFrame, acc: float, mx: float) -> None:
    h, lo = as_array(bars, "high"), as_array(bars, "low")
    assert_matches(
        as_array(ov.SAR(bars, acceleration=acc, maximum=mx), "sar"), talib.SAR(h, lo, acc, mx)
    )


SAREXT_CASES = [
    {},
    {"startvalue": 4990.0, "offsetonreverse": 0.01},
    {
        "startvalue": -5010.0,
        "accelerationinitlong": 0.01,
        "accelerationlong": 0.03,
        "accelerationmaxlong": 0.3,
        "accelerationinitshort": 0.04,
        "accelerationshort": 0.01,
        "accelerationmaxshort": 0.1,
    },
    {"accelerationinitlong": 0.5, "accelerationmaxlong": 0.2, "accelerationlong": 0.4},
]


@pytest.mark.parametrize("kw", SAREXT_CASES)
def test_sarext(bars: pl.DataFrame, kw: dict[str, Any]) -> None:
    h, lo = as_array(bars, "high"), as_array(bars, "low")
    ours = as_array(ov.SAREXT(bars, **kw), "sarext")
    assert_matches(ours, talib.SAREXT(h, lo, **kw))
    assert (ours[1:] < 0).any() and (ours[1:] > 0).any()  # both directions occur


def test_leading_nulls_are_skipped_like_the_talib_wrapper(bars: pl.DataFrame) -> None:
    df = bars.head(500).with_columns(
        pl.when(pl.int_range(pl.len()) < 7).then(None).otherwise(pl.col("close")).alias("close")
    )
    x = as_array(df, "close")
    assert_matches(as_array(ov.EMA(df, period=10), "ema"), talib.EMA(x, 10))
    assert_matches(as_array(ov.KAMA(df, period=10), "kama"), talib.KAMA(x, 10))
    out = ov.SMA(df, period=10)
    assert out.get_column("sma").null_count() == 7 + 9


def test_short_frames_are_all_null() -> None:
    df = make_bars(20, seed=3)
    cases: list[tuple[Any, str]] = [
        (ov.SMA, "sma"),
        (ov.MAMA, "mama"),
        (ov.HT_TRENDLINE, "ht_trendline"),
        (ov.T3, "t3"),
        (ov.KAMA, "kama"),
    ]
    for func, col in cases:
        out = func(df) if func is not ov.T3 else func(df, period=10)
        assert out.get_column(col).null_count() == 20
    assert ov.SMA(df.head(0)).height == 0


def test_prefix_and_pipe(bars: pl.DataFrame) -> None:
    out = bars.pipe(ov.SMA, period=10).pipe(ov.SMA, period=20, prefix="slow")
    assert {"sma", "slow_sma"} <= set(out.columns)
    assert_matches(as_array(out, "slow_sma"), talib.SMA(_c(bars), 20))
    out = ov.BBANDS(bars, prefix="bb")
    assert {"bb_upperband", "bb_middleband", "bb_lowerband"} <= set(out.columns)


def test_other_column(bars: pl.DataFrame) -> None:
    assert_matches(
        as_array(ov.EMA(bars, column="high", period=7), "ema"), talib.EMA(as_array(bars, "high"), 7)
    )


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda df: ov.SMA(df, period=0), "period"),
        (lambda df: ov.SMA(df, period=100_001), "period"),
        (lambda df: ov.SMA(df, period=2.5), "period"),  # type: ignore[call-overload]
        (lambda df: ov.SMA(df, period=True), "period"),
        (lambda df: ov.SMA(df, column="nope"), "nope"),
        (lambda df: ov.SMA(df.with_columns(pl.lit("x").alias("close"))), "numeric"),
        (lambda df: ov.MA(df, matype=9), "matype"),
        (lambda df: ov.T3(df, vfactor=1.5), "vfactor"),
        (lambda df: ov.MAMA(df, fastlimit=1.0), "fastlimit"),
        (lambda df: ov.BBANDS(df, period=1), "period"),
        (lambda df: ov.BBANDS(df, nbdevup=float("nan")), "nbdevup"),
        (lambda df: ov.SAR(df, acceleration=-0.1), "acceleration"),
        (lambda df: ov.SAREXT(df, accelerationmaxshort=-1.0), "accelerationmaxshort"),
        (lambda df: ov.MAVP(df), "periods"),
        (
            lambda df: ov.MAVP(df.with_columns(periods=pl.lit(5.0)), minperiod=10, maxperiod=5),
            "minperiod",
        ),
        (lambda df: ov.MIDPRICE(df.drop("low")), "low"),
        (lambda df: ov.SMA(df.to_dict()), "DataFrame"),
        (lambda df: ov.SMA(df, prefix=3), "prefix"),  # type: ignore[call-overload]
        (
            lambda df: ov.EMA(
                df.with_columns(
                    pl.when(pl.int_range(pl.len()) == 20)
                    .then(None)
                    .otherwise(pl.col("close"))
                    .alias("close")
                )
            ),
            "row 20",
        ),
        (
            lambda df: ov.SAR(
                df.with_columns(
                    pl.when(pl.int_range(pl.len()) == 10)
                    .then(float("nan"))
                    .otherwise(pl.col("low"))
                    .alias("low")
                )
            ),
            "low",
        ),
    ],
)
def test_bad_input_raises_validation_error(bars: pl.DataFrame, call: Any, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        call(bars.head(50))


@pytest.mark.parametrize("period", [2, 4, 9])
def test_kama_on_exactly_flat_stretches(period: int) -> None:
    """Runs of equal prices (volatility sum exactly 0 inside them) as ta-lib 0.8 treats them."""
    rng = np.random.default_rng(period)
    x = np.repeat(np.round(rng.normal(50.0, 10.0, 300), 1), rng.integers(1, 12, 300))
    df = pl.DataFrame({"close": x})
    assert_matches(as_array(ov.KAMA(df, period=period), "kama"), talib.KAMA(x, period))
