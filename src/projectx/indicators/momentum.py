"""Momentum indicators with TA-Lib's names, parameters, defaults and values, over polars frames.

Every function takes the bars frame first and returns it with its output columns added, so it
chains with ``df.pipe(RSI, period=14)``. ``period`` stands for TA-Lib's ``timeperiod``; every other
parameter keeps its TA-Lib name (``fastperiod``, ``slowk_matype``...). Values follow TA-Lib's
algorithms step for step (see ``ext/ind_momentum.pyx``): warm-up rows (TA-Lib's *lookback*) are
null, and leading nulls/NaNs in the inputs are skipped as the ``talib`` wrapper does; a null/NaN
input after the first complete row raises ValidationError (TA-Lib's interior-NaN behaviour is
build-specific, so no TA-Lib-equal value exists there). Streaming forms ignore incomplete bars
before the first complete one; later NaN inputs propagate through their state.

Output columns are named after TA-Lib's outputs: the lower-case function name for one-output
indicators (``rsi``, ``adx``...), TA-Lib's output names otherwise (``macd``, ``macdsignal``,
``macdhist``; ``slowk``, ``slowd``; ``fastk``, ``fastd``; ``aroondown``, ``aroonup``);
``prefix="x"`` turns them into ``x_rsi``, ``x_macd``...

Moving-average types (``matype``) are TA-Lib's 0..8 (SMA, EMA, WMA, DEMA, TEMA, TRIMA, KAMA,
MAMA, T3); SMA and EMA run here, the others through the overlap group's ``ma_array``. (ta-lib 0.8
also accepts its newer types 9..13; they are not offered.)

Called without a frame, every function returns its spec (``RSI(period=14)``); RSI, MACD, STOCH
(SMA/EMA smoothing) and ADX have streaming forms (``RSI(period=14).stream()``, or the
``Streaming*`` classes) whose values equal the batch columns bit for bit.

Bad input (not a frame, missing or non-numeric column, parameter outside TA-Lib's range) raises
:class:`projectx.exceptions.ValidationError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from projectx._native import ind_momentum as _k
from projectx.exceptions import ValidationError
from projectx.indicators._base import register
from projectx.indicators._common import attach, frame, int_param
from projectx.indicators.overlap import ma_array, ma_lookback
from projectx.indicators.streaming import (
    ColumnKernelStream,
    StreamingIndicator,
    field_index,
    register_stream,
)

__all__ = [
    "ADX",
    "ADXR",
    "APO",
    "AROON",
    "AROONOSC",
    "BOP",
    "CCI",
    "CMO",
    "DX",
    "MACD",
    "MACDEXT",
    "MACDFIX",
    "MFI",
    "MINUS_DI",
    "MINUS_DM",
    "MOM",
    "PLUS_DI",
    "PLUS_DM",
    "PPO",
    "ROC",
    "ROCP",
    "ROCR",
    "ROCR100",
    "RSI",
    "STOCH",
    "STOCHF",
    "STOCHRSI",
    "TRIX",
    "ULTOSC",
    "WILLR",
    "StreamingADX",
    "StreamingMACD",
    "StreamingRSI",
    "StreamingSTOCH",
]

Array = npt.NDArray[np.float64]

_HLC = ("high", "low", "close")
_HL = ("high", "low")


# ---------------------------------------------------------------------------------------------
# Validation and frame plumbing


def _inputs(ind: str, df: pl.DataFrame, columns: tuple[str, ...]) -> tuple[list[Array], int]:
    """The input columns as contiguous float64 arrays from the first row where none is
    null/NaN (as the ``talib`` wrapper), and that row's index.

    A null/NaN *after* that row is a ValidationError: TA-Lib's treatment of interior NaNs is
    build-specific (ta-lib 0.8 skips some, propagates others), so no value here could claim to
    be the TA-Lib value; fill or drop such rows first.
    """
    arrays: list[Array] = []
    begin = 0
    for name in columns:
        if name not in df.columns:
            raise ValidationError(f"{ind}: column {name!r} not in frame (has {df.columns})")
        s = df.get_column(name)
        if not s.dtype.is_numeric():
            raise ValidationError(f"{ind}: column {name!r} must be numeric, got {s.dtype}")
        a = np.ascontiguousarray(s.cast(pl.Float64).to_numpy(), dtype=np.float64)
        if a.shape[0] and np.isnan(a[0]):
            nan = np.isnan(a)
            begin = max(begin, a.shape[0] if nan.all() else int(nan.argmin()))
        arrays.append(a)
    for name, a in zip(columns, arrays, strict=True):
        bad = _k.find_nan(a, begin)
        if bad >= 0:
            raise ValidationError(
                f"{ind}: column {name!r} is null/NaN at row {bad}, after the first complete row "
                f"{begin}; fill or drop missing bars first"
            )
    return [a[begin:] for a in arrays], begin


# ---------------------------------------------------------------------------------------------
# Moving averages by TA-Lib MA type


def _matype(ind: str, name: str, value: object) -> int:
    """A TA-Lib MA type 0..8 (SMA, EMA, WMA, DEMA, TEMA, TRIMA, KAMA, MAMA, T3)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 0 <= value <= 8:
        raise ValidationError(
            f"{ind}: {name}={value!r} not supported; MA types are ints 0..8 "
            "(SMA, EMA, WMA, DEMA, TEMA, TRIMA, KAMA, MAMA, T3)"
        )
    return int(value)


