"""Volatility indicators (ATR, NATR, TRANGE, STDDEV) with TA-Lib's values.

Same conventions as the rest of :mod:`projectx.indicators` (null warm-up, ``prefix``,
ValidationError). ATR/NATR/TRANGE run in ``projectx._native.ind_volatility`` and follow TA-Lib
step for step, including its quirk that ``NATR(period=1)`` returns the plain true range.
STDDEV uses the stable rolling variance described in :mod:`projectx.indicators.overlap`.
"""

from __future__ import annotations

import math

import polars as pl

from projectx._native import ind_volatility as _k
from projectx.indicators._base import register
from projectx.indicators._common import HLC, attach, float_param, frame, inputs, int_param
from projectx.indicators.overlap import stddev_array
from projectx.indicators.streaming import StreamingIndicator, register_stream

__all__ = ["ATR", "NATR", "STDDEV", "TRANGE", "StreamingATR"]


@register("volatility", params={"period": 14}, inputs=HLC, outputs=("atr",), streaming=True)
def ATR(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Average true range (Wilder smoothing; first value the mean of ``period`` true ranges)."""
    p = int_param("ATR", "period", period, 1)
    f = frame("ATR", df)
    (h, lo, c), begin = inputs("ATR", f, HLC)
    return attach(f, ("atr",), (_k.atr(h, lo, c, p),), begin, prefix)


@register("volatility", params={"period": 14}, inputs=HLC, outputs=("natr",))
def NATR(
    df: pl.DataFrame | None = None, *, period: int = 14, prefix: str | None = None
) -> pl.DataFrame:
    """Normalized ATR: ``ATR / close * 100`` (0 where close is ~0; TA-Lib: period 1 -> TRANGE)."""
    p = int_param("NATR", "period", period, 1)
    f = frame("NATR", df)
    (h, lo, c), begin = inputs("NATR", f, HLC)
    out = _k.trange(h, lo, c) if p == 1 else _k.atr(h, lo, c, p, True)
    return attach(f, ("natr",), (out,), begin, prefix)


@register("volatility", params={}, inputs=HLC, outputs=("trange",))
def TRANGE(df: pl.DataFrame | None = None, *, prefix: str | None = None) -> pl.DataFrame:
    """True range: ``max(high, prev close) - min(low, prev close)``."""
    f = frame("TRANGE", df)
    (h, lo, c), begin = inputs("TRANGE", f, HLC)
    return attach(f, ("trange",), (_k.trange(h, lo, c),), begin, prefix)


@register("volatility", params={"period": 5, "nbdev": 1.0}, outputs=("stddev",))
def STDDEV(
    df: pl.DataFrame | None = None,
    *,
    period: int = 5,
    nbdev: float = 1.0,
    column: str = "close",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Population standard deviation over ``period`` bars, times ``nbdev``."""
    p = int_param("STDDEV", "period", period, 2)
    k = float_param("STDDEV", "nbdev", nbdev)
    f = frame("STDDEV", df)
    (x,), begin = inputs("STDDEV", f, (column,))
    return attach(f, ("stddev",), (stddev_array(x, p, k),), begin, prefix)


@register_stream("ATR")
class StreamingATR(StreamingIndicator):
    """Streaming :func:`ATR` (same parameters); ``update`` returns the ATR float."""

    __slots__ = ("_s",)

    def __init__(self, *, period: int = 14, prefix: str | None = None):
        self._s = _k.ATRStream(int_param("ATR", "period", period, 1))
        super().__init__(("atr",), prefix, {"period": period})

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
        return self._s.peek(high, low, close)

    @property
    def value(self) -> float:
        return self._s.value
