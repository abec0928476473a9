"""Plumbing shared by the overlap, volatility, volume and pattern modules: frame checks,
parameter validation, input extraction (leading null/NaN rows skipped as the ``talib`` wrapper
does) and attaching outputs (NaN warm-up -> null)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import polars as pl

from projectx.exceptions import ValidationError

Array = npt.NDArray[np.float64]

MAX_PERIOD = 100_000
MAX_REAL = 3.0e37
HL = ("high", "low")
HLC = ("high", "low", "close")
OHLC = ("open", "high", "low", "close")


def frame(ind: str, df: object) -> pl.DataFrame:
    """``df`` if it is a polars DataFrame, else ValidationError."""
    if not isinstance(df, pl.DataFrame):
        raise ValidationError(f"{ind}: expected a polars DataFrame, got {type(df).__name__}")
    return df


def int_param(ind: str, name: str, value: object, lo: int, hi: int = MAX_PERIOD) -> int:
    """``value`` as an int in ``[lo, hi]`` (TA-Lib's range), else ValidationError."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValidationError(f"{ind}: {name} must be an int, got {value!r}")
    if not lo <= int(value) <= hi:
        raise ValidationError(f"{ind}: {name} must be in [{lo}, {hi}], got {value}")
    return int(value)


def float_param(
    ind: str, name: str, value: object, lo: float = -MAX_REAL, hi: float = MAX_REAL
) -> float:
    """``value`` as a finite float in ``[lo, hi]``, else ValidationError."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValidationError(f"{ind}: {name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or not lo <= v <= hi:
        raise ValidationError(f"{ind}: {name} must be in [{lo:g}, {hi:g}], got {value!r}")
    return v


def column_array(ind: str, df: pl.DataFrame, name: object) -> Array:
    """Column ``name`` of ``df`` as a contiguous float64 array (nulls -> NaN)."""
    if not isinstance(name, str):
        raise ValidationError(f"{ind}: column name must be a str, got {name!r}")
    if name not in df.columns:
        raise ValidationError(f"{ind}: column {name!r} not in frame (has {df.columns})")
    s = df.get_column(name)
    if not s.dtype.is_numeric():
        raise ValidationError(f"{ind}: column {name!r} must be numeric, got {s.dtype}")
    a = s.cast(pl.Float64).to_numpy()
    return np.ascontiguousarray(a, dtype=np.float64)


def inputs(ind: str, df: pl.DataFrame, columns: tuple[str, ...]) -> tuple[list[Array], int]:
    """The input columns from the first row where none is null/NaN, and that row's index.

    A null/NaN *after* that row raises ValidationError: TA-Lib's handling of interior NaN is
    build-specific (a NaN poisons running sums for good), so no value there could claim to be
    TA-Lib's; fill or drop such rows first.
    """
    arrays = [column_array(ind, df, c) for c in columns]
    begin = 0
    for a in arrays:
        if a.shape[0] and a[0] == a[0]:
            continue  # common case: no leading gap
        valid = np.flatnonzero(~np.isnan(a))
        begin = max(begin, int(valid[0]) if valid.size else a.shape[0])
    for name, a in zip(columns, arrays, strict=True):
        total = float(np.add.reduce(a[begin:]))  # NaN iff a NaN (or +inf and -inf) is there
        if total != total and np.isnan(a[begin:]).any():
            row = begin + int(np.argmax(np.isnan(a[begin:])))
            raise ValidationError(
                f"{ind}: column {name!r} is null/NaN at row {row}, after the first complete row "
                f"{begin}; fill or drop such rows first"
            )
    if begin == 0:
        return arrays, 0
    return [np.ascontiguousarray(a[begin:]) for a in arrays], begin


def names(outputs: tuple[str, ...], prefix: object) -> list[str]:
    """Output column names with ``prefix_`` applied."""
    if prefix is not None and not isinstance(prefix, str):
        raise ValidationError(f"prefix must be a str, got {prefix!r}")
    return [f"{prefix}_{o}" if prefix else o for o in outputs]


def attach(
    df: pl.DataFrame,
    outputs: tuple[str, ...],
    values: tuple[Array, ...] | list[Array],
    begin: int,
    prefix: object,
) -> pl.DataFrame:
    """``df`` with ``values`` (computed from row ``begin`` on) added; NaN -> null."""
    n = df.height
    cols = []
    for name, arr in zip(names(outputs, prefix), values, strict=True):
        if begin:
            full = np.full(n, np.nan)
            full[begin:] = arr
            arr = full
        cols.append(pl.Series(name, arr, dtype=pl.Float64, nan_to_null=True))
    return df.with_columns(cols)
