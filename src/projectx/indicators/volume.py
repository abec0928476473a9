"""Volume indicators: OBV, AD, ADOSC (TA-Lib's values) and VWAP (session- or time-anchored).

Same conventions as the rest of :mod:`projectx.indicators`. VWAP is not a TA-Lib function:

* ``VWAP(df)`` (``anchor="session"``): cumulative ``sum(typical * volume) / sum(volume)`` with
  ``typical = (high + low + close) / 3``, restarted at each CME trading day (the 18:00 New York
  open after the 17:00 close; weekend bars belong to Monday), the calendar of
  :func:`projectx.timeframes.trading_date`. Bars are assigned by their ``ts`` (open time).
* ``VWAP(df, anchor=datetime)``: cumulative from the first bar whose ``ts >= anchor`` (null
  before); a naive datetime is taken as UTC.
* ``VWAP(df, anchor=None)``: cumulative over the whole frame.

A null/NaN input raises ValidationError. Rows where the cumulated volume is still 0 are null
(TA-Lib's own VWAP, which is ours with ``anchor=None``, returns 0.0 there).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import polars as pl

from projectx._native import ind_volume as _k
from projectx.exceptions import ValidationError
from projectx.indicators._base import register
from projectx.indicators._common import (
    HLC,
    Array,
    attach,
    column_array,
    frame,
    inputs,
    int_param,
)
from projectx.indicators.streaming import StreamingIndicator, field_index, register_stream
from projectx.timeframes import CalendarKind, calendar_period

__all__ = ["AD", "ADOSC", "OBV", "VWAP", "StreamingOBV", "StreamingVWAP", "session_starts"]

_HLCV = (*HLC, "volume")


@register("volume", params={}, inputs=("close", "volume"), outputs=("obv",), streaming=True)
def OBV(
    df: pl.DataFrame | None = None, *, column: str = "close", prefix: str | None = None
) -> pl.DataFrame:
    """On-balance volume: running volume added on up closes, subtracted on down closes."""
    f = frame("OBV", df)
    (x, v), begin = inputs("OBV", f, (column, "volume"))
    return attach(f, ("obv",), (_k.obv(x, v),), begin, prefix)


@register("volume", params={}, inputs=_HLCV, outputs=("ad",))
def AD(df: pl.DataFrame | None = None, *, prefix: str | None = None) -> pl.DataFrame:
    """Chaikin accumulation/distribution line."""
    f = frame("AD", df)
    (h, lo, c, v), begin = inputs("AD", f, _HLCV)
    return attach(f, ("ad",), (_k.ad(h, lo, c, v),), begin, prefix)


@register("volume", params={"fastperiod": 3, "slowperiod": 10}, inputs=_HLCV, outputs=("adosc",))
def ADOSC(
    df: pl.DataFrame | None = None,
    *,
    fastperiod: int = 3,
    slowperiod: int = 10,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Chaikin A/D oscillator: ``EMA(AD, fastperiod) - EMA(AD, slowperiod)``."""
    fp = int_param("ADOSC", "fastperiod", fastperiod, 2)
    sp = int_param("ADOSC", "slowperiod", slowperiod, 2)
    f = frame("ADOSC", df)
    (h, lo, c, v), begin = inputs("ADOSC", f, _HLCV)
    return attach(f, ("adosc",), (_k.adosc(h, lo, c, v, fp, sp),), begin, prefix)


# ---------------------------------------------------------------------------------------------
# VWAP


I64 = npt.NDArray[np.int64]
_SESSION, _AT, _ALL = 0, 1, 2


def _ts_ns(ind: str, df: pl.DataFrame, name: str) -> I64:
    if name not in df.columns:
        raise ValidationError(f"{ind}: time column {name!r} not in frame (has {df.columns})")
    s = df.get_column(name)
    if isinstance(s.dtype, pl.Datetime):
        if s.dtype.time_zone is None:
            s = s.dt.replace_time_zone("UTC")
        return np.ascontiguousarray(s.dt.epoch("ns").to_numpy(), dtype=np.int64)
    if s.dtype.is_integer():
        return np.ascontiguousarray(s.cast(pl.Int64).to_numpy(), dtype=np.int64)
    raise ValidationError(
        f"{ind}: time column {name!r} must be a Datetime or int ns, got {s.dtype}"
    )


def session_ends(first_ns: int, last_ns: int) -> I64:
    """Ends (UTC ns, the 17:00 New York close) of the CME trading days from the one holding
    ``first_ns`` through the one holding ``last_ns``."""
    ends = [calendar_period(CalendarKind.DAY, first_ns)[2]]
    while ends[-1] <= last_ns:
        ends.append(calendar_period(CalendarKind.DAY, ends[-1])[2])
    return np.asarray(ends, dtype=np.int64)


def session_starts(ts_ns: I64) -> npt.NDArray[np.bool_]:
    """Boolean array: True where a bar (UTC ns open time) is in another CME trading day than
    the previous row (always True on row 0)."""
    n = ts_ns.shape[0]
    out = np.ones(n, dtype=bool)
    if n < 2:
        return out
    ends = session_ends(int(ts_ns.min()), int(ts_ns.max()))
    day = np.searchsorted(ends, ts_ns, side="right")
    out[1:] = day[1:] != day[:-1]
    return out


