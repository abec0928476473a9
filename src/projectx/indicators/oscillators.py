"""Momentum oscillators on one price series: RSI, CMO, MOM, the ROC family, TRIX, the MACD
family, APO and PPO, with the streaming forms of RSI and MACD.

Part of the momentum group (:mod:`projectx.indicators.momentum` documents the conventions and
re-exports every name); values follow ``ext/ind_momentum.pyx`` step for step.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from projectx._native import ind_momentum as _k
from projectx.indicators._base import register
from projectx.indicators._common import int_param
from projectx.indicators._momentum_kit import (
    _NAN3,
    Array,
    _blank,
    _ma_at,
    _ma_lookback,
    _ma_valid,
    _matype,
    _one,
)
from projectx.indicators.streaming import (
    ColumnKernelStream,
    StreamingIndicator,
    field_index,
    register_stream,
)

__all__ = [
    "APO",
    "CMO",
    "MACD",
    "MACDEXT",
    "MACDFIX",
    "MOM",
    "PPO",
    "ROC",
    "ROCP",
    "ROCR",
    "ROCR100",
    "RSI",
    "TRIX",
    "StreamingMACD",
    "StreamingRSI",
]


# ---------------------------------------------------------------------------------------------
# Single-series oscillators


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
# Streaming forms: O(1) per bar, equal to the batch form bit for bit (a stream ignores bars
# whose input is NaN until its first complete bar, as the batch form skips leading nulls).


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
