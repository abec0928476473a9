"""Historical bars for ``History/retrieveBars`` (spec §4.4), built from the trade history.

:class:`TradeHistory` keeps, per contract, every trade the market streamed (``ts_ns``, price in
ticks, volume) plus a seeded pre-generated history before the market's start, so warm-up has
data. Bars are aggregated on request with NumPy, so REST bars and hub trades always agree.

Rules (spec §4.4; the [INFERRED] ones as the spec suggests):

* ``t`` is the bar **open** time; second/minute/hour bars align to UTC multiples of their length;
  day bars to UTC midnight, week bars to ISO weeks (Monday 00:00 UTC), month bars to calendar
  months; ``unitNumber`` groups N units counted from the epoch (1970-01-01, Monday 1970-01-05 for
  weeks, January 1970 for months).
* A bar is returned when ``startTime <= t < endTime``; it carries every trade of its period that
  has happened (up to ``now``), even past ``endTime``. Periods without trades have no bar.
* ``includePartialBar: false`` drops the bar whose period contains ``now``.
* Newest first; ``limit`` keeps the most recent bars, capped at 20,000.
* Errors: unknown contract 1, unit outside 1..6 (Tick 7 included) 2, ``unitNumber <= 0`` 3,
  ``limit <= 0`` 4.

Pre-generated history: a backward random walk in whole ticks from the contract's start price,
one trade every ~``interval_s`` seconds (exponential gaps), for ``days`` days, seeded by
``(seed, contract id)`` and generated on first use.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Mapping
from typing import Any

import numpy as np

from projectx.sim.clock import NS_PER_S, NS_PER_US, format_ts
from projectx.sim.contracts import ContractSpec

__all__ = ["MAX_BARS", "BarError", "TradeHistory", "aggregate", "bar_labels"]

MAX_BARS = 20_000
_UNIT_NS = {1: NS_PER_S, 2: 60 * NS_PER_S, 3: 3600 * NS_PER_S}
_DAY_NS = 86_400 * NS_PER_S
_WEEK_ORIGIN_DAYS = 4  # 1970-01-05 is a Monday


class BarError(ValueError):
    """Invalid retrieveBars request; ``code`` is the RetrieveBarErrorCode (spec §3.3)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def bar_labels(ts_ns: np.ndarray, unit: int, unit_number: int) -> np.ndarray:
    """Open time (ns) of the bar containing each timestamp."""
    ts = np.asarray(ts_ns, dtype=np.int64)
    n = int(unit_number)
    if unit in _UNIT_NS:
        length = _UNIT_NS[unit] * n
        return ts // length * length
    if unit == 4:
        days = ts // _DAY_NS
        return days // n * n * _DAY_NS
    if unit == 5:
        days = ts // _DAY_NS - _WEEK_ORIGIN_DAYS
        return (days // (7 * n) * (7 * n) + _WEEK_ORIGIN_DAYS) * _DAY_NS
    if unit == 6:
        months = ts.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
        start = months // n * n
        return start.astype("datetime64[M]").astype("datetime64[ns]").astype(np.int64)
    raise BarError(2, f"invalid unit {unit}")


def aggregate(
    ts_ns: np.ndarray, ticks: np.ndarray, volume: np.ndarray, unit: int, unit_number: int
) -> tuple[np.ndarray, ...]:
    """OHLCV per bar (ascending) from time-sorted trades: (t, o, h, l, c, v), prices in ticks."""
    if len(ts_ns) == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e, e, e, e, e
    labels = bar_labels(ts_ns, unit, unit_number)
    starts = np.concatenate(([0], np.flatnonzero(np.diff(labels)) + 1))
    ends = np.concatenate((starts[1:], [len(labels)])) - 1
    return (
        labels[starts],
        ticks[starts],
        np.maximum.reduceat(ticks, starts),
        np.minimum.reduceat(ticks, starts),
        ticks[ends],
        np.add.reduceat(volume, starts),
    )


class _Series:
    __slots__ = ("hist_ticks", "hist_ts", "hist_vol", "ticks", "ts", "vol")

    def __init__(self) -> None:
        self.hist_ts: np.ndarray | None = None
        self.hist_ticks: np.ndarray | None = None
        self.hist_vol: np.ndarray | None = None
        self.ts = array("q")
        self.ticks = array("q")
        self.vol = array("q")


class TradeHistory:
    """Per-contract trade store and ``retrieveBars`` implementation (see module docstring)."""

    def __init__(
        self,
        contracts: Mapping[str, ContractSpec],
        *,
        seed: int,
        end_ns: int,
        days: float = 10.0,
        interval_s: float = 5.0,
    ) -> None:
        if days < 0 or interval_s <= 0:
            raise ValueError("history days must be >= 0 and interval_s > 0")
        self.contracts = dict(contracts)
        self.seed = int(seed)
        self.end_ns = int(end_ns)
        self.days = float(days)
        self.interval_s = float(interval_s)
        self._series: dict[str, _Series] = {cid: _Series() for cid in self.contracts}

    def record(self, contract_id: str, ts_ns: int, ticks: int, volume: int) -> None:
        """Append one streamed trade (time order)."""
        s = self._series[contract_id]
        s.ts.append(ts_ns)
        s.ticks.append(ticks)
        s.vol.append(volume)

    def _pregenerate(self, contract_id: str, s: _Series) -> None:
        spec = self.contracts[contract_id]
        rng = np.random.default_rng([self.seed & 0xFFFFFFFF, zlib.crc32(contract_id.encode())])
        n = int(self.days * 86_400 / self.interval_s)
        gaps = rng.exponential(self.interval_s, n) * NS_PER_S
        gaps = np.maximum(gaps.astype(np.int64) // NS_PER_US * NS_PER_US, NS_PER_US)
        ts = self.end_ns - np.cumsum(gaps)  # newest first
        steps = rng.choice(np.array([-1, 0, 1], dtype=np.int64), size=n, p=[0.35, 0.3, 0.35])
        start = spec.start_ticks
        ticks = start - np.concatenate(([0], np.cumsum(steps[:-1]))) if n else steps
        ticks = np.abs(ticks - 1) + 1  # reflect at 1 tick: prices stay positive
        vol = rng.geometric(0.45, n).astype(np.int64)
        s.hist_ts = ts[::-1].copy()
        s.hist_ticks = ticks[::-1].astype(np.int64)
        s.hist_vol = vol

    def trades(self, contract_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All trades (pre-generated + streamed) as ``(ts_ns, ticks, volume)`` arrays."""
        s = self._series[contract_id]
        if s.hist_ts is None:
            self._pregenerate(contract_id, s)
        assert s.hist_ts is not None and s.hist_ticks is not None and s.hist_vol is not None
        live = (
            np.frombuffer(s.ts, dtype=np.int64) if len(s.ts) else np.empty(0, np.int64),
            np.frombuffer(s.ticks, dtype=np.int64) if len(s.ticks) else np.empty(0, np.int64),
            np.frombuffer(s.vol, dtype=np.int64) if len(s.vol) else np.empty(0, np.int64),
        )
        return (
            np.concatenate((s.hist_ts, live[0])),
            np.concatenate((s.hist_ticks, live[1])),
            np.concatenate((s.hist_vol, live[2])),
        )

    def retrieve_bars(
        self,
        contract_id: str,
        unit: int,
        unit_number: int,
        start_ns: int,
        end_ns: int,
        limit: int,
        include_partial: bool,
        now_ns: int,
    ) -> list[dict[str, Any]]:
        """Bars newest first (dicts ``t o h l c v``); raise :class:`BarError` when invalid."""
        spec = self.contracts.get(contract_id)
        if spec is None:
            raise BarError(1, f"contract {contract_id!r} not found")
        if unit not in (1, 2, 3, 4, 5, 6):
            raise BarError(2, f"invalid unit {unit!r}")
        if unit_number <= 0:
            raise BarError(3, f"invalid unitNumber {unit_number!r}")
        if limit <= 0:
            raise BarError(4, f"invalid limit {limit!r}")
        limit = min(limit, MAX_BARS)
        ts, ticks, vol = self.trades(contract_id)
        lo = int(np.searchsorted(ts, start_ns, side="left"))
        hi = int(np.searchsorted(ts, now_ns, side="right"))
        if hi <= lo or end_ns <= start_ns:
            return []
        t, o, h, lw, c, v = aggregate(ts[lo:hi], ticks[lo:hi], vol[lo:hi], unit, unit_number)
        keep = (t >= start_ns) & (t < end_ns)
        if not include_partial:
            keep &= t != bar_labels(np.array([now_ns], dtype=np.int64), unit, unit_number)[0]
        idx = np.flatnonzero(keep)[-limit:][::-1]
        tick = spec.tick_size
        dec = spec.decimals
        out: list[dict[str, Any]] = []
        for i in idx.tolist():
            out.append(
                {
                    "t": format_ts(int(t[i])).replace(".000000+", "+"),
                    "o": round(int(o[i]) * tick, dec),
                    "h": round(int(h[i]) * tick, dec),
                    "l": round(int(lw[i]) * tick, dec),
                    "c": round(int(c[i]) * tick, dec),
                    "v": int(v[i]),
                }
            )
        return out