def _anchor(ind: str, anchor: object) -> tuple[int, int]:
    """``(mode, anchor ns)``: mode ``_SESSION``, ``_AT`` (from ``anchor ns``) or ``_ALL``."""
    if anchor is None:
        return _ALL, 0
    if anchor == "session":
        return _SESSION, 0
    if isinstance(anchor, datetime):
        a = anchor if anchor.tzinfo is not None else anchor.replace(tzinfo=UTC)
        delta = a - datetime(1970, 1, 1, tzinfo=UTC)
        ns = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
        return _AT, ns
    raise ValidationError(f"{ind}: anchor must be 'session', a datetime or None, got {anchor!r}")


@register(
    "volume",
    params={"anchor": "session"},
    inputs=(*_HLCV, "ts"),
    outputs=("vwap",),
    streaming=True,
)
def VWAP(
    df: pl.DataFrame | None = None,
    *,
    anchor: str | datetime | None = "session",
    time_column: str = "ts",
    prefix: str | None = None,
) -> pl.DataFrame:
    """Volume-weighted average of the typical price, anchored at each CME session
    (``"session"``), at a given time (a ``datetime``) or at the first bar (``None``)."""
    mode, at = _anchor("VWAP", anchor)
    f = frame("VWAP", df)
    h, lo, c, v = (column_array("VWAP", f, name) for name in _HLCV)
    for name, arr in zip(_HLCV, (h, lo, c, v), strict=True):
        if np.isnan(arr).any():
            row = int(np.argmax(np.isnan(arr)))
            raise ValidationError(f"VWAP: column {name!r} is null/NaN at row {row}")
    n = f.height
    reset = np.zeros(n, dtype=bool)
    active = np.ones(n, dtype=bool)
    if mode == _SESSION:
        reset = session_starts(_ts_ns("VWAP", f, time_column))
    elif mode == _AT:
        active = _ts_ns("VWAP", f, time_column) >= at
    out: Array = _k.vwap(
        h, lo, c, v, reset.astype(np.uint8), np.ascontiguousarray(active, dtype=np.uint8)
    )
    return attach(f, ("vwap",), (out,), 0, prefix)


# ---------------------------------------------------------------------------------------------
# Streaming forms


@register_stream("OBV")
class StreamingOBV(StreamingIndicator):
    """Streaming :func:`OBV`; ``update`` returns the OBV float."""

    __slots__ = ("_field", "_s")

    def __init__(self, *, column: str = "close", prefix: str | None = None):
        self._s = _k.OBVStream()
        self._field = field_index("OBV", column)
        super().__init__(("obv",), prefix, {"column": column})

    def update(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> float:
        x = close if self._field == 3 else (open, high, low, close, volume)[self._field]
        if self.count == 0 and (x != x or volume != volume):
            return math.nan
        self.count += 1
        return self._s.update(x, volume)

    def update_forming(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> float:
        x = close if self._field == 3 else (open, high, low, close, volume)[self._field]
        if self.count == 0 and (x != x or volume != volume):
            return math.nan
        return self._s.peek(x, volume)

    @property
    def value(self) -> float:
        return self._s.value


@register_stream("VWAP")
class StreamingVWAP(StreamingIndicator):
    """Streaming :func:`VWAP` (same ``anchor``): restarts when a bar's ``ts_ns`` reaches the
    end of the current CME session, or accumulates from the anchor time on."""

    __slots__ = ("_at", "_end", "_mode", "_s")

    def __init__(
        self,
        *,
        anchor: str | datetime | None = "session",
        time_column: str = "ts",
        prefix: str | None = None,
    ):
        self._mode, self._at = _anchor("VWAP", anchor)
        self._s = _k.VWAPStream()
        self._end = -1  # end (ns) of the current session; -1: none yet
        super().__init__(("vwap",), prefix, {"anchor": anchor, "time_column": time_column})

    def _roll(self, ts_ns: int) -> bool:
        """True when ``ts_ns`` starts a new session (the state must restart)."""
        if ts_ns < self._end:
            return False
        self._end = calendar_period(CalendarKind.DAY, ts_ns)[2]
        return True

    def update(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> float:
        if self._mode == _SESSION:
            if ts_ns >= self._end and self._roll(ts_ns):
                self._s.reset()
        elif self._mode == _AT and ts_ns < self._at:
            return math.nan
        self.count += 1
        return self._s.update(high, low, close, volume)

    def update_forming(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> float:
        if self._mode == _SESSION:
            if ts_ns >= self._end:
                tp = (high + low + close) / 3.0
                return (tp * volume) / volume if volume != 0.0 else math.nan
        elif self._mode == _AT and ts_ns < self._at:
            return math.nan
        return self._s.peek(high, low, close, volume)

    @property
    def value(self) -> float:
        return self._s.value
