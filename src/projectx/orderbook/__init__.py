"""Order-book analytics over the native level-2 book (one :class:`OrderBook` per contract).

``OrderBook`` reads the native book's arrays with NumPy (best levels, top-N as polars,
snapshot, imbalance, depth, market impact, liquidity, support/resistance), trade flow and the
volume profile from trades, and, with ``track_heuristics=True`` and the ``on_depth``/``on_trade``
hooks, iceberg and spoofing **heuristics**.
"""

from __future__ import annotations

from projectx.orderbook.book import BookLevel, OrderBook, OrderBookSnapshot
from projectx.orderbook.heuristics import HeuristicConfig

__all__ = ["BookLevel", "HeuristicConfig", "OrderBook", "OrderBookSnapshot"]
