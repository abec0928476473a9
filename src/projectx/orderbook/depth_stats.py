"""More reads of an :class:`~projectx.orderbook.OrderBook`: the latest trades, clusters of
resting size, and the shape of the top of the book.

- recent trades: the newest ``count`` trades the book's flow analytics read (GatewayTrade
  stream, else the depth tape), newest last, each with the venue's aggressor.
- order clusters: per side, runs of resting levels (best ``levels`` of the side) whose
  neighbouring prices are at most ``price_tolerance`` apart; a run of at least
  ``min_cluster_size`` levels is a cluster. Its ``center_price`` is the size-weighted mean price.
- depth metrics over the best ``levels`` of each side: sizes, mean size per level, the
  size-weighted mid (``(bid x ask_size + ask x bid_size) / (bid_size + ask_size)`` of the touch)
  and the size-weighted mean price of the levels considered.
"""

from __future__ import annotations

import math
from typing import TypedDict

import numpy as np

from projectx.exceptions import ValidationError
from projectx.orderbook.book import OrderBook
from projectx.orderbook.grid import ASK, BID, Side, check_levels, check_positive_int, side_name

__all__ = [
    "DepthMetrics",
    "OrderCluster",
    "RecentTrade",
    "depth_metrics",
    "order_clusters",
    "recent_trades",
]

_AGGRESSOR = {0: "buy", 1: "sell"}


class RecentTrade(TypedDict):
    """One trade of :func:`recent_trades`."""

    ts_ns: int
    price: float
    volume: int
    aggressor: int
    """0 buy (lifted the ask), 1 sell (hit the bid), -1 unknown."""
    side: str
    """``"buy"``, ``"sell"`` or ``"unknown"``."""


class OrderCluster(TypedDict):
    """One cluster of :func:`order_clusters`."""

    side: str
    center_price: float
    low_price: float
    high_price: float
    total_volume: int
    levels: int
    prices: list[float]


class DepthMetrics(TypedDict):
    """Result of :func:`depth_metrics`."""

    bid_levels: int
    ask_levels: int
    bid_volume: int
    ask_volume: int
    avg_bid_size: float
    avg_ask_size: float
    weighted_mid_price: float
    """NaN unless both sides have a level."""
    volume_weighted_price: float
    """Size-weighted mean price of the levels considered (NaN when the book is empty)."""


def recent_trades(book: OrderBook, count: int = 100) -> list[RecentTrade]:
    """The newest ``count`` trades, oldest first."""
    n = check_positive_int(count, "count")
    trades = book._trades(None)
    start = max(0, len(trades) - n)
    ts = trades.ts_ns[start:].tolist()
    price = trades.price[start:].tolist()
    volume = trades.volume[start:].tolist()
    aggressor = trades.aggressor[start:].tolist()
    return [
        {
            "ts_ns": int(t),
            "price": float(p),
            "volume": int(v),
            "aggressor": int(a),
            "side": _AGGRESSOR.get(int(a), "unknown"),
        }
        for t, p, v, a in zip(ts, price, volume, aggressor, strict=True)
    ]


def _clusters_of(
    book: OrderBook, side: Side, levels: int, tolerance: float, min_size: int
) -> list[OrderCluster]:
    prices, sizes = book.native.depth(side, levels)
    p = np.asarray(prices, dtype=np.float64).tolist()
    s = np.asarray(sizes, dtype=np.int64).tolist()
    out: list[OrderCluster] = []
    run: list[int] = []
    for i in range(len(p) + 1):
        if i < len(p) and s[i] > 0 and (not run or abs(p[i] - p[run[-1]]) <= tolerance + 1e-9):
            run.append(i)
            continue
        if len(run) >= min_size:
            vol = sum(s[j] for j in run)
            out.append(
                {
                    "side": side_name(side),
                    "center_price": sum(p[j] * s[j] for j in run) / vol,
                    "low_price": min(p[j] for j in run),
                    "high_price": max(p[j] for j in run),
                    "total_volume": vol,
                    "levels": len(run),
                    "prices": [p[j] for j in run],
                }
            )
        run = [i] if i < len(p) and s[i] > 0 else []
    return out


def order_clusters(
    book: OrderBook, min_cluster_size: int = 3, price_tolerance: float = 0.1, levels: int = 50
) -> list[OrderCluster]:
    """Clusters of resting size of both sides (bids first, each side from its best level)."""
    min_size = check_positive_int(min_cluster_size, "min_cluster_size")
    if (
        isinstance(price_tolerance, bool)
        or not isinstance(price_tolerance, int | float)
        or not math.isfinite(price_tolerance)
        or price_tolerance < 0
    ):
        raise ValidationError(f"price_tolerance must be a number >= 0, got {price_tolerance!r}")
    n = check_levels(levels)
    tol = float(price_tolerance)
    return _clusters_of(book, BID, n, tol, min_size) + _clusters_of(book, ASK, n, tol, min_size)


def depth_metrics(book: OrderBook, levels: int = 10) -> DepthMetrics:
    """Shape of the best ``levels`` of each side (see the module docstring)."""
    n = check_levels(levels)
    bp, bs = book.native.depth(BID, n)
    ap, as_ = book.native.depth(ASK, n)
    bid_p, bid_s = np.asarray(bp, np.float64), np.asarray(bs, np.int64)
    ask_p, ask_s = np.asarray(ap, np.float64), np.asarray(as_, np.int64)
    bv, av = int(bid_s.sum()), int(ask_s.sum())
    weighted = math.nan
    if len(bid_p) and len(ask_p) and bid_s[0] + ask_s[0] > 0:
        weighted = float((bid_p[0] * ask_s[0] + ask_p[0] * bid_s[0]) / (bid_s[0] + ask_s[0]))
    total = bv + av
    vwp = float((bid_p * bid_s).sum() + (ask_p * ask_s).sum()) / total if total else math.nan
    return {
        "bid_levels": len(bid_p),
        "ask_levels": len(ask_p),
        "bid_volume": bv,
        "ask_volume": av,
        "avg_bid_size": bv / len(bid_p) if len(bid_p) else 0.0,
        "avg_ask_size": av / len(ask_p) if len(ask_p) else 0.0,
        "weighted_mid_price": weighted,
        "volume_weighted_price": vwp,
    }
