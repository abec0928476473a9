"""Overlap studies (moving averages, bands, SAR, Hilbert trendline) with TA-Lib's values.

Functions take the bars frame first and return it with their outputs added (see
:mod:`projectx.indicators` for the naming rule, null warm-up and errors). Recursive kernels
(EMA family, KAMA, MAMA, SAR, Hilbert transform) run in ``projectx._native.ind_overlap``.

Documented differences from TA-Lib:

* STDDEV/BBANDS (and VAR inside them): ta-lib 0.8 computes the variance in a numerically stable
  way; we use a stable rolling form (sums around an anchor re-centred every ``period`` bars).
  Both agree with the exact variance to ~1e-11 relative, hence with each other to 1e-9, except
  where the exact variance is 0 (flat window): either side may then give a deviation of order
  1e-7 or 0, so the tests add ``atol=1e-6`` for the deviation-based outputs.
* KAMA follows ta-lib 0.8: a window counts as flat (efficiency ratio 1) when the running sum of
  absolute changes is below 1e-14 (ta-lib 0.8's epsilon; classic TA-Lib used 1e-8). On inputs
  flat only *up to rounding* (e.g. an oscillator pinned at 100 whose values differ by 1e-13)
  the ratio divides rounding residues, and its value depends on how each side's running sum
  rounded: there ours may differ from TA-Lib's. Exactly flat and ordinary windows agree.
* TRIMA is computed as TA-Lib defines it, an SMA of an SMA; TA-Lib's single-pass running sums
  round differently (~1e-13 relative).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import polars as pl

from projectx._native import ind_overlap as _k
from projectx.exceptions import ValidationError
from projectx.indicators._base import register
from projectx.indicators._common import (
    HL,
    MAX_REAL,
    Array,
    attach,
    float_param,
    frame,
    inputs,
    int_param,
)
from projectx.indicators.streaming import (
    ColumnKernelStream,
    StreamingIndicator,
    field_index,
    register_stream,
)

__all__ = [
    "BBANDS",
    "DEMA",
    "EMA",
    "HT_TRENDLINE",
    "KAMA",
    "MA",
    "MAMA",
    "MAVP",
    "MIDPOINT",
    "MIDPRICE",
    "SAR",
    "SAREXT",
    "SMA",
    "T3",
    "TEMA",
    "TRIMA",
    "WMA",
    "StreamingBBANDS",
    "StreamingEMA",
    "StreamingSMA",
    "ma_array",
    "ma_lookback",
]

MA_TYPES = {0: "SMA", 1: "EMA", 2: "WMA", 3: "DEMA", 4: "TEMA", 5: "TRIMA", 6: "KAMA", 7: "MAMA"}
MA_TYPES[8] = "T3"


# ---------------------------------------------------------------------------------------------
# Array-level moving averages (also used by the momentum group through ``ma_array``)


def ma_lookback(period: int, matype: int) -> int:
    """TA-Lib's ``TA_MA_Lookback``: leading values without output."""
    if period == 1:
        return 0
    return {3: 2 * (period - 1), 4: 3 * (period - 1), 6: period, 7: 32, 8: 6 * (period - 1)}.get(
        matype, period - 1
    )


def _trima(x: Array, period: int) -> Array:
    n1, n2 = (period + 1) // 2, (period + 1) // 2
    if period % 2 == 0:
        n1, n2 = period // 2, period // 2 + 1
    out = np.full(x.shape[0], np.nan)
    first = _k.sma(x, n1)
    if x.shape[0] >= n1:
        out[n1 - 1 :] = _k.sma(np.ascontiguousarray(first[n1 - 1 :]), n2)
    return out


