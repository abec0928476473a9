"""History bars from REST in the bar engine's own labelling.

Intraday bars come straight from ``History/retrieveBars`` (both sides align to UTC epoch
multiples). Day, week and month bars are *not* taken from the Gateway's own day/week/month bars,
whose session boundaries are not documented (spec §4.4 [INFERRED]) and which the simulator builds
on UTC midnights: they are aggregated here from hourly bars into CME trading-calendar periods
(18:00 New York open, 17:00 close, DST-correct — CME's boundaries are whole hours in UTC), the
same periods the native engine uses for live bars.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from projectx.timeframes import Timeframe, calendar_period

if TYPE_CHECKING:
    from projectx.client import ProjectX
    from projectx.models import Contract

__all__ = ["BarArrays", "aggregate_calendar", "empty_bars", "fetch_bars"]

BarArrays = dict[str, npt.NDArray[Any]]
"""Columns ``ts_ns`` (int64 bar open time), ``open/high/low/close`` (float64), ``volume`` (int64),
oldest first, one row per period."""


def empty_bars() -> BarArrays:
    """A frame of zero bars."""
    return {
        "ts_ns": np.empty(0, np.int64),
        "open": np.empty(0, np.float64),
        "high": np.empty(0, np.float64),
        "low": np.empty(0, np.float64),
        "close": np.empty(0, np.float64),
        "volume": np.empty(0, np.int64),
    }


def _ns_to_dt(ts_ns: int) -> datetime:
    return datetime.fromtimestamp(ts_ns / 1e9, tz=UTC)


async def fetch_bars(
    client: ProjectX,
    contract: Contract | str,
    tf: Timeframe,
    start_ns: int,
    end_ns: int,
    *,
    include_partial: bool = False,
) -> BarArrays:
    """Bars of ``tf`` whose open time lies in ``[start_ns, end_ns)``, engine-labelled."""
    source = "1hr" if tf.is_calendar else tf.name
    fetch_start = start_ns
    if tf.is_calendar:
        fetch_start = calendar_period(int(tf.kind), start_ns)[0]
    frame = await client.get_bars(
        contract,
        source,
        start=_ns_to_dt(fetch_start),
        end=_ns_to_dt(end_ns),
        include_partial=include_partial,
    )
    if frame.height == 0:
        return empty_bars()
    bars: BarArrays = {
        "ts_ns": frame["ts"].dt.epoch("ns").to_numpy().astype(np.int64, copy=False),
        "open": frame["open"].to_numpy().astype(np.float64, copy=False),
        "high": frame["high"].to_numpy().astype(np.float64, copy=False),
        "low": frame["low"].to_numpy().astype(np.float64, copy=False),
        "close": frame["close"].to_numpy().astype(np.float64, copy=False),
        "volume": frame["volume"].to_numpy().astype(np.int64, copy=False),
    }
    if tf.is_calendar:
        bars = aggregate_calendar(bars, int(tf.kind))
    keep = (bars["ts_ns"] >= start_ns) & (bars["ts_ns"] < end_ns)
    return {k: v[keep] for k, v in bars.items()}


def aggregate_calendar(hourly: BarArrays, kind: int) -> BarArrays:
    """Aggregate hourly bars (oldest first) into day/week/month trading-calendar bars."""
    n = len(hourly["ts_ns"])
    if n == 0:
        return empty_bars()
    labels = np.empty(n, np.int64)
    cache: dict[int, int] = {}
    for i, ts in enumerate(hourly["ts_ns"].tolist()):
        # an hourly bar belongs to the period of its first instant
        label = cache.get(ts)
        if label is None:
            label = calendar_period(kind, ts)[1]
            cache[ts] = label
        labels[i] = label
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    ends = np.r_[starts[1:], n]
    return {
        "ts_ns": labels[starts],
        "open": hourly["open"][starts],
        "high": np.maximum.reduceat(hourly["high"], starts),
        "low": np.minimum.reduceat(hourly["low"], starts),
        "close": hourly["close"][ends - 1],
        "volume": np.add.reduceat(hourly["volume"], starts),
    }
