"""The figures of one run, from its :class:`~projectx.replay.ReplayResult`.

Net P&L, gross P&L, fees, fills, round trips, max drawdown, balance and open position are the
replay report's own (:class:`~projectx.replay.ReplaySummary`). Three are derived here from the
report's tables, as the report does not compute them:

* ``win_rate``: winning round trips / round trips (``None`` without round trips), as in the
  summary's text;
* ``sharpe``: per-trade Sharpe ratio, mean over standard deviation (ddof 1) of the round trips'
  P&L, not annualised (``None`` with fewer than two round trips or no spread);
* ``exposure``: the share of the replayed market time (first to last message) during which any
  position was open, from the fills in order.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import polars as pl

from projectx.replay import ReplayResult

__all__ = ["METRIC_SCHEMA", "exposure", "metrics", "sharpe"]

METRIC_SCHEMA: dict[str, Any] = {
    "net_pnl": pl.Float64,
    "gross_pnl": pl.Float64,
    "fees": pl.Float64,
    "trades": pl.Int64,  #: round trips
    "fills": pl.Int64,
    "win_rate": pl.Float64,
    "max_drawdown": pl.Float64,
    "sharpe": pl.Float64,
    "exposure": pl.Float64,
    "end_balance": pl.Float64,
    "open_position": pl.Int64,
    "records": pl.Int64,
    "settle_timeouts": pl.Int64,
}


def sharpe(pnl: list[float]) -> float | None:
    """Mean over sample standard deviation of ``pnl``; None when undefined."""
    if len(pnl) < 2:
        return None
    sd = statistics.stdev(pnl)
    if not sd or not math.isfinite(sd):
        return None
    return statistics.fmean(pnl) / sd


def exposure(fills: pl.DataFrame, start_ns: int, end_ns: int) -> float:
    """Share of ``[start_ns, end_ns]`` with any open position (fills: ``ts_ns``,
    ``contract_id``, ``side`` 0 buy / 1 sell, ``size``, in order)."""
    span = end_ns - start_ns
    if span <= 0 or fills.height == 0:
        return 0.0
    position: dict[str, int] = {}
    opened: int | None = None
    held = 0
    for ts, cid, side, size in zip(
        fills["ts_ns"].to_list(),
        fills["contract_id"].to_list(),
        fills["side"].to_list(),
        fills["size"].to_list(),
        strict=True,
    ):
        position[cid] = position.get(cid, 0) + (size if side == 0 else -size)
        flat = not any(position.values())
        if opened is None and not flat:
            opened = max(int(ts), start_ns)
        elif opened is not None and flat:
            held += min(int(ts), end_ns) - opened
            opened = None
    if opened is not None:
        held += end_ns - opened
    return min(max(held / span, 0.0), 1.0)


def metrics(result: ReplayResult) -> dict[str, Any]:
    """The figures of :data:`METRIC_SCHEMA` for one replay."""
    s = result.summary
    return {
        "net_pnl": s.net_pnl,
        "gross_pnl": s.gross_pnl,
        "fees": s.fees,
        "trades": s.round_trips,
        "fills": s.fills,
        "win_rate": s.winners / s.round_trips if s.round_trips else None,
        "max_drawdown": s.max_drawdown,
        "sharpe": sharpe(result.trades["pnl"].to_list()),
        "exposure": exposure(result.fills, s.start_ns, s.end_ns),
        "end_balance": s.end_balance,
        "open_position": s.open_position,
        "records": s.records,
        "settle_timeouts": s.settle_timeouts,
    }
