"""``OrderBook``: the user-facing manager over one contract's native level-2 book.

The native book (``projectx._native.book.OrderBook``, owned and updated by the ``MarketFeed``)
holds the ladder, best levels and a tape of the trades that arrive inside GatewayDepth. This
class only *reads* it, with NumPy, when an analytic is asked for; nothing is copied per update.

Two optional per-update hooks, called by the owner after the native book applied an entry
(or, in a suite, neither: ``MarketFeed.attach_heuristics(contract_id, book.heuristic_tracker)``
has the feed drive the heuristics natively, per record):

- :meth:`OrderBook.on_trade` for every ``GatewayTrade`` (venue aggressor ``TradeLogType``: 0 buy,
  1 sell). Trades go to a fixed NumPy ring that the flow analytics (delta, trade flow, volume
  profile, support/resistance) prefer over the native depth tape as soon as it holds one trade;
  with ``track_heuristics`` they also feed the iceberg/spoofing history.
- :meth:`OrderBook.on_depth` for every GatewayDepth entry; it feeds the heuristics only (and the
  last update time), so it is worth calling only with ``track_heuristics=True``.

Time windows are nanoseconds (int) or ``timedelta``, measured back from the newest trade
(flow analytics) or the latest hook time (heuristics). Returned prices are on the tick grid.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Final, TypedDict

import numpy as np
import polars as pl

from projectx._native.book import TAPE_GATEWAY_TRADE
from projectx._native.book import OrderBook as NativeBook
from projectx.enums import DomType
from projectx.exceptions import ValidationError
from projectx.orderbook import analytics, flow, profile
from projectx.orderbook.grid import (
    ASK,
    BID,
    TickGrid,
    as_int,
    check_levels,
    check_positive_int,
    check_size,
    parse_book_side,
    parse_taker_side,
    side_name,
    window_ns,
)
from projectx.orderbook.heuristics import HeuristicConfig, HeuristicTracker
from projectx.orderbook.tape import TradeRing, Trades

__all__ = ["BookLevel", "OrderBook", "OrderBookSnapshot"]

Window = int | timedelta | None

_TRADE: Final = int(DomType.TRADE)


class BookLevel(TypedDict):
    """One price level."""

    price: float
    volume: int


class OrderBookSnapshot(TypedDict):
    """Result of :meth:`OrderBook.get_orderbook_snapshot`."""

    symbol: str
    timestamp: int  # ns UTC of the latest update known (0: unknown)
    best_bid: float  # NaN when the side is empty
    best_ask: float
    best_bid_size: int
    best_ask_size: int
    spread: float
    mid_price: float
    bids: list[BookLevel]  # best first
    asks: list[BookLevel]
    total_bid_volume: int  # over the levels returned
    total_ask_volume: int
    bid_count: int
    ask_count: int
    imbalance: float  # (bid - ask) / (bid + ask) over the levels returned; NaN if both 0


def _frame(prices: Any, sizes: Any) -> pl.DataFrame:
    # float64 / int64 arrays from the native book give the Float64 / Int64 schema directly
    return pl.DataFrame({"price": prices, "volume": sizes})


class OrderBook:
    """Analytics over one contract's native order book.

    Args:
        native: the contract's native book (``feed.book(contract_id)``).
        tick_size: the contract's tick; must equal the native book's.
        tick_value: currency per tick per contract (for slippage cost); None if unknown.
        symbol: a display name (``"MNQ"``) carried into snapshots and statistics.
        track_heuristics: keep per-level history from the hooks for the iceberg and
            spoofing heuristics (otherwise those return empty lists).
        heuristics: thresholds of the heuristics.
        trade_capacity: trades kept by the ``on_trade`` ring.
        time_source: returns the latest event time in ns (e.g. ``lambda: feed.last_ts_ns``);
            snapshots use the later of it and the hooks' times.
    """

    def __init__(
        self,
        native: NativeBook,
        tick_size: float,
        tick_value: float | None = None,
        symbol: str = "",
        *,
        track_heuristics: bool = False,
        heuristics: HeuristicConfig | None = None,
        trade_capacity: int = 16384,
        time_source: Callable[[], int] | None = None,
    ) -> None:
        if not isinstance(native, NativeBook):
            raise ValidationError(f"native must be a projectx._native.book.OrderBook: {native!r}")
        self._grid = TickGrid(tick_size)
        if not math.isclose(self._grid.tick_size, native.tick_size, rel_tol=1e-12):
            raise ValidationError(
                f"tick_size {tick_size!r} differs from the native book's {native.tick_size!r}"
            )
        if tick_value is not None and not (
            isinstance(tick_value, int | float) and math.isfinite(tick_value)
        ):
            raise ValidationError(f"tick_value must be a finite number or None: {tick_value!r}")
        self._native = native
        self._tick_value = None if tick_value is None else float(tick_value)
        self._symbol = symbol
        self._track = bool(track_heuristics)
        self._tracker = HeuristicTracker(heuristics)
        self._ring = TradeRing(trade_capacity)
        self._time_source = time_source
        self._last_ts = 0
        self._buf_n = 0
        self._buf_bp = np.empty(0, dtype=np.float64)
        self._buf_bs = np.empty(0, dtype=np.int64)
        self._buf_ap = np.empty(0, dtype=np.float64)
        self._buf_as = np.empty(0, dtype=np.int64)

    # ------------------------------------------------------------------ properties

    @property
    def native(self) -> NativeBook:
        """The wrapped native book."""
        return self._native

    @property
    def symbol(self) -> str:
        """Display name of the contract."""
        return self._symbol

    @property
    def tick_size(self) -> float:
        """The contract's tick size."""
        return self._grid.tick_size

    @property
    def tick_value(self) -> float | None:
        """Currency per tick per contract, if known."""
        return self._tick_value

    @property
    def track_heuristics(self) -> bool:
        """Whether the hooks feed the iceberg/spoofing history."""
        return self._track

    @property
    def heuristic_tracker(self) -> HeuristicTracker:
        """The iceberg/spoofing history (``MarketFeed.attach_heuristics`` lets the feed drive
        it natively; the hooks drive it otherwise). Fed only with ``track_heuristics``."""
        return self._tracker

    @property
    def last_update_ns(self) -> int:
        """Latest event time known (ns UTC): hooks, the tracker and ``time_source``; 0 if
        none."""
        ts = max(self._last_ts, self._tracker.last_ts_ns)
        if self._time_source is not None:
            ts = max(ts, int(self._time_source()))
        return ts

    @property
    def best_bid(self) -> float:
        """Best bid price (NaN when there is no bid)."""
        return self._native.best_bid

    @property
    def best_ask(self) -> float:
        """Best ask price (NaN when there is no ask)."""
        return self._native.best_ask

    @property
    def best_bid_size(self) -> int:
        """Size at the best bid (0 when empty)."""
        return self._native.best_bid_size

    @property
    def best_ask_size(self) -> int:
        """Size at the best ask (0 when empty)."""
        return self._native.best_ask_size

    @property
    def spread(self) -> float:
        """Best ask minus best bid (NaN unless both sides have a level)."""
        return self._native.spread

    @property
    def spread_ticks(self) -> float:
        """The spread in ticks (NaN unless both sides have a level)."""
        nb = self._native
        if nb.bid_levels == 0 or nb.ask_levels == 0:
            return math.nan
        return float(self._grid.to_ticks(nb.best_ask) - self._grid.to_ticks(nb.best_bid))

    @property
    def mid(self) -> float:
        """Midpoint of the best bid and ask (NaN unless both sides have a level)."""
        return self._native.mid

    def get_best_bid_ask(self) -> dict[str, float | int]:
        """Best bid/ask with sizes, spread and mid in one dict."""
        nb = self._native
        return {
            "bid": nb.best_bid,
            "bid_size": nb.best_bid_size,
            "ask": nb.best_ask,
            "ask_size": nb.best_ask_size,
            "spread": nb.spread,
            "mid": nb.mid,
            "timestamp": self.last_update_ns,
        }

    # ------------------------------------------------------------------ levels

    def get_orderbook_bids(self, levels: int = 10) -> pl.DataFrame:
        """Best ``levels`` bids, best (highest) first: columns ``price``, ``volume``."""
        prices, sizes = self._native.depth(BID, check_levels(levels))
        return _frame(prices, sizes)

    def get_orderbook_asks(self, levels: int = 10) -> pl.DataFrame:
        """Best ``levels`` asks, best (lowest) first: columns ``price``, ``volume``."""
        prices, sizes = self._native.depth(ASK, check_levels(levels))
        return _frame(prices, sizes)

    def _top(self, n: int) -> tuple[int, int]:
        if n != self._buf_n:
            self._buf_bp = np.empty(n, dtype=np.float64)
            self._buf_bs = np.empty(n, dtype=np.int64)
            self._buf_ap = np.empty(n, dtype=np.float64)
            self._buf_as = np.empty(n, dtype=np.int64)
            self._buf_n = n
        return self._native.top_into(self._buf_bp, self._buf_bs, self._buf_ap, self._buf_as)

    def get_orderbook_snapshot(self, levels: int = 10) -> OrderBookSnapshot:
        """Best ``levels`` of each side with the touch, spread, imbalance and update time."""
        n = check_levels(levels)
        nb_, na_ = self._top(n)
        bp = self._buf_bp[:nb_].tolist()
        bs = self._buf_bs[:nb_].tolist()
        ap = self._buf_ap[:na_].tolist()
        as_ = self._buf_as[:na_].tolist()
        bv = sum(bs)
        av = sum(as_)
        nb = self._native
        return {
            "symbol": self._symbol,
            "timestamp": self.last_update_ns,
            "best_bid": nb.best_bid,
            "best_ask": nb.best_ask,
            "best_bid_size": nb.best_bid_size,
            "best_ask_size": nb.best_ask_size,
            "spread": nb.spread,
            "mid_price": nb.mid,
            "bids": [{"price": p, "volume": v} for p, v in zip(bp, bs, strict=True)],
            "asks": [{"price": p, "volume": v} for p, v in zip(ap, as_, strict=True)],
            "total_bid_volume": bv,
            "total_ask_volume": av,
            "bid_count": nb_,
            "ask_count": na_,
            "imbalance": (bv - av) / (bv + av) if bv + av else math.nan,
        }

    def get_market_imbalance(self, levels: int = 10) -> analytics.Imbalance:
        """Bid vs ask size over the best ``levels`` of each side.

        ``imbalance = (B - A) / (B + A)`` in [-1, 1] (NaN when both are 0) and
        ``bid_ask_ratio = B / A`` (inf when only bids), ``B``/``A`` the summed sizes.
        """
        n = check_levels(levels)
        nb, na = self._top(n)
        return analytics.imbalance(self._buf_bs, self._buf_as, nb, na, n)

    def get_orderbook_depth(self, price_range: float) -> analytics.DepthInRange:
        """Resting volume per side within ``price_range`` (price units) of the mid."""
        return analytics.depth_in_range(self._native, self._grid, price_range)

    def market_impact(self, size: int, side: object) -> analytics.MarketImpact:
        """Walk the book for a ``size``-contract market order.

        ``side`` is the taker's: buy (0, "buy", ``OrderSide.BUY``) takes the asks, sell takes
        the bids. Gives average fill price, slippage vs the best level (price, ticks and
        currency with a tick value), levels consumed and the unfilled remainder of a thin book.
        """
        return analytics.market_impact(
            self._native,
            self._grid,
            check_size(size),
            parse_taker_side(side),
            self._tick_value,
        )

    def get_liquidity_levels(
        self, min_volume: int = 1, top_k: int | None = 10, side: object = None
    ) -> pl.DataFrame:
        """Resting levels of at least ``min_volume`` contracts, largest first, ``top_k`` of them
        (None: all): ``price``, ``volume``, ``side``, ``distance_ticks`` from the touch."""
        mv = check_positive_int(min_volume, "min_volume")
        k = None if top_k is None else check_positive_int(top_k, "top_k")
        return analytics.liquidity_levels(self._native, self._grid, mv, k, parse_book_side(side))

    # ------------------------------------------------------------------ trades

    @property
    def trade_source(self) -> str:
        """Where the flow analytics read trades: ``"gateway_trades"`` when the ``GatewayTrade``
        stream reached the book (natively through ``MarketFeed`` or through :meth:`on_trade`),
        else ``"depth_tape"`` (the native book's DomType 5 records)."""
        if self._ring.total or self._native_gateway_trades():
            return "gateway_trades"
        return "depth_tape"

    def _native_gateway_trades(self) -> bool:
        tape = self._native.tape()
        return bool((tape["kind"] == TAPE_GATEWAY_TRADE).any())

    def _trades(self, window: Window) -> Trades:
        w = window_ns(window)
        if self._ring.total:
            trades = self._ring.trades()
        else:
            tape = self._native.tape()
            kinds = tape["kind"]
            gateway = kinds == TAPE_GATEWAY_TRADE
            keep = gateway if gateway.any() else kinds == _TRADE
            trades = Trades(
                tape["ts_ns"][keep],
                tape["price"][keep],
                tape["volume"][keep],
                tape["aggressor"][keep],
                "gateway_trades" if gateway.any() else "depth_tape",
            )
        return trades.since(w)

    def get_cumulative_delta(self, window: Window = None) -> flow.CumulativeDelta:
        """Buy minus sell aggressor volume over the last ``window`` (None: all trades held)."""
        return flow.cumulative_delta(self._trades(window))

    def get_trade_flow_summary(self, window: Window = None) -> flow.TradeFlowSummary:
        """Volumes, counts, delta, VWAP and sizes by aggressor over the last ``window``."""
        return flow.trade_flow_summary(self._trades(window))

    def get_volume_profile(
        self,
        window: Window = None,
        *,
        ticks_per_bin: int | None = None,
        bins: int | None = None,
        value_area: float = 0.70,
    ) -> profile.VolumeProfile:
        """Traded volume by price with point of control and value area (default 70 %).

        Bins are ``ticks_per_bin`` ticks wide (default 1) or, with ``bins``, the traded range
        split into at most that many bins; see :mod:`projectx.orderbook.profile`.
        """
        return profile.volume_profile(
            self._trades(window),
            self._grid,
            ticks_per_bin=ticks_per_bin,
            bins=bins,
            value_area=value_area,
        )

    def get_support_resistance_levels(
        self, levels: int = 5, window: Window = None
    ) -> analytics.SupportResistance:
        """Strongest prices below/above the mid: resting size + traded volume at each price
        (see :func:`projectx.orderbook.analytics.support_resistance`)."""
        return analytics.support_resistance(
            self._native, self._grid, self._trades(window), check_levels(levels)
        )

    # ------------------------------------------------------------------ hooks

    def on_depth(self, dom_type: int, price: float, volume: int, ts_ns: int) -> None:
        """One GatewayDepth entry, after the native book applied it (heuristics only).

        Entries the heuristics cannot use (bad price, negative volume) are counted in
        ``get_statistics()["hook_invalid"]``, as the native book counts them. A book whose
        tracker the feed drives (``MarketFeed.attach_heuristics``) needs no call here.
        """
        if ts_ns > self._last_ts:
            self._last_ts = ts_ns
        if self._track:
            self._tracker.feed_depth(self._native, dom_type, price, volume, ts_ns)

    def on_trade(self, price: float, volume: int, aggressor: int, ts_ns: int) -> None:
        """One market trade (``GatewayTrade``): ``aggressor`` 0 buy, 1 sell, -1 unknown.

        Raises ``ValidationError`` on a non-finite price, negative volume or other aggressor.
        """
        agg = as_int(aggressor)
        if agg not in (0, 1, -1) or agg is None:
            raise ValidationError(f"aggressor must be 0 (buy), 1 (sell) or -1: {aggressor!r}")
        if volume < 0:
            raise ValidationError(f"trade volume must be >= 0, got {volume!r}")
        snapped = self._grid.price(self._grid.to_ticks(price))
        self._ring.append(ts_ns, snapped, volume, agg)
        if ts_ns > self._last_ts:
            self._last_ts = ts_ns
        if self._track:
            # a buy lifts the asks, a sell hits the bids; unknown: whichever side rests there
            self._tracker.feed_trade(self._native, snapped, volume, agg, ts_ns)

    def clear_history(self) -> None:
        """Forget the ``on_trade`` ring and the heuristics' history (not the native book)."""
        self._ring.clear()
        self._tracker.clear()

    # ------------------------------------------------------------------ heuristics

    def _since(self, window: Window) -> int | None:
        w = window_ns(window)
        return None if w is None else self.last_update_ns - w

    def detect_iceberg_orders(
        self, min_refills: int = 3, window: Window = None, side: object = None
    ) -> list[dict[str, Any]]:
        """**Heuristic**: levels refilled to a similar size after trades consumed them, at least
        ``min_refills`` times (see :mod:`projectx.orderbook.heuristics`). Needs
        ``track_heuristics=True`` and the hooks; empty otherwise.

        Each item: ``price``, ``side``, ``refills``, ``display_size``, ``executed_volume``,
        ``current_size``, ``first_seen_ns``, ``last_seen_ns``.
        """
        n = check_positive_int(min_refills, "min_refills")
        found = self._tracker.icebergs(n, self._since(window), parse_book_side(side))
        out: list[dict[str, Any]] = []
        for r in found:
            item: dict[str, Any] = dict(r)
            item["price"] = self._grid.price(item.pop("tick"))
            item["side"] = side_name(r["side"])
            out.append(item)
        return out

    def detect_spoofing(
        self, min_occurrences: int = 1, window: Window = None, side: object = None
    ) -> list[dict[str, Any]]:
        """**Heuristic**: large size placed away from the touch and withdrawn without trading
        within a short lifetime, aggregated per price (see :mod:`projectx.orderbook.heuristics`).
        Needs ``track_heuristics=True`` and the hooks; empty otherwise.

        Each item: ``price``, ``side``, ``occurrences``, ``total_size``, ``max_size``,
        ``average_lifetime_ns``, ``min_distance_ticks``, ``last_seen_ns``.
        """
        n = check_positive_int(min_occurrences, "min_occurrences")
        found = self._tracker.spoofs(n, self._since(window), parse_book_side(side))
        out: list[dict[str, Any]] = []
        for r in found:
            item: dict[str, Any] = dict(r)
            item["price"] = self._grid.price(item.pop("tick"))
            item["side"] = side_name(r["side"])
            out.append(item)
        return out

    # ------------------------------------------------------------------ statistics

    def get_statistics(self) -> dict[str, Any]:
        """Book shape, update/trade counters and native resync counters."""
        nb = self._native
        st = nb.stats
        by_type = st["by_type"]
        return {
            "symbol": self._symbol,
            "tick_size": self._grid.tick_size,
            "bid_levels": nb.bid_levels,
            "ask_levels": nb.ask_levels,
            "total_bid_size": nb.total_bid_size,
            "total_ask_size": nb.total_ask_size,
            "best_bid": nb.best_bid,
            "best_ask": nb.best_ask,
            "spread": nb.spread,
            "mid": nb.mid,
            "session_low": nb.session_low,
            "session_high": nb.session_high,
            "last_trade_price": nb.last_trade_price,
            "updates": st["updates"],
            "applied": st["applied"],
            "ignored": st["ignored"],
            "invalid": st["invalid"],
            "off_grid": st["off_grid"],
            "resets": by_type["reset"],
            "depth_trades": by_type["trade"],
            "depth_fills": by_type["fill"],
            "trades": self._ring.total + nb.gateway_trades,
            "trade_source": self.trade_source,
            "crossed_resyncs": st["crossed_events"],
            "crossed_levels_removed": st["crossed_levels_removed"],
            "stale_levels_cleared": st["stale_levels_cleared"],
            "recentres": st["recentres"],
            "levels_outside": st["levels_outside"],
            "levels_lost": st["levels_lost"],
            "last_update_ns": self.last_update_ns,
            "track_heuristics": self._track,
            "hook_depth_updates": self._tracker.depth_entries,
            "hook_invalid": self._tracker.invalid_entries,
            "heuristic_levels": self._tracker.tracked_levels,
            "spoofing_events": self._tracker.spoofing_events,
        }

    def __repr__(self) -> str:
        nb = self._native
        return (
            f"OrderBook({self._symbol!r}, bid={nb.best_bid}x{nb.best_bid_size}, "
            f"ask={nb.best_ask}x{nb.best_ask_size}, levels={nb.bid_levels}/{nb.ask_levels})"
        )