_ma_lookback = ma_lookback


def _ma(x: Array, period: int, matype: int) -> Array:
    """TA-Lib ``MA`` of ``x`` (no NaN) from its natural start: NaN over the lookback. SMA and
    EMA run here; the other types come from the overlap group's kernels."""
    if period == 1:
        return x.copy()
    if matype == 0:
        return _k.sma(x, period)
    if matype == 1:
        return _k.ema(x, period)
    return ma_array(np.ascontiguousarray(x), period, matype)


def _ma_at(x: Array, start: int, period: int, matype: int) -> Array:
    """TA-Lib ``TA_MA`` asked for outputs from ``start`` on: the computation begins at
    ``start - lookback``, which re-seeds recursive MAs later than their natural start."""
    out = np.full(x.shape[0], np.nan)
    lb = _ma_lookback(period, matype)
    if start < x.shape[0]:
        out[start - lb :] = _ma(x[start - lb :], period, matype)
    return out


def _ma_valid(x: Array, first: int, period: int, matype: int) -> Array:
    """MA of ``x`` whose values start at index ``first`` (NaN before), full length."""
    out = np.full(x.shape[0], np.nan)
    if first < x.shape[0]:
        out[first:] = _ma(x[first:], period, matype)
    return out


def _blank(x: Array, upto: int) -> Array:
    x[: min(upto, x.shape[0])] = np.nan
    return x


# ---------------------------------------------------------------------------------------------
# Oscillators on one price series


def _one(
    ind: str,
    df: pl.DataFrame | None,
    column: str,
    prefix: str | None,
    outputs: tuple[str, ...],
    compute: Callable[[Array], tuple[Array, ...]],
) -> pl.DataFrame:
    f = frame(ind, df)
    (x,), begin = _inputs(ind, f, (column,))
    return attach(f, outputs, compute(x), begin, prefix)


def _many(
    ind: str,
    df: pl.DataFrame | None,
    columns: tuple[str, ...],
    prefix: str | None,
    outputs: tuple[str, ...],
    compute: Callable[..., tuple[Array, ...]],
) -> pl.DataFrame:
    f = frame(ind, df)
    arrays, begin = _inputs(ind, f, columns)
    return attach(f, outputs, compute(*arrays), begin, prefix)


