"""Momentum indicators against the ``ta-lib`` package (the reference), on random-walk OHLCV.

Every indicator is compared on several parameter sets (defaults included): warm-up null rows must
sit exactly where TA-Lib puts NaN, values must agree to 1e-9 relative tolerance. Prices are
snapped to a 0.25 tick, as futures bars are, so flat bars, equal highs and zero moves occur and the
tie/zero rules (AROON ties, CCI/RSI zero guards, flat-bar BOP) are exercised.

Where the installed ta-lib 0.8 build departs from the classic TA-Lib C sources (RSI multiplies by
``1/period``; %K and %R are ``100 * (a / range)``, %R clamped to its scale; MFI clamps and restarts
its sums after a window without flow; EMA steps are one fused multiply-add; APO/PPO no longer
re-seed the fast EMA; APO/PPO default to EMA; %K, %R and MFI call two values equal when they are
within ~1e-14 relative), our kernels follow ta-lib 0.8, so outputs agree bit for bit or nearly,
and all within 1e-9 relative.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.exceptions import ValidationError
from projectx.indicators import momentum as m
from projectx.indicators._base import REGISTRY

talib = pytest.importorskip("talib")
TALIB_FUNCTION: Callable[..., Any] = pytest.importorskip("talib.abstract").Function


def make_bars(n: int, seed: int, tick: float = 0.25) -> pl.DataFrame:
    """Random-walk OHLCV with positive, tick-snapped prices and positive integer volumes."""
    rng = np.random.default_rng(seed)
    close = 5000.0 + np.cumsum(rng.normal(0.0, 2.0, n))
    close = np.maximum(close, 100.0)
    opn = close + rng.normal(0.0, 1.0, n)
    high = np.maximum(opn, close) + np.abs(rng.normal(0.0, 1.5, n))
    low = np.minimum(opn, close) - np.abs(rng.normal(0.0, 1.5, n))

    def snap(a: np.ndarray) -> np.ndarray:
        return np.round(a / tick) * tick

    return pl.DataFrame(
        {
            "open": snap(opn),
            "high": snap(high),
            "low": snap(low),
            "close": snap(close),
            "volume": rng.integers(1, 500, n),
        }
    )


BARS = make_bars(4000, seed=7)


def cols(df: pl.DataFrame, *names: str) -> list[np.ndarray]:
    return [df.get_column(c).cast(pl.Float64).to_numpy() for c in names]


def assert_same(ours: pl.Series, ref: np.ndarray, rtol: float = 1e-9, atol: float = 0.0) -> None:
    """Null where TA-Lib has NaN (same rows), values equal to ``rtol``."""
    got = ours.to_numpy()
    null = ours.is_null().to_numpy()
    ref_nan = np.isnan(ref)
    assert null.shape == ref_nan.shape
    if not np.array_equal(null, ref_nan):
        first = int(np.argmax(null != ref_nan))
        raise AssertionError(
            f"{ours.name}: warm-up differs at row {first} (ours null={null[first]}, "
            f"ta-lib NaN={ref_nan[first]}; ours first value at {np.argmin(null)}, "
            f"ta-lib at {np.argmin(ref_nan)})"
        )
    np.testing.assert_allclose(got[~null], ref[~ref_nan], rtol=rtol, atol=atol, err_msg=ours.name)


H, L, C, OPEN, V = cols(BARS, "high", "low", "close", "open", "volume")

# (our function, our kwargs, ta-lib callable on arrays, our output columns, tolerance kwargs)
Case = tuple[Callable[..., pl.DataFrame], dict[str, Any], Callable[[], Any], tuple[str, ...]]


def call(fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """``fn(*args)``, deferred (the ta-lib reference of one case)."""
    return lambda: fn(*args)


def _cases() -> list[tuple[str, Case]]:
    c: list[tuple[str, Case]] = []

    def add(fn: Callable[..., pl.DataFrame], kw: dict[str, Any], ref: Callable[[], Any]) -> None:
        outs = REGISTRY[fn.__name__].outputs
        label = fn.__name__ + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"
        c.append((label, (fn, kw, ref, outs)))

    for p in (14, 2, 5, 50):
        add(m.RSI, {"period": p}, call(talib.RSI, C, p))
        add(m.CMO, {"period": p}, call(talib.CMO, C, p))
        add(m.WILLR, {"period": p}, call(talib.WILLR, H, L, C, p))
        add(m.CCI, {"period": p}, call(talib.CCI, H, L, C, p))
        add(m.ADX, {"period": p}, call(talib.ADX, H, L, C, p))
        add(m.ADXR, {"period": p}, call(talib.ADXR, H, L, C, p))
        add(m.DX, {"period": p}, call(talib.DX, H, L, C, p))
        add(m.AROON, {"period": p}, call(talib.AROON, H, L, p))
        add(m.AROONOSC, {"period": p}, call(talib.AROONOSC, H, L, p))
        add(m.MFI, {"period": p}, call(talib.MFI, H, L, C, V, p))
    for p in (14, 1, 2, 30):
        add(m.PLUS_DI, {"period": p}, call(talib.PLUS_DI, H, L, C, p))
        add(m.MINUS_DI, {"period": p}, call(talib.MINUS_DI, H, L, C, p))
        add(m.PLUS_DM, {"period": p}, call(talib.PLUS_DM, H, L, p))
        add(m.MINUS_DM, {"period": p}, call(talib.MINUS_DM, H, L, p))
    for p in (10, 1, 3, 40):
        add(m.MOM, {"period": p}, call(talib.MOM, C, p))
        add(m.ROC, {"period": p}, call(talib.ROC, C, p))
        add(m.ROCP, {"period": p}, call(talib.ROCP, C, p))
        add(m.ROCR, {"period": p}, call(talib.ROCR, C, p))
        add(m.ROCR100, {"period": p}, call(talib.ROCR100, C, p))
    for p in (30, 1, 2, 9):
        add(m.TRIX, {"period": p}, call(talib.TRIX, C, p))
    add(m.BOP, {}, call(talib.BOP, OPEN, H, L, C))
    for a, b, g in ((12, 26, 9), (5, 35, 5), (26, 12, 9), (2, 3, 1), (8, 8, 4)):
        kw = {"fastperiod": a, "slowperiod": b, "signalperiod": g}
        add(m.MACD, kw, call(talib.MACD, C, a, b, g))
    for g in (9, 1, 20):
        add(m.MACDFIX, {"signalperiod": g}, call(talib.MACDFIX, C, g))
    for a, at, b, bt, g, gt in (
        (12, 0, 26, 0, 9, 0),
        (12, 1, 26, 1, 9, 1),
        (5, 1, 20, 0, 7, 1),
        (30, 0, 10, 1, 3, 0),
    ):
        kw = {
            "fastperiod": a,
            "fastmatype": at,
            "slowperiod": b,
            "slowmatype": bt,
            "signalperiod": g,
            "signalmatype": gt,
        }
        add(
            m.MACDEXT,
            kw,
            call(talib.MACDEXT, C, a, at, b, bt, g, gt),
        )
    for a, b, t in ((12, 26, 1), (12, 26, 0), (3, 10, 1), (20, 5, 0)):
        kw = {"fastperiod": a, "slowperiod": b, "matype": t}
        add(m.APO, kw, call(talib.APO, C, a, b, t))
        add(m.PPO, kw, call(talib.PPO, C, a, b, t))
    for fk, sk, kt, sd, dt in ((5, 3, 0, 3, 0), (14, 3, 1, 5, 1), (1, 1, 0, 1, 0), (9, 4, 1, 2, 0)):
        kw = {
            "fastk_period": fk,
            "slowk_period": sk,
            "slowk_matype": kt,
            "slowd_period": sd,
            "slowd_matype": dt,
        }
        add(
            m.STOCH,
            kw,
            call(talib.STOCH, H, L, C, fk, sk, kt, sd, dt),
        )
    for fk, fd, dt in ((5, 3, 0), (14, 1, 0), (10, 4, 1), (1, 1, 1)):
        kw = {"fastk_period": fk, "fastd_period": fd, "fastd_matype": dt}
        add(m.STOCHF, kw, call(talib.STOCHF, H, L, C, fk, fd, dt))
    for p, fk, fd, dt in ((14, 5, 3, 0), (2, 1, 1, 0), (21, 9, 4, 1), (7, 14, 3, 0)):
        kw = {"period": p, "fastk_period": fk, "fastd_period": fd, "fastd_matype": dt}
        add(m.STOCHRSI, kw, call(talib.STOCHRSI, C, p, fk, fd, dt))
    # every MA type (2..8 through the overlap group's kernels)
    for t in range(2, 9):
        kw = {
            "fastperiod": 5,
            "fastmatype": t,
            "slowperiod": 13,
            "slowmatype": t,
            "signalperiod": 4,
            "signalmatype": t,
        }
        add(m.MACDEXT, kw, call(talib.MACDEXT, C, 5, t, 13, t, 4, t))
        kw = {
            "fastk_period": 7,
            "slowk_period": 4,
            "slowk_matype": t,
            "slowd_period": 3,
            "slowd_matype": t,
        }
        add(m.STOCH, kw, call(talib.STOCH, H, L, C, 7, 4, t, 3, t))
        kw = {"fastk_period": 6, "fastd_period": 4, "fastd_matype": t}
        add(m.STOCHF, kw, call(talib.STOCHF, H, L, C, 6, 4, t))
        kw = {"period": 9, "fastk_period": 5, "fastd_period": 4, "fastd_matype": t}
        add(m.STOCHRSI, kw, call(talib.STOCHRSI, C, 9, 5, 4, t))
        kw = {"fastperiod": 6, "slowperiod": 15, "matype": t}
        add(m.APO, kw, call(talib.APO, C, 6, 15, t))
        add(m.PPO, kw, call(talib.PPO, C, 6, 15, t))
    for a, b, cc in ((7, 14, 28), (1, 2, 3), (28, 5, 10), (10, 10, 10)):
        kw = {"period1": a, "period2": b, "period3": cc}
        add(m.ULTOSC, kw, call(talib.ULTOSC, H, L, C, a, b, cc))
    return c


CASES = _cases()

# MA types computed by the overlap group's kernels that are not bit-identical to ta-lib (WMA,
# TRIMA, T3: running sums, ~1e-13 relative, see overlap.py; KAMA, MAMA: last-bit differences).
# Outputs built on them that are differences of price-sized averages (MACDEXT, APO, PPO) or
# averages of values near 0 (STOCHRSI's %D) inherit that as ~1e-12 *absolute* error, so those
# cases get ``atol=1e-9`` on top of ``rtol=1e-9``.
_ROUNDING_MATYPES = {2, 5, 6, 7, 8}

# Known difference in the overlap group's KAMA (not in this module): on a flat window (STOCHRSI's
# %K pinned at 100 for several bars) its efficiency ratio differs from ta-lib's. Reported; the
# case is expected to fail until the overlap kernel matches.
_KNOWN = {
    "STOCHRSI(period=9,fastk_period=5,fastd_period=4,fastd_matype=6)": (
        "overlap KAMA differs from ta-lib.KAMA on flat windows"
    ),
}


def _params() -> list[Any]:
    out = []
    for label, case in CASES:
        marks = [pytest.mark.xfail(reason=_KNOWN[label], strict=False)] if label in _KNOWN else []
        out.append(pytest.param(case, id=label, marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_matches_talib(case: Case) -> None:
    fn, kw, ref, outs = case
    out = BARS.pipe(fn, **kw)
    assert out.columns[: BARS.width] == BARS.columns
    expected = ref()
    expected = expected if isinstance(expected, tuple) else (expected,)
    assert len(expected) == len(outs)
    matypes = {v for k, v in kw.items() if k.endswith("matype")}
    atol = 1e-9 if matypes & _ROUNDING_MATYPES else 0.0  # see _ROUNDING_MATYPES
    for name, arr in zip(outs, expected, strict=True):
        assert_same(out.get_column(name), arr, atol=atol)


def test_every_momentum_indicator_is_tested_and_registered() -> None:
    """The TA-Lib comparison covers the whole group, and the registry lists each one."""
    tested = {c[0].__name__ for _, c in CASES}
    group = {name for name, info in REGISTRY.items() if info.group == "momentum"}
    assert tested == group == set(m.INDICATORS)
    for name in group:
        info = REGISTRY[name]
        assert info.outputs and info.doc
        assert set(info.params) <= set(info.func.__kwdefaults__ or {})
        for param, default in info.params.items():
            assert (info.func.__kwdefaults__ or {})[param] == default


def test_talib_default_parameters() -> None:
    """Our defaults are ta-lib's (``timeperiod`` spelled ``period``, ``timeperiodN`` ->
    ``periodN``)."""

    for name, info in REGISTRY.items():
        if info.group != "momentum":
            continue
        theirs = dict(TALIB_FUNCTION(name).info["parameters"])
        ours = {
            k.replace("period", "timeperiod") if k.startswith("period") else k: v
            for k, v in info.params.items()
        }
        assert ours == theirs, name


def test_prefix_and_column() -> None:
    df = BARS.rename({"close": "px"})
    out = df.pipe(m.RSI, period=9, column="px", prefix="fast")
    assert "fast_rsi" in out.columns
    assert_same(out.get_column("fast_rsi"), talib.RSI(C, 9))
    out = BARS.pipe(m.MACD, prefix="m")
    assert {"m_macd", "m_macdsignal", "m_macdhist"} <= set(out.columns)


def test_leading_nulls_are_skipped_like_talib_wrapper() -> None:
    """An input starting with nulls (e.g. another indicator's warm-up) is computed from its first
    value, as ``talib`` does with leading NaNs."""
    df = BARS.head(500).with_columns(
        pl.when(pl.int_range(pl.len()) < 37).then(None).otherwise(pl.col("close")).alias("close"),
        pl.when(pl.int_range(pl.len()) < 20).then(None).otherwise(pl.col("high")).alias("high"),
    )
    h, lo, c = (np.where(np.isnan(a), np.nan, a) for a in cols(df, "high", "low", "close"))
    assert_same(df.pipe(m.RSI).get_column("rsi"), talib.RSI(c, 14))
    assert_same(df.pipe(m.ADX).get_column("adx"), talib.ADX(h, lo, c, 14))
    k, d = talib.STOCH(h, lo, c)
    out = df.pipe(m.STOCH)
    assert_same(out.get_column("slowk"), k)
    assert_same(out.get_column("slowd"), d)


@pytest.mark.parametrize("n", [0, 1, 5, 14, 15, 27, 28])
def test_short_frames(n: int) -> None:
    """Frames shorter than the warm-up give all-null columns; at the boundary the first value
    appears exactly where TA-Lib's does."""
    df = BARS.head(n)
    h, lo, c = cols(df, "high", "low", "close")
    for fn, ref in (
        (m.RSI, call(talib.RSI, c, 14)),
        (m.ADX, call(talib.ADX, h, lo, c, 14)),
        (m.MACD, call(lambda x: talib.MACD(x)[0], c)),
        (m.AROONOSC, call(talib.AROONOSC, h, lo, 14)),
        (m.ULTOSC, call(talib.ULTOSC, h, lo, c)),
    ):
        out = df.pipe(fn)
        name = REGISTRY[fn.__name__].outputs[0]
        assert out.height == n
        if n:
            assert_same(out.get_column(name), ref())
        else:
            assert out.get_column(name).len() == 0


def test_flat_market_zero_guards() -> None:
    """Bars that never move: TA-Lib's zero guards give 0 (RSI, CMO, DX, WILLR, STOCH, CCI,
    BOP) instead of NaN/inf."""
    n = 100
    df = pl.DataFrame(
        {
            "open": [10.0] * n,
            "high": [10.0] * n,
            "low": [10.0] * n,
            "close": [10.0] * n,
            "volume": [5] * n,
        }
    )
    h, lo, c, o, v = cols(df, "high", "low", "close", "open", "volume")
    for fn, ref in (
        (m.RSI, talib.RSI(c)),
        (m.CMO, talib.CMO(c)),
        (m.DX, talib.DX(h, lo, c)),
        (m.ADX, talib.ADX(h, lo, c)),
        (m.PLUS_DI, talib.PLUS_DI(h, lo, c)),
        (m.WILLR, talib.WILLR(h, lo, c)),
        (m.CCI, talib.CCI(h, lo, c)),
        (m.BOP, talib.BOP(o, h, lo, c)),
        (m.MFI, talib.MFI(h, lo, c, v)),
        (m.ULTOSC, talib.ULTOSC(h, lo, c)),
    ):
        out = df.pipe(fn).get_column(REGISTRY[fn.__name__].outputs[0])
        assert_same(out, ref)
        assert np.all(out.drop_nulls().to_numpy() == 0.0)


def test_dx_and_adx_through_flat_stretches() -> None:
    """A market that goes flat mid-series: DX repeats its last value and ADX holds, as TA-Lib."""
    df = BARS.head(400)
    flat = (pl.int_range(pl.len()) >= 150) & (pl.int_range(pl.len()) < 200)
    df = df.with_columns(
        [
            pl.when(flat).then(pl.lit(5000.0)).otherwise(pl.col(c)).alias(c)
            for c in ("open", "high", "low", "close")
        ]
    )
    h, lo, c = cols(df, "high", "low", "close")
    for p in (3, 14):
        assert_same(df.pipe(m.DX, period=p).get_column("dx"), talib.DX(h, lo, c, p))
        assert_same(df.pipe(m.ADX, period=p).get_column("adx"), talib.ADX(h, lo, c, p))
        assert_same(df.pipe(m.ADXR, period=p).get_column("adxr"), talib.ADXR(h, lo, c, p))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 120),
    seed=st.integers(0, 2**32 - 1),
    period=st.integers(2, 30),
    tick=st.sampled_from([0.25, 1.0, 0.01]),
)
def test_property_short_random_series(n: int, seed: int, period: int, tick: float) -> None:
    """Any length, period and tick size: same warm-up and values as TA-Lib."""
    df = make_bars(n, seed, tick)
    h, lo, c = cols(df, "high", "low", "close")
    assert_same(df.pipe(m.RSI, period=period).get_column("rsi"), talib.RSI(c, period))
    assert_same(df.pipe(m.ADX, period=period).get_column("adx"), talib.ADX(h, lo, c, period))
    assert_same(df.pipe(m.CCI, period=period).get_column("cci"), talib.CCI(h, lo, c, period))
    out = df.pipe(m.AROON, period=period)
    dn, up = talib.AROON(h, lo, period)
    assert_same(out.get_column("aroondown"), dn)
    assert_same(out.get_column("aroonup"), up)
    out = df.pipe(m.STOCH, fastk_period=period)
    k, d = talib.STOCH(h, lo, c, period)
    assert_same(out.get_column("slowk"), k)
    assert_same(out.get_column("slowd"), d)
    out = df.pipe(m.MACD, fastperiod=max(2, period // 2), slowperiod=period, signalperiod=3)
    ref = talib.MACD(c, max(2, period // 2), period, 3)
    for name, arr in zip(("macd", "macdsignal", "macdhist"), ref, strict=True):
        assert_same(out.get_column(name), arr)


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: BARS.pipe(m.RSI, period=1), r"RSI: period must be in \[2, 100000\], got 1"),
        (lambda: BARS.pipe(m.RSI, period=100_001), r"period must be in"),
        (lambda: BARS.pipe(m.RSI, period=14.0), r"period must be an int"),  # type: ignore[arg-type]
        (lambda: BARS.pipe(m.RSI, period=True), r"period must be an int"),
        (lambda: BARS.pipe(m.MOM, period=0), r"MOM: period must be in \[1, 100000\]"),
        (lambda: BARS.pipe(m.MACD, fastperiod=1), r"MACD: fastperiod must be in \[2,"),
        (lambda: BARS.pipe(m.MACD, signalperiod=0), r"signalperiod must be in \[1,"),
        (lambda: BARS.pipe(m.ULTOSC, period2=0), r"ULTOSC: period2 must be in \[1,"),
        (lambda: BARS.pipe(m.STOCH, slowk_matype=42), r"STOCH: slowk_matype=42 not supported"),
        (lambda: BARS.pipe(m.APO, matype=-1), r"APO: matype=-1 not supported"),
        (lambda: BARS.pipe(m.RSI, column="price"), r"RSI: column 'price' not in frame"),
        (lambda: BARS.drop("volume").pipe(m.MFI), r"MFI: column 'volume' not in frame"),
        (lambda: BARS.drop("open").pipe(m.BOP), r"BOP: column 'open' not in frame"),
        (
            lambda: BARS.with_columns(pl.col("close").cast(pl.String)).pipe(m.RSI),
            r"RSI: column 'close' must be numeric, got String",
        ),
        (lambda: m.ADX({"high": [1.0]}), r"ADX: expected a polars DataFrame, got dict"),  # type: ignore[call-overload]
        (lambda: BARS.pipe(m.RSI, prefix=3), r"prefix must be a str"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_raises_validation_error(call: Callable[[], Any], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        call()


_ROW = pl.int_range(pl.len())


@pytest.mark.parametrize(
    ("df", "fn", "match"),
    [
        (
            BARS.with_columns(
                pl.when(_ROW == 100).then(None).otherwise(pl.col("close")).alias("close")
            ),
            m.RSI,
            r"RSI: column 'close' is null/NaN at row 100, after the first complete row 0",
        ),
        (
            BARS.with_columns(
                pl.when(_ROW == 7).then(float("nan")).otherwise(pl.col("high")).alias("high")
            ),
            m.ADX,
            r"ADX: column 'high' is null/NaN at row 7",
        ),
        (
            BARS.with_columns(
                pl.when(_ROW < 5).then(None).otherwise(pl.col("volume")).alias("volume"),
                pl.when(_ROW == 50).then(None).otherwise(pl.col("low")).alias("low"),
            ),
            m.MFI,
            r"MFI: column 'low' is null/NaN at row 50, after the first complete row 5",
        ),
    ],
)
def test_interior_missing_values_rejected(
    df: pl.DataFrame, fn: Callable[..., Any], match: str
) -> None:
    """A gap after the first complete row is an error, not a silently TA-Lib-unlike value."""
    with pytest.raises(ValidationError, match=match):
        df.pipe(fn)


def test_integer_and_float32_inputs_accepted() -> None:
    """Numeric columns of any dtype are read as float64."""
    df = BARS.with_columns(pl.col("close").cast(pl.Int64), pl.col("high").cast(pl.Float32))
    c64 = df.get_column("close").cast(pl.Float64).to_numpy()
    assert_same(df.pipe(m.RSI).get_column("rsi"), talib.RSI(c64, 14))
    h, lo, c, v = cols(BARS, "high", "low", "close", "volume")
    out = BARS.with_columns(pl.col("high").cast(pl.Float32)).pipe(m.MFI)  # volume is Int64
    assert_same(out.get_column("mfi"), talib.MFI(h, lo, c, v, 14))


def test_inconsistent_bars_clamped_like_talib() -> None:
    """Closes outside the high/low range (bad data): as ta-lib, %R and MFI stay on their scale,
    %K does not."""
    df = BARS.head(600).with_columns(
        pl.when(pl.int_range(pl.len()) % 17 == 0)
        .then(pl.col("high") + 3.0)
        .when(pl.int_range(pl.len()) % 23 == 0)
        .then(pl.col("low") - 3.0)
        .otherwise(pl.col("close"))
        .alias("close")
    )
    h, lo, c, v = cols(df, "high", "low", "close", "volume")
    assert_same(df.pipe(m.WILLR).get_column("willr"), talib.WILLR(h, lo, c, 14))
    k, d = talib.STOCHF(h, lo, c, 5, 3, 0)
    out = df.pipe(m.STOCHF)
    assert_same(out.get_column("fastk"), k)
    assert_same(out.get_column("fastd"), d)
    assert_same(df.pipe(m.MFI).get_column("mfi"), talib.MFI(h, lo, c, v, 14))
    assert df.pipe(m.WILLR).get_column("willr").drop_nulls().is_between(-100.0, 0.0).all()


def _talib_name(param: str) -> str:
    return param.replace("period", "timeperiod") if param.startswith("period") else param


@settings(max_examples=150, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(m.INDICATORS)))
def test_property_any_indicator_any_parameters(data: st.DataObject, name: str) -> None:
    """Every indicator, random length / tick / parameters (MA types SMA or EMA): the ta-lib
    abstract API on the same columns gives the same warm-up and values."""

    n = data.draw(st.integers(1, 150), label="n")
    tick = data.draw(st.sampled_from([0.25, 1.0, 0.01]), label="tick")
    df = make_bars(n, data.draw(st.integers(0, 2**32 - 1), label="seed"), tick)
    params: dict[str, int] = {}
    for p in REGISTRY[name].params:
        if p.endswith("matype"):
            params[p] = data.draw(st.sampled_from([0, 1]), label=p)
        else:
            params[p] = data.draw(st.integers(2, 30), label=p)
    arrays = dict(
        zip(
            ("open", "high", "low", "close", "volume"),
            cols(df, "open", "high", "low", "close", "volume"),
            strict=True,
        )
    )
    ref = TALIB_FUNCTION(name)(arrays, **{_talib_name(k): v for k, v in params.items()})
    ref = ref if isinstance(ref, list) else [ref]
    out = df.pipe(m.INDICATORS[name], **params)
    for column, arr in zip(REGISTRY[name].outputs, ref, strict=True):
        assert_same(out.get_column(column), np.asarray(arr))


@pytest.mark.parametrize("level", [1.0, 3.0, 97.5, 5000.25, 1e6])
def test_flat_window_threshold_matches_talib(level: float) -> None:
    """ta-lib 0.8 calls a %K/%R window flat when its range is within ~2e-14 of its level (not
    only when exactly 0); walk the range up ulp by ulp across that threshold."""
    x = level
    rows = []
    for _ in range(200):
        rows.append((level, x))
        x = float(np.nextafter(x, np.inf))
    a = np.array([v for pair in rows for v in pair])  # windows of 2 bars: (level, level + k ulp)
    df = pl.DataFrame({"high": a, "low": a, "close": a})
    k_ref = talib.STOCHF(a, a, a, 2, 1, 0)[0][1::2]
    r_ref = talib.WILLR(a, a, a, 2)[1::2]
    k_ours = df.pipe(m.STOCHF, fastk_period=2, fastd_period=1).get_column("fastk").to_numpy()
    r_ours = df.pipe(m.WILLR, period=2).get_column("willr").to_numpy()
    assert np.array_equal(k_ours[1::2], k_ref)
    assert np.array_equal(r_ours[1::2], r_ref)
    assert 0.0 in k_ref and 100.0 in k_ref  # the threshold is inside the walked range
