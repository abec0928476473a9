"""Trend-strength indicators of the momentum group: Aroon and Wilder's directional movement
(PLUS_DM, MINUS_DM, PLUS_DI, MINUS_DI, DX, ADX, ADXR), with the streaming form of ADX.

Part of the momentum group (:mod:`projectx.indicators.momentum` documents the conventions and
re-exports every name); values follow ``ext/ind_momentum.pyx`` step for step.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from projectx._native import ind_momentum as _k
from projectx.indicators._base import register
from projectx.indicators._common import int_param
from projectx.indicators._momentum_kit import (
    _HL,
    _HLC,
    Array,
    _many,
)
from projectx.indicators.streaming import (
    StreamingIndicator,
    register_stream,
)

__all__ = [
    "ADX",
    "ADXR",
    "AROON",
    "AROONOSC",
    "DX",
    "MINUS_DI",
    "MINUS_DM",
    "PLUS_DI",
    "PLUS_DM",
    "StreamingADX",
]


# ---------------------------------------------------------------------------------------------
# Aroon


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
# Streaming form: O(1) per bar, equal to the batch form bit for bit (bars with a NaN input
# are ignored until the first complete bar, as the batch form skips leading nulls).


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
