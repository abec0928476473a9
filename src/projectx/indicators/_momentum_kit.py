"""Plumbing shared by the momentum group's modules (:mod:`~projectx.indicators.oscillators`,
:mod:`~projectx.indicators.range_oscillators`, :mod:`~projectx.indicators.trend`): input
validation and extraction, TA-Lib moving averages by MA type, and the frame-in/frame-out wrappers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import polars as pl

from projectx._native import ind_momentum as _k
from projectx.exceptions import ValidationError
from projectx.indicators._common import attach, frame
from projectx.indicators.overlap import ma_array, ma_lookback

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
# Frame in, frame out


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


# NaN results of a stream before its first complete bar
_NAN2 = (math.nan, math.nan)
_NAN3 = (math.nan, math.nan, math.nan)