def ma_array(x: Array, period: int, matype: int, vfactor: float = 0.7) -> Array:
    """TA-Lib ``MA(x, period, matype)`` of a NaN-free float64 array, NaN over the lookback.

    ``matype``: 0 SMA, 1 EMA, 2 WMA, 3 DEMA, 4 TEMA, 5 TRIMA, 6 KAMA, 7 MAMA (fast 0.5,
    slow 0.05; ``period`` ignored), 8 T3 (``vfactor``). ``period == 1`` copies the input.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    if period == 1:
        return x.copy()
    if matype == 0:
        out: Array = _k.sma(x, period)
    elif matype == 1:
        out = _k.ema(x, period)
    elif matype == 2:
        out = _k.wma(x, period)
    elif matype == 3:
        out = _k.ema_cascade(x, period, 2)
    elif matype == 4:
        out = _k.ema_cascade(x, period, 3)
    elif matype == 5:
        out = _trima(x, period)
    elif matype == 6:
        out = _k.kama(x, period)
    elif matype == 7:
        out = _k.mama(x, 0.5, 0.05)[0]
    elif matype == 8:
        out = _k.ema_cascade(x, period, 6, vfactor)
    else:
        raise ValidationError(f"matype must be 0..8 ({MA_TYPES}), got {matype!r}")
    return out


def _matype(ind: str, value: object, name: str = "matype") -> int:
    return int_param(ind, name, value, 0, 8)


def _single(
    ind: str,
    df: pl.DataFrame | None,
    column: str,
    prefix: str | None,
    outputs: tuple[str, ...],
    compute: Callable[[Array], Array | tuple[Array, ...]],
) -> pl.DataFrame:
    f = frame(ind, df)
    (x,), begin = inputs(ind, f, (column,))
    result = compute(x)
    values = result if isinstance(result, tuple) else (result,)
    return attach(f, outputs, values, begin, prefix)


# ---------------------------------------------------------------------------------------------
# Moving averages


@register("overlap", params={"period": 30}, outputs=("sma",), streaming=True)
def SMA(
    df: pl.DataFrame | None = None,
    *,
    period: int = 30,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Simple moving average of ``column`` over ``period`` bars."""
    p = int_param("SMA", "period", period, 1)
    return _single("SMA", df, column, prefix, ("sma",), lambda x: ma_array(x, p, 0))


