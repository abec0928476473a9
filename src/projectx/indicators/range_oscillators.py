"""Momentum oscillators on the bar's range (high, low, close; open and volume for some):
STOCH, STOCHF, STOCHRSI, WILLR, CCI, BOP, MFI and ULTOSC, with the streaming form of STOCH.

Part of the momentum group (:mod:`projectx.indicators.momentum` documents the conventions and
re-exports every name); values follow ``ext/ind_momentum.pyx`` step for step.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from projectx._native import ind_momentum as _k
from projectx.exceptions import ValidationError
from projectx.indicators._base import register
from projectx.indicators._common import int_param
from projectx.indicators._momentum_kit import (
    _HLC,
    _NAN2,
    Array,
    _blank,
    _ma_lookback,
    _ma_valid,
    _many,
    _matype,
    _one,
)
from projectx.indicators.streaming import (
    StreamingIndicator,
    register_stream,
)

__all__ = [
    "BOP",
    "CCI",
    "MFI",
    "STOCH",
    "STOCHF",
    "STOCHRSI",
    "ULTOSC",
    "WILLR",
    "StreamingSTOCH",
]


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
# Streaming form: O(1) per bar, equal to the batch form bit for bit (bars with a NaN input
# are ignored until the first complete bar, as the batch form skips leading nulls).


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
