"""Trade-flow analytics over :class:`~projectx.orderbook.tape.Trades` (vectorised, no loops).

Aggressor encoding (native tape and ``GatewayTrade.type`` alike): 0 buy, 1 sell, -1 unknown.
Trades of unknown aggressor count in totals and VWAP but in neither buy nor sell volume, so they
never move the delta.
"""

from __future__ import annotations

import math
from typing import TypedDict

import numpy as np

from projectx.orderbook.tape import Trades

__all__ = ["CumulativeDelta", "TradeFlowSummary", "cumulative_delta", "trade_flow_summary"]


class CumulativeDelta(TypedDict):
    """Result of :func:`cumulative_delta`."""

    cumulative_delta: int  # buy_volume - sell_volume
    buy_volume: int
    sell_volume: int
    unknown_volume: int
    trades: int
    first_ts_ns: int  # 0 when there are no trades
    last_ts_ns: int
    source: str


class TradeFlowSummary(TypedDict):
    """Result of :func:`trade_flow_summary`."""

    total_volume: int
    buy_volume: int
    sell_volume: int
    unknown_volume: int
    trades: int
    buy_trades: int
    sell_trades: int
    unknown_trades: int
    cumulative_delta: int
    buy_ratio: float  # buy / (buy + sell); NaN without classified volume
    vwap: float  # NaN without volume
    average_trade_size: float  # NaN without trades
    largest_trade: int
    first_ts_ns: int
    last_ts_ns: int
    source: str


def _by_aggressor(trades: Trades) -> tuple[list[int], list[int]]:
    """Volume and trade count per aggressor, indexed unknown / buy / sell."""
    vol = trades.volume
    is_buy = trades.aggressor == 0
    is_sell = trades.aggressor == 1
    # integer products, no BLAS (its thread pool spins on small machines)
    buy = int((vol * is_buy).sum())
    sell = int((vol * is_sell).sum())
    n_buy = int(np.count_nonzero(is_buy))
    n_sell = int(np.count_nonzero(is_sell))
    total = int(trades.volume.sum())
    return [total - buy - sell, buy, sell], [len(trades) - n_buy - n_sell, n_buy, n_sell]


def _span(trades: Trades) -> tuple[int, int]:
    if len(trades) == 0:
        return 0, 0
    return int(trades.ts_ns.min()), int(trades.ts_ns.max())


def cumulative_delta(trades: Trades) -> CumulativeDelta:
    """Buy-initiated minus sell-initiated volume over ``trades``."""
    (unknown, buy, sell), _ = _by_aggressor(trades)
    first, last = _span(trades)
    return {
        "cumulative_delta": buy - sell,
        "buy_volume": buy,
        "sell_volume": sell,
        "unknown_volume": unknown,
        "trades": len(trades),
        "first_ts_ns": first,
        "last_ts_ns": last,
        "source": trades.source,
    }


def trade_flow_summary(trades: Trades) -> TradeFlowSummary:
    """Volumes, counts, delta, VWAP and sizes of ``trades`` by aggressor."""
    (unknown, buy, sell), (_, n_buy, n_sell) = _by_aggressor(trades)
    first, last = _span(trades)
    n = len(trades)
    total = buy + sell + unknown
    vwap = float((trades.price * trades.volume).sum()) / total if total else math.nan
    return {
        "total_volume": total,
        "buy_volume": buy,
        "sell_volume": sell,
        "unknown_volume": unknown,
        "trades": n,
        "buy_trades": n_buy,
        "sell_trades": n_sell,
        "unknown_trades": n - n_buy - n_sell,
        "cumulative_delta": buy - sell,
        "buy_ratio": buy / (buy + sell) if buy + sell else math.nan,
        "vwap": vwap,
        "average_trade_size": total / n if n else math.nan,
        "largest_trade": int(trades.volume.max()) if n else 0,
        "first_ts_ns": first,
        "last_ts_ns": last,
        "source": trades.source,
    }