@register("overlap", params={"period": 30}, outputs=("ema",), streaming=True)
def EMA(
    df: pl.DataFrame | None = None,
    *,
    period: int = 30,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Exponential moving average, ``k = 2 / (period + 1)``, seeded with the first SMA."""
    p = int_param("EMA", "period", period, 1)
    return _single("EMA", df, column, prefix, ("ema",), lambda x: ma_array(x, p, 1))


@register("overlap", params={"period": 30}, outputs=("wma",))
def WMA(
    df: pl.DataFrame | None = None,
    *,
    period: int = 30,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Linearly weighted moving average (weights 1..period, newest heaviest)."""
    p = int_param("WMA", "period", period, 1)
    return _single("WMA", df, column, prefix, ("wma",), lambda x: ma_array(x, p, 2))


@register("overlap", params={"period": 30}, outputs=("dema",))
def DEMA(
    df: pl.DataFrame | None = None,
    *,
    period: int = 30,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Double EMA: ``2 * EMA - EMA(EMA)``."""
    p = int_param("DEMA", "period", period, 1)
    return _single("DEMA", df, column, prefix, ("dema",), lambda x: ma_array(x, p, 3))


@register("overlap", params={"period": 30}, outputs=("tema",))
def TEMA(
    df: pl.DataFrame | None = None,
    *,
    period: int = 30,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Triple EMA: ``3 * EMA - 3 * EMA(EMA) + EMA(EMA(EMA))``."""
    p = int_param("TEMA", "period", period, 1)
    return _single("TEMA", df, column, prefix, ("tema",), lambda x: ma_array(x, p, 4))


@register("overlap", params={"period": 30}, outputs=("trima",))
def TRIMA(
    df: pl.DataFrame | None = None,
    *,
    period: int = 30,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Triangular moving average (an SMA of an SMA)."""
    p = int_param("TRIMA", "period", period, 1)
    return _single("TRIMA", df, column, prefix, ("trima",), lambda x: ma_array(x, p, 5))


@register("overlap", params={"period": 30}, outputs=("kama",))
def KAMA(
    df: pl.DataFrame | None = None,
    *,
    period: int = 30,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Kaufman adaptive moving average (efficiency ratio over ``period``; fast 2, slow 30)."""
    p = int_param("KAMA", "period", period, 1)
    return _single("KAMA", df, column, prefix, ("kama",), lambda x: ma_array(x, p, 6))


@register("overlap", params={"period": 5, "vfactor": 0.7}, outputs=("t3",))
def T3(
    df: pl.DataFrame | None = None,
    *,
    period: int = 5,
    vfactor: float = 0.7,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Tillson T3: six cascaded EMAs combined with volume factor ``vfactor``."""
    p = int_param("T3", "period", period, 1)
    v = float_param("T3", "vfactor", vfactor, 0.0, 1.0)
    return _single("T3", df, column, prefix, ("t3",), lambda x: ma_array(x, p, 8, v))


@register("overlap", params={"period": 30, "matype": 0}, outputs=("ma",))
def MA(
    df: pl.DataFrame | None = None,
    *,
    period: int = 30,
    matype: int = 0,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Moving average of type ``matype`` (0 SMA, 1 EMA, 2 WMA, 3 DEMA, 4 TEMA, 5 TRIMA,
    6 KAMA, 7 MAMA, 8 T3)."""
    p = int_param("MA", "period", period, 1)
    mt = _matype("MA", matype)
    return _single("MA", df, column, prefix, ("ma",), lambda x: ma_array(x, p, mt))


@register("overlap", params={"fastlimit": 0.5, "slowlimit": 0.05}, outputs=("mama", "fama"))
def MAMA(
    df: pl.DataFrame | None = None,
    *,
    fastlimit: float = 0.5,
    slowlimit: float = 0.05,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """MESA adaptive moving average (Ehlers, Hilbert-transform phase rate): ``mama``, ``fama``."""
    fl = float_param("MAMA", "fastlimit", fastlimit, 0.01, 0.99)
    sl = float_param("MAMA", "slowlimit", slowlimit, 0.01, 0.99)
    return _single("MAMA", df, column, prefix, ("mama", "fama"), lambda x: _k.mama(x, fl, sl))


@register(
    "overlap",
    params={"periods": "periods", "minperiod": 2, "maxperiod": 30, "matype": 0},
    inputs=("close", "periods"),
    outputs=("mavp",),
)
def MAVP(
    df: pl.DataFrame | None = None,
    *,
    periods: str = "periods",
    minperiod: int = 2,
    maxperiod: int = 30,
    matype: int = 0,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Moving average with a per-bar period read from column ``periods`` (truncated to an int,
    clamped to ``[minperiod, maxperiod]``)."""
    lo = int_param("MAVP", "minperiod", minperiod, 1)
    hi = int_param("MAVP", "maxperiod", maxperiod, 2)
    if lo > hi:
        raise ValidationError(f"MAVP: minperiod ({lo}) must not exceed maxperiod ({hi})")
    mt = _matype("MAVP", matype)
    f = frame("MAVP", df)
    (x, per), begin = inputs("MAVP", f, (column, periods))
    n = x.shape[0]
    out = np.full(n, np.nan)
    start = ma_lookback(hi, mt)
    if start < n:
        q = np.clip(per[start:].astype(np.int64), lo, hi)
        for period in np.unique(q).tolist():
            lb = ma_lookback(period, mt)
            ma = ma_array(np.ascontiguousarray(x[start - lb :]), period, mt)
            rows = np.flatnonzero(q == period)
            out[start + rows] = ma[lb + rows]
    return attach(f, ("mavp",), (out,), begin, prefix)


# ---------------------------------------------------------------------------------------------
# Ranges and bands


def _rolling(x: Array, period: int, kind: str) -> Array:
    s = pl.Series(x)
    r = s.rolling_max(period) if kind == "max" else s.rolling_min(period)
    return r.to_numpy().astype(np.float64)


@register("overlap", params={"period": 14}, outputs=("midpoint",))
def MIDPOINT(
    df: pl.DataFrame | None = None,
    *,
    period: int = 14,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """``(highest + lowest) / 2`` of ``column`` over ``period`` bars."""
    p = int_param("MIDPOINT", "period", period, 2)
    return _single(
        "MIDPOINT",
        df,
        column,
        prefix,
        ("midpoint",),
        lambda x: (_rolling(x, p, "max") + _rolling(x, p, "min")) / 2.0,
    )


@register("overlap", params={"period": 14}, inputs=HL, outputs=("midprice",))
def MIDPRICE(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """``(highest high + lowest low) / 2`` over ``period`` bars."""
    p = int_param("MIDPRICE", "period", period, 2)
    f = frame("MIDPRICE", df)
    (h, lo), begin = inputs("MIDPRICE", f, HL)
    out = (_rolling(h, p, "max") + _rolling(lo, p, "min")) / 2.0
    return attach(f, ("midprice",), (out,), begin, prefix)


def stddev_array(x: Array, period: int, nbdev: float = 1.0) -> Array:
    """Rolling population standard deviation times ``nbdev`` (NaN over ``period - 1``)."""
    result: Array = _k.variance(x, period, True, nbdev)
    return result


_BB_OUT = ("upperband", "middleband", "lowerband")


@register(
    "overlap",
    params={"period": 20, "nbdevup": 2.0, "nbdevdn": 2.0, "matype": 0},
    outputs=_BB_OUT,
    streaming=True,
)
def BBANDS(
    df: pl.DataFrame | None = None,
    *,
    period: int = 20,
    nbdevup: float = 2.0,
    nbdevdn: float = 2.0,
    matype: int = 0,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Bollinger bands: ``MA(matype) +/- nbdev * population stddev`` over ``period`` bars."""
    p = int_param("BBANDS", "period", period, 2)
    up = float_param("BBANDS", "nbdevup", nbdevup)
    dn = float_param("BBANDS", "nbdevdn", nbdevdn)
    mt = _matype("BBANDS", matype)

    def compute(x: Array) -> tuple[Array, Array, Array]:
        mid = ma_array(x, p, mt)
        upper, lower = _k.bands(x, mid, p, up, dn)
        return upper, mid, lower

    return _single("BBANDS", df, column, prefix, _BB_OUT, compute)


# ---------------------------------------------------------------------------------------------
# Parabolic SAR and Hilbert trendline


@register("overlap", params={"acceleration": 0.02, "maximum": 0.2}, inputs=HL, outputs=("sar",))
def SAR(
    df: pl.DataFrame | None = None,
    *,
    acceleration: float = 0.02,
    maximum: float = 0.2,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Parabolic SAR (Wilder); the first direction from the first bars' directional move."""
    a = float_param("SAR", "acceleration", acceleration, 0.0)
    m = float_param("SAR", "maximum", maximum, 0.0)
    f = frame("SAR", df)
    (h, lo), begin = inputs("SAR", f, HL)
    out = _k.sar(h, lo, 0.0, 0.0, a, a, m, a, a, m, False)
    return attach(f, ("sar",), (out,), begin, prefix)


_SAREXT_PARAMS = {
    "startvalue": 0.0,
    "offsetonreverse": 0.0,
    "accelerationinitlong": 0.02,
    "accelerationlong": 0.02,
    "accelerationmaxlong": 0.2,
    "accelerationinitshort": 0.02,
    "accelerationshort": 0.02,
    "accelerationmaxshort": 0.2,
}


@register("overlap", params=_SAREXT_PARAMS, inputs=HL, outputs=("sarext",))
def SAREXT(
    df: pl.DataFrame | None = None,
    *,
    startvalue: float = 0.0,
    offsetonreverse: float = 0.0,
    accelerationinitlong: float = 0.02,
    accelerationlong: float = 0.02,
    accelerationmaxlong: float = 0.2,
    accelerationinitshort: float = 0.02,
    accelerationshort: float = 0.02,
    accelerationmaxshort: float = 0.2,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Parabolic SAR, extended: separate long/short accelerations; negative while short."""
    sv = float_param("SAREXT", "startvalue", startvalue)
    off, il, al, ml, ish, ash, msh = (
        float_param("SAREXT", name, value, 0.0, MAX_REAL)
        for name, value in (
            ("offsetonreverse", offsetonreverse),
            ("accelerationinitlong", accelerationinitlong),
            ("accelerationlong", accelerationlong),
            ("accelerationmaxlong", accelerationmaxlong),
            ("accelerationinitshort", accelerationinitshort),
            ("accelerationshort", accelerationshort),
            ("accelerationmaxshort", accelerationmaxshort),
        )
    )
    f = frame("SAREXT", df)
    (h, lo), begin = inputs("SAREXT", f, HL)
    out = _k.sar(h, lo, sv, off, il, al, ml, ish, ash, msh, True)
    return attach(f, ("sarext",), (out,), begin, prefix)


@register("overlap", params={}, outputs=("ht_trendline",))
def HT_TRENDLINE(
    df: pl.DataFrame | None = None, *, column: str = "close", prefix: str | None = None
) -> pl.DataFrame:
    """Hilbert-transform instantaneous trendline (Ehlers; dominant-cycle average, 63-bar
    lookback)."""
    return _single("HT_TRENDLINE", df, column, prefix, ("ht_trendline",), _k.ht_trendline)


# ---------------------------------------------------------------------------------------------
# Streaming forms


@register_stream("SMA")
class StreamingSMA(ColumnKernelStream):
    """Streaming :func:`SMA` (same parameters); ``update`` returns the SMA float."""

    __slots__ = ()

    def __init__(self, *, period: int = 30, column: str = "close", prefix: str | None = None):
        kernel = _k.SMAStream(int_param("SMA", "period", period, 1))
        super().__init__("SMA", "sma", kernel, period=period, column=column, prefix=prefix)


@register_stream("EMA")
class StreamingEMA(ColumnKernelStream):
    """Streaming :func:`EMA` (same parameters); ``update`` returns the EMA float."""

    __slots__ = ()

    def __init__(self, *, period: int = 30, column: str = "close", prefix: str | None = None):
        kernel = _k.EMAStream(int_param("EMA", "period", period, 1))
        super().__init__("EMA", "ema", kernel, period=period, column=column, prefix=prefix)


@register_stream("BBANDS")
class StreamingBBANDS(StreamingIndicator):
    """Streaming :func:`BBANDS` with an SMA middle band (``matype=0`` only);
    ``update`` returns ``(upperband, middleband, lowerband)``."""

    __slots__ = ("_field", "_s")

    def __init__(
        self,
        *,
        period: int = 20,
        nbdevup: float = 2.0,
        nbdevdn: float = 2.0,
        matype: int = 0,
        column: str = "close",
        prefix: str | None = None,
    ):
        p = int_param("BBANDS", "period", period, 2)
        up = float_param("BBANDS", "nbdevup", nbdevup)
        dn = float_param("BBANDS", "nbdevdn", nbdevdn)
        if _matype("BBANDS", matype) != 0:
            raise ValidationError("BBANDS: the streaming form supports matype 0 (SMA) only")
        self._s = _k.BBandsStream(p, up, dn)
        self._field = field_index("BBANDS", column)
        params = {"period": period, "nbdevup": nbdevup, "nbdevdn": nbdevdn, "matype": matype}
        super().__init__(_BB_OUT, prefix, {**params, "column": column})

    def update(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> tuple[float, float, float]:
        x = close if self._field == 3 else (open, high, low, close, volume)[self._field]
        if x != x and self.count == 0:
            return (math.nan, math.nan, math.nan)
        self.count += 1
        return self._s.update(x)

    def update_forming(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> tuple[float, float, float]:
        x = close if self._field == 3 else (open, high, low, close, volume)[self._field]
        if x != x and self.count == 0:
            return (math.nan, math.nan, math.nan)
        return self._s.peek(x)

    @property
    def value(self) -> tuple[float, float, float]:
        return self._s.value