@register(group="momentum", params={"period": 14}, outputs=("rsi",), streaming=True)
def RSI(
    df: pl.DataFrame | None = None,
    *,
    period: int = 14,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Relative Strength Index (Wilder): ``100 * avg_gain / (avg_gain + avg_loss)``."""
    p = int_param("RSI", "period", period, 2)
    return _one("RSI", df, column, prefix, ("rsi",), lambda x: (_k.rsi(x, p),))


@register(group="momentum", params={"period": 14}, outputs=("cmo",))
def CMO(
    df: pl.DataFrame | None = None,
    *,
    period: int = 14,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Chande Momentum Oscillator on Wilder-smoothed gains and losses, as TA-Lib."""
    p = int_param("CMO", "period", period, 2)
    return _one("CMO", df, column, prefix, ("cmo",), lambda x: (_k.cmo(x, p),))


def _shifted(x: Array, p: int) -> tuple[Array, Array]:
    """``(x[p:], x[:-p])`` views; both empty when the series is too short."""
    if x.shape[0] <= p:
        return x[:0], x[:0]
    return x[p:], x[:-p]


def _rocs(x: Array, p: int, kind: str) -> Array:
    out = np.full(x.shape[0], np.nan)
    cur, prev = _shifted(x, p)
    if kind == "mom":
        out[p:] = cur - prev
        return out
    safe = np.where(prev != 0.0, prev, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "roc":
            v = ((cur / safe) - 1.0) * 100.0
        elif kind == "rocp":
            v = (cur - prev) / safe
        elif kind == "rocr":
            v = cur / safe
        else:
            v = (cur / safe) * 100.0
    out[p:] = np.where(prev != 0.0, v, 0.0)
    return out


@register(group="momentum", params={"period": 10}, outputs=("mom",))
def MOM(
    df: pl.DataFrame | None = None,
    *,
    period: int = 10,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Momentum: ``price - price[period bars ago]``."""
    p = int_param("MOM", "period", period, 1)
    return _one("MOM", df, column, prefix, ("mom",), lambda x: (_rocs(x, p, "mom"),))


@register(group="momentum", params={"period": 10}, outputs=("roc",))
def ROC(
    df: pl.DataFrame | None = None,
    *,
    period: int = 10,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Rate of change: ``(price / prev - 1) * 100`` (0 where ``prev`` is 0, as TA-Lib)."""
    p = int_param("ROC", "period", period, 1)
    return _one("ROC", df, column, prefix, ("roc",), lambda x: (_rocs(x, p, "roc"),))


@register(group="momentum", params={"period": 10}, outputs=("rocp",))
def ROCP(
    df: pl.DataFrame | None = None,
    *,
    period: int = 10,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Rate of change percentage: ``(price - prev) / prev``."""
    p = int_param("ROCP", "period", period, 1)
    return _one("ROCP", df, column, prefix, ("rocp",), lambda x: (_rocs(x, p, "rocp"),))


@register(group="momentum", params={"period": 10}, outputs=("rocr",))
def ROCR(
    df: pl.DataFrame | None = None,
    *,
    period: int = 10,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Rate of change ratio: ``price / prev``."""
    p = int_param("ROCR", "period", period, 1)
    return _one("ROCR", df, column, prefix, ("rocr",), lambda x: (_rocs(x, p, "rocr"),))


@register(group="momentum", params={"period": 10}, outputs=("rocr100",))
def ROCR100(
    df: pl.DataFrame | None = None,
    *,
    period: int = 10,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Rate of change ratio, 100 scale: ``price / prev * 100``."""
    p = int_param("ROCR100", "period", period, 1)
    return _one("ROCR100", df, column, prefix, ("rocr100",), lambda x: (_rocs(x, p, "rocr100"),))


def _trix(x: Array, p: int) -> Array:
    out = np.full(x.shape[0], np.nan)
    e = x
    for _ in range(3):
        if e.shape[0] < p:
            return out
        e = _k.ema(e, p)[p - 1 :]
    if e.shape[0] < 2:
        return out
    prev, cur = e[:-1], e[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(prev != 0.0, ((cur / np.where(prev != 0.0, prev, 1.0)) - 1.0) * 100.0, 0.0)
    out[x.shape[0] - v.shape[0] :] = v
    return out


@register(group="momentum", params={"period": 30}, outputs=("trix",))
def TRIX(
    df: pl.DataFrame | None = None,
    *,
    period: int = 30,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """1-bar rate of change (in %) of a triple EMA."""
    p = int_param("TRIX", "period", period, 1)
    return _one("TRIX", df, column, prefix, ("trix",), lambda x: (_trix(x, p),))


# ---------------------------------------------------------------------------------------------
# MACD family, APO, PPO

_MACD_OUT = ("macd", "macdsignal", "macdhist")


def _macd_core(
    x: Array,
    fast: int,
    fast_type: int,
    slow: int,
    slow_type: int,
    signal: int,
    signal_type: int,
) -> tuple[Array, Array, Array]:
    """MACDEXT: TA-Lib asks both MAs for outputs from the larger lookback on, so recursive ones
    are seeded there (with EMAs this equals ``_k.macd``)."""
    if slow < fast:
        fast, slow, fast_type, slow_type = slow, fast, slow_type, fast_type
    start = max(_ma_lookback(slow, slow_type), _ma_lookback(fast, fast_type))
    slow_ma = _ma_at(x, start, slow, slow_type)
    fast_ma = _ma_at(x, start, fast, fast_type)
    macd = fast_ma - slow_ma
    sig = _ma_valid(macd, start, signal, signal_type)
    first = start + _ma_lookback(signal, signal_type)
    return _blank(macd, first), sig, _blank(macd - sig, first)


@register(
    group="momentum",
    params={"fastperiod": 12, "slowperiod": 26, "signalperiod": 9},
    outputs=_MACD_OUT,
    streaming=True,
)
def MACD(
    df: pl.DataFrame | None = None,
    *,
    fastperiod: int = 12,
    slowperiod: int = 26,
    signalperiod: int = 9,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Moving Average Convergence/Divergence: EMA(fast) - EMA(slow), its EMA signal, histogram.

    As TA-Lib, both EMAs are seeded at bar ``slowperiod - 1`` and ``macd`` is null until the
    signal exists.
    """
    f = int_param("MACD", "fastperiod", fastperiod, 2)
    s = int_param("MACD", "slowperiod", slowperiod, 2)
    g = int_param("MACD", "signalperiod", signalperiod, 1)
    return _one("MACD", df, column, prefix, _MACD_OUT, lambda x: _k.macd(x, f, s, g))


@register(
    group="momentum",
    params={
        "fastperiod": 12,
        "fastmatype": 0,
        "slowperiod": 26,
        "slowmatype": 0,
        "signalperiod": 9,
        "signalmatype": 0,
    },
    outputs=_MACD_OUT,
)
def MACDEXT(
    df: pl.DataFrame | None = None,
    *,
    fastperiod: int = 12,
    fastmatype: int = 0,
    slowperiod: int = 26,
    slowmatype: int = 0,
    signalperiod: int = 9,
    signalmatype: int = 0,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """MACD with a controllable moving-average type for each of its three averages."""
    f = int_param("MACDEXT", "fastperiod", fastperiod, 2)
    s = int_param("MACDEXT", "slowperiod", slowperiod, 2)
    g = int_param("MACDEXT", "signalperiod", signalperiod, 1)
    ft = _matype("MACDEXT", "fastmatype", fastmatype)
    st = _matype("MACDEXT", "slowmatype", slowmatype)
    gt = _matype("MACDEXT", "signalmatype", signalmatype)
    return _one(
        "MACDEXT", df, column, prefix, _MACD_OUT, lambda x: _macd_core(x, f, ft, s, st, g, gt)
    )


# MACDFIX's fixed factors; ta-lib 0.8 uses the doubles one ulp below 0.15 and 0.075 (matching
# them keeps results bit-identical; the nominal constants drift by ~1 ulp of the price)
_K_FIX_FAST = float(np.nextafter(0.15, 0.0))
_K_FIX_SLOW = float(np.nextafter(0.075, 0.0))


@register(group="momentum", params={"signalperiod": 9}, outputs=_MACD_OUT)
def MACDFIX(
    df: pl.DataFrame | None = None,
    *,
    signalperiod: int = 9,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """MACD 12/26 with TA-Lib's fixed smoothing factors 0.15 and 0.075."""
    g = int_param("MACDFIX", "signalperiod", signalperiod, 1)
    return _one(
        "MACDFIX",
        df,
        column,
        prefix,
        _MACD_OUT,
        lambda x: _k.macd(x, 12, 26, g, _K_FIX_FAST, _K_FIX_SLOW),
    )


def _po(x: Array, fast: int, slow: int, matype: int, percent: bool) -> Array:
    if slow < fast:
        fast, slow = slow, fast
    # unlike MACD, ta-lib 0.8 runs both averages from their natural start (no late re-seed)
    fast_ma = _ma_valid(x, 0, fast, matype)
    slow_ma = _blank(_ma_valid(x, 0, slow, matype), _ma_lookback(slow, matype))
    if not percent:
        return fast_ma - slow_ma
    zero = (slow_ma > -1e-8) & (slow_ma < 1e-8)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = ((fast_ma - slow_ma) / np.where(zero, 1.0, slow_ma)) * 100.0
    return np.where(zero, 0.0, v)


@register(
    group="momentum", params={"fastperiod": 12, "slowperiod": 26, "matype": 1}, outputs=("apo",)
)
def APO(
    df: pl.DataFrame | None = None,
    *,
    fastperiod: int = 12,
    slowperiod: int = 26,
    matype: int = 1,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Absolute Price Oscillator: ``MA(fast) - MA(slow)`` (default EMA, as the ta-lib package)."""
    f = int_param("APO", "fastperiod", fastperiod, 2)
    s = int_param("APO", "slowperiod", slowperiod, 2)
    mt = _matype("APO", "matype", matype)
    return _one("APO", df, column, prefix, ("apo",), lambda x: (_po(x, f, s, mt, False),))


@register(
    group="momentum", params={"fastperiod": 12, "slowperiod": 26, "matype": 1}, outputs=("ppo",)
)
def PPO(
    df: pl.DataFrame | None = None,
    *,
    fastperiod: int = 12,
    slowperiod: int = 26,
    matype: int = 1,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Percentage Price Oscillator: ``(MA(fast) - MA(slow)) / MA(slow) * 100``."""
    f = int_param("PPO", "fastperiod", fastperiod, 2)
    s = int_param("PPO", "slowperiod", slowperiod, 2)
    mt = _matype("PPO", "matype", matype)
    return _one("PPO", df, column, prefix, ("ppo",), lambda x: (_po(x, f, s, mt, True),))


# ---------------------------------------------------------------------------------------------
# Stochastics


def _stoch(
    h: Array, lo: Array, c: Array, fastk: int, k2: int, k2_type: int, d: int, d_type: int
) -> tuple[Array, Array]:
    """%K over ``fastk`` bars, its MA (``k2``), and the MA of that (``d``): TA-Lib's STOCH.
    STOCHF is the same with ``k2 = 1`` (identity)."""
    if k2_type <= 1 and d_type <= 1:  # SMA/EMA smoothing: one native pass
        return _k.stoch(h, lo, c, fastk, k2, k2_type, d, d_type)
    k = _k.stoch_fastk(h, lo, c, fastk)
    first = fastk - 1
    k_ma = _ma_valid(k, first, k2, k2_type)
    first += _ma_lookback(k2, k2_type)
    d_ma = _ma_valid(k_ma, first, d, d_type)
    first += _ma_lookback(d, d_type)
    return _blank(k_ma, first), d_ma


@register(
    group="momentum",
    params={
        "fastk_period": 5,
        "slowk_period": 3,
        "slowk_matype": 0,
        "slowd_period": 3,
        "slowd_matype": 0,
    },
    inputs=_HLC,
    outputs=("slowk", "slowd"),
    streaming=True,
)
def STOCH(
    df: pl.DataFrame | None = None,
    *,
    fastk_period: int = 5,
    slowk_period: int = 3,
    slowk_matype: int = 0,
    slowd_period: int = 3,
    slowd_matype: int = 0,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Slow stochastic: %K smoothed (``slowk``) and its moving average (``slowd``)."""
    fk = int_param("STOCH", "fastk_period", fastk_period, 1)
    sk = int_param("STOCH", "slowk_period", slowk_period, 1)
    sd = int_param("STOCH", "slowd_period", slowd_period, 1)
    kt = _matype("STOCH", "slowk_matype", slowk_matype)
    dt = _matype("STOCH", "slowd_matype", slowd_matype)
    return _many(
        "STOCH",
        df,
        _HLC,
        prefix,
        ("slowk", "slowd"),
        lambda h, lo, c: _stoch(h, lo, c, fk, sk, kt, sd, dt),
    )


@register(
    group="momentum",
    params={"fastk_period": 5, "fastd_period": 3, "fastd_matype": 0},
    inputs=_HLC,
    outputs=("fastk", "fastd"),
)
def STOCHF(
    df: pl.DataFrame | None = None,
    *,
    fastk_period: int = 5,
    fastd_period: int = 3,
    fastd_matype: int = 0,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Fast stochastic: raw %K (``fastk``) and its moving average (``fastd``)."""
    fk = int_param("STOCHF", "fastk_period", fastk_period, 1)
    fd = int_param("STOCHF", "fastd_period", fastd_period, 1)
    dt = _matype("STOCHF", "fastd_matype", fastd_matype)
    return _many(
        "STOCHF",
        df,
        _HLC,
        prefix,
        ("fastk", "fastd"),
        lambda h, lo, c: _stoch(h, lo, c, fk, 1, 0, fd, dt),
    )


def _stochrsi(x: Array, p: int, fk: int, fd: int, dt: int) -> tuple[Array, Array]:
    n = x.shape[0]
    k = np.full(n, np.nan)
    d = np.full(n, np.nan)
    if n <= p:
        return k, d
    r = _k.rsi(x, p)[p:]
    rk, rd = _stoch(r, r, r, fk, 1, 0, fd, dt)
    k[p:] = rk
    d[p:] = rd
    return k, d


@register(
    group="momentum",
    params={"period": 14, "fastk_period": 5, "fastd_period": 3, "fastd_matype": 0},
    outputs=("fastk", "fastd"),
)
def STOCHRSI(
    df: pl.DataFrame | None = None,
    *,
    period: int = 14,
    fastk_period: int = 5,
    fastd_period: int = 3,
    fastd_matype: int = 0,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Stochastic RSI: the fast stochastic of the RSI series."""
    p = int_param("STOCHRSI", "period", period, 2)
    fk = int_param("STOCHRSI", "fastk_period", fastk_period, 1)
    fd = int_param("STOCHRSI", "fastd_period", fastd_period, 1)
    dt = _matype("STOCHRSI", "fastd_matype", fastd_matype)
    return _one(
        "STOCHRSI", df, column, prefix, ("fastk", "fastd"), lambda x: _stochrsi(x, p, fk, fd, dt)
    )


@register(group="momentum", params={"period": 14}, inputs=_HLC, outputs=("willr",))
def WILLR(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Williams' %R: ``-100 * (highest - close) / (highest - lowest)`` over ``period`` bars."""
    p = int_param("WILLR", "period", period, 2)
    return _many("WILLR", df, _HLC, prefix, ("willr",), lambda h, lo, c: (_k.willr(h, lo, c, p),))


@register(group="momentum", params={"period": 14}, inputs=_HLC, outputs=("cci",))
def CCI(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Commodity Channel Index on the typical price ``(high + low + close) / 3``."""
    p = int_param("CCI", "period", period, 2)
    return _many("CCI", df, _HLC, prefix, ("cci",), lambda h, lo, c: (_k.cci(h, lo, c, p),))


@register(group="momentum", params={"period": 14}, inputs=_HL, outputs=("aroondown", "aroonup"))
def AROON(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Aroon down/up: how recent the lowest low / highest high of the last ``period + 1`` bars
    is, on a 0..100 scale (ties go to the most recent bar)."""
    p = int_param("AROON", "period", period, 2)
    return _many(
        "AROON", df, _HL, prefix, ("aroondown", "aroonup"), lambda h, lo: _k.aroon(h, lo, p)[:2]
    )


@register(group="momentum", params={"period": 14}, inputs=_HL, outputs=("aroonosc",))
def AROONOSC(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Aroon oscillator: Aroon up - Aroon down."""
    p = int_param("AROONOSC", "period", period, 2)
    return _many("AROONOSC", df, _HL, prefix, ("aroonosc",), lambda h, lo: _k.aroon(h, lo, p)[2:])


def _bop(o: Array, h: Array, lo: Array, c: Array) -> tuple[Array]:
    rng = h - lo
    flat = rng < 1e-8
    with np.errstate(divide="ignore", invalid="ignore"):
        v = (c - o) / np.where(flat, 1.0, rng)
    return (np.where(flat, 0.0, v),)


@register(group="momentum", params={}, inputs=("open", "high", "low", "close"), outputs=("bop",))
def BOP(df: pl.DataFrame | None = None, *, prefix: str | None = None) -> pl.DataFrame:
    """Balance Of Power: ``(close - open) / (high - low)`` (0 on a flat bar)."""
    return _many("BOP", df, ("open", "high", "low", "close"), prefix, ("bop",), _bop)


@register(group="momentum", params={"period": 14}, inputs=(*_HLC, "volume"), outputs=("mfi",))
def MFI(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Money Flow Index: RSI-like ratio of positive to total typical-price money flow."""
    p = int_param("MFI", "period", period, 2)
    return _many(
        "MFI",
        df,
        (*_HLC, "volume"),
        prefix,
        ("mfi",),
        lambda h, lo, c, v: (_k.mfi(h, lo, c, v, p),),
    )


@register(
    group="momentum",
    params={"period1": 7, "period2": 14, "period3": 28},
    inputs=_HLC,
    outputs=("ultosc",),
)
def ULTOSC(
    df: pl.DataFrame | None = None,
    *,
    period1: int = 7,
    period2: int = 14,
    period3: int = 28,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Ultimate Oscillator: buying pressure over true range on three windows, weighted 4:2:1
    (TA-Lib's ``timeperiod1..3``; the windows are sorted, shortest weighted most)."""
    a = int_param("ULTOSC", "period1", period1, 1)
    b = int_param("ULTOSC", "period2", period2, 1)
    c_ = int_param("ULTOSC", "period3", period3, 1)
    return _many(
        "ULTOSC", df, _HLC, prefix, ("ultosc",), lambda h, lo, c: (_k.ultosc(h, lo, c, a, b, c_),)
    )


# ---------------------------------------------------------------------------------------------
# Directional movement (Wilder)


def _dmi(
    ind: str,
    which: int,
    lo_period: int,
    out: str,
    df: pl.DataFrame | None,
    period: int,
    prefix: str | None,
    hl_only: bool = False,
) -> pl.DataFrame:
    p = int_param(ind, "period", period, lo_period)
    if hl_only:
        return _many(ind, df, _HL, prefix, (out,), lambda h, lo: (_k.dmi(h, lo, h, p, which),))
    return _many(ind, df, _HLC, prefix, (out,), lambda h, lo, c: (_k.dmi(h, lo, c, p, which),))


@register(group="momentum", params={"period": 14}, inputs=_HL, outputs=("plus_dm",))
def PLUS_DM(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Plus directional movement, Wilder-smoothed (raw when ``period`` is 1)."""
    return _dmi("PLUS_DM", _k.DM_PLUS, 1, "plus_dm", df, period, prefix, hl_only=True)


@register(group="momentum", params={"period": 14}, inputs=_HL, outputs=("minus_dm",))
def MINUS_DM(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Minus directional movement, Wilder-smoothed (raw when ``period`` is 1)."""
    return _dmi("MINUS_DM", _k.DM_MINUS, 1, "minus_dm", df, period, prefix, hl_only=True)


@register(group="momentum", params={"period": 14}, inputs=_HLC, outputs=("plus_di",))
def PLUS_DI(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Plus directional indicator: ``100 * smoothed +DM / smoothed true range``.

    With ``period=1`` TA-Lib returns the raw ratio ``+DM / TR`` (no factor 100); so do we.
    """
    return _dmi("PLUS_DI", _k.DI_PLUS, 1, "plus_di", df, period, prefix)


@register(group="momentum", params={"period": 14}, inputs=_HLC, outputs=("minus_di",))
def MINUS_DI(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Minus directional indicator: ``100 * smoothed -DM / smoothed true range``.

    With ``period=1`` TA-Lib returns the raw ratio ``-DM / TR`` (no factor 100); so do we.
    """
    return _dmi("MINUS_DI", _k.DI_MINUS, 1, "minus_di", df, period, prefix)


@register(group="momentum", params={"period": 14}, inputs=_HLC, outputs=("dx",))
def DX(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Directional movement index: ``100 * |+DI - -DI| / (+DI + -DI)``."""
    return _dmi("DX", _k.DX, 2, "dx", df, period, prefix)


@register(group="momentum", params={"period": 14}, inputs=_HLC, outputs=("adx",), streaming=True)
def ADX(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Average directional movement index: Wilder average of DX."""
    return _dmi("ADX", _k.ADX, 2, "adx", df, period, prefix)


def _adxr(h: Array, lo: Array, c: Array, p: int) -> tuple[Array]:
    adx = _k.dmi(h, lo, c, p, _k.ADX)
    out = np.full(adx.shape[0], np.nan)
    if adx.shape[0] > p - 1:
        out[p - 1 :] = (adx[p - 1 :] + adx[: adx.shape[0] - (p - 1)]) / 2.0
    return (out,)


@register(group="momentum", params={"period": 14}, inputs=_HLC, outputs=("adxr",))
def ADXR(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """ADX rating: mean of today's ADX and the ADX ``period - 1`` bars ago."""
    p = int_param("ADXR", "period", period, 2)
    return _many("ADXR", df, _HLC, prefix, ("adxr",), lambda h, lo, c: _adxr(h, lo, c, p))


# ---------------------------------------------------------------------------------------------
# Streaming forms (RSI, MACD, STOCH, ADX): O(1) per bar, equal to the batch form bit for bit.
# As the batch form skips leading null inputs, a stream ignores bars whose inputs are NaN until
# its first complete bar.

_NAN2 = (math.nan, math.nan)
_NAN3 = (math.nan, math.nan, math.nan)


@register_stream("RSI")
class StreamingRSI(ColumnKernelStream):
    """Streaming :func:`RSI` (same parameters); ``update`` returns the RSI float."""

    __slots__ = ()

    def __init__(self, *, period: int = 14, column: str = "close", prefix: str | None = None):
        kernel = _k.RSIStream(int_param("RSI", "period", period, 2))
        super().__init__("RSI", "rsi", kernel, period=period, column=column, prefix=prefix)


@register_stream("MACD")
class StreamingMACD(StreamingIndicator):
    """Streaming :func:`MACD` (same parameters); ``update`` returns
    ``(macd, macdsignal, macdhist)``."""

    __slots__ = ("_field", "_s")

    def __init__(
        self,
        *,
        fastperiod: int = 12,
        slowperiod: int = 26,
        signalperiod: int = 9,
        column: str = "close",
        prefix: str | None = None,
    ):
        self._s = _k.MACDStream(
            int_param("MACD", "fastperiod", fastperiod, 2),
            int_param("MACD", "slowperiod", slowperiod, 2),
            int_param("MACD", "signalperiod", signalperiod, 1),
        )
        self._field = field_index("MACD", column)
        params = {
            "fastperiod": fastperiod,
            "slowperiod": slowperiod,
            "signalperiod": signalperiod,
            "column": column,
        }
        super().__init__(_MACD_OUT, prefix, params)

    def update(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> tuple[float, float, float]:
        x = close if self._field == 3 else (open, high, low, close, volume)[self._field]
        if x != x and self.count == 0:
            return _NAN3
        self.count += 1
        return self._s.update(x)

    def update_forming(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> tuple[float, float, float]:
        x = close if self._field == 3 else (open, high, low, close, volume)[self._field]
        if x != x and self.count == 0:
            return _NAN3
        return self._s.peek(x)

    @property
    def value(self) -> tuple[float, float, float]:
        return self._s.value


@register_stream("STOCH")
class StreamingSTOCH(StreamingIndicator):
    """Streaming :func:`STOCH` (same parameters; MA types 0 SMA and 1 EMA); ``update`` returns
    ``(slowk, slowd)``."""

    __slots__ = ("_s",)

    def __init__(
        self,
        *,
        fastk_period: int = 5,
        slowk_period: int = 3,
        slowk_matype: int = 0,
        slowd_period: int = 3,
        slowd_matype: int = 0,
        prefix: str | None = None,
    ):
        kt = _matype("STOCH", "slowk_matype", slowk_matype)
        dt = _matype("STOCH", "slowd_matype", slowd_matype)
        if kt > 1 or dt > 1:
            raise ValidationError(
                "STOCH: the streaming form supports slowk_matype/slowd_matype 0 (SMA) and 1 (EMA)"
            )
        self._s = _k.StochStream(
            int_param("STOCH", "fastk_period", fastk_period, 1),
            int_param("STOCH", "slowk_period", slowk_period, 1),
            kt,
            int_param("STOCH", "slowd_period", slowd_period, 1),
            dt,
        )
        params = {
            "fastk_period": fastk_period,
            "slowk_period": slowk_period,
            "slowk_matype": slowk_matype,
            "slowd_period": slowd_period,
            "slowd_matype": slowd_matype,
        }
        super().__init__(("slowk", "slowd"), prefix, params)

    def update(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> tuple[float, float]:
        if self.count == 0 and (high != high or low != low or close != close):
            return _NAN2
        self.count += 1
        return self._s.update(high, low, close)

    def update_forming(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> tuple[float, float]:
        if self.count == 0 and (high != high or low != low or close != close):
            return _NAN2
        return self._s.peek(high, low, close)

    @property
    def value(self) -> tuple[float, float]:
        return self._s.value


@register_stream("ADX")
class StreamingADX(StreamingIndicator):
    """Streaming :func:`ADX` (same parameters); ``update`` returns the ADX float."""

    __slots__ = ("_s",)

    def __init__(self, *, period: int = 14, prefix: str | None = None):
        self._s = _k.ADXStream(int_param("ADX", "period", period, 2))
        super().__init__(("adx",), prefix, {"period": period})

    def update(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> float:
        if self.count == 0 and (high != high or low != low or close != close):
            return math.nan
        self.count += 1
        return self._s.update(high, low, close)

    def update_forming(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> float:
        if self.count == 0 and (high != high or low != low or close != close):
            return math.nan
        return self._s.peek(high, low, close)

    @property
    def value(self) -> float:
        return self._s.value


INDICATORS: Mapping[str, Callable[..., Any]] = {
    name: globals()[name] for name in __all__ if not name.startswith("Streaming")
}
