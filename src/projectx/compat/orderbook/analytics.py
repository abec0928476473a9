"""project-x-py's ``MarketAnalytics``: imbalance, depth, delta, trade flow and liquidity, read
from the core book's analytics and given in project-x-py's keys (plus the core's own)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import polars as pl

from projectx.compat.exceptions import ProjectXDataError

if TYPE_CHECKING:
    from projectx.compat.orderbook._base import OrderBookBase

__all__ = ["MarketAnalytics"]


def _f(value: float) -> float:
    return 0.0 if math.isnan(value) else float(value)


class MarketAnalytics:
    """Analytics of one compat order book (``MarketAnalytics(orderbook)``)."""

    def __init__(self, orderbook: OrderBookBase) -> None:
        self.orderbook = orderbook

    async def get_market_imbalance(self, levels: int = 10) -> dict[str, Any]:
        """Bid vs ask size over the best ``levels``: the documented ``imbalance_ratio``,
        ``bid_volume``, ``ask_volume``, ``bid_levels``, ``ask_levels``, ``analysis``, and
        project-x-py's liquidity keys (``depth_imbalance`` = ``imbalance_ratio``)."""
        book = self.orderbook
        n = book._levels(levels)
        with book._guard("get_market_imbalance", ProjectXDataError):
            imb = book.core.get_market_imbalance(n)
        ratio = _f(imb["imbalance"])
        spread = _f(book.core.spread)
        analysis = (
            "no liquidity" if imb["bid_volume"] + imb["ask_volume"] == 0
            else "bullish: more size bid" if ratio > 0.2
            else "bearish: more size offered" if ratio < -0.2
            else "balanced"
        )  # fmt: skip
        return {
            "imbalance_ratio": ratio,
            "bid_volume": imb["bid_volume"],
            "ask_volume": imb["ask_volume"],
            "bid_levels": imb["bid_levels"],
            "ask_levels": imb["ask_levels"],
            "bid_ask_ratio": imb["bid_ask_ratio"],
            "analysis": analysis,
            "bid_liquidity": float(imb["bid_volume"]),
            "ask_liquidity": float(imb["ask_volume"]),
            "total_liquidity": float(imb["bid_volume"] + imb["ask_volume"]),
            "avg_spread": spread,
            "spread_volatility": 0.0,
            "depth_imbalance": ratio,
            "effective_spread": spread,
            "realized_spread": spread,
            "price_impact": spread / 2,
            "liquidity_score": 0.0,
            "market_depth_score": 0.0,
            "resilience_score": 0.0,
            "tightness_score": 0.0,
            "immediacy_score": 0.0,
            "timestamp": book._time().isoformat(),
        }

    async def get_orderbook_depth(self, price_range: float) -> dict[str, Any]:
        """Resting volume within ``price_range`` of the mid (the core's figures) with
        project-x-py's crossing-cost keys: a market buy fills at the best ask and pays half the
        spread (``spread_cost``, ``price_impact_pct`` of the mid)."""
        book = self.orderbook
        if (
            isinstance(price_range, bool)
            or not isinstance(price_range, int | float)
            or not price_range > 0
        ):
            raise ProjectXDataError(f"price_range must be > 0, got {price_range!r}")
        with book._guard("get_orderbook_depth", ProjectXDataError):
            depth = book.core.get_orderbook_depth(float(price_range))
            ask, mid, spread = book.core.best_ask, book.core.mid, book.core.spread
        half = _f(spread) / 2
        return {
            **depth,
            "estimated_fill_price": _f(ask),
            "price_impact_pct": half / mid * 100 if mid and not math.isnan(mid) else 0.0,
            "spread_cost": half,
            "market_impact_cost": 0.0,
            "total_transaction_cost": half,
            "levels_consumed": min(depth["bid_levels"], depth["ask_levels"]),
            "remaining_liquidity": float(depth["bid_volume"] + depth["ask_volume"]),
            "confidence_level": 0.0,
            "slippage_estimate": 0.0,
            "timing_risk": 0.0,
            "liquidity_premium": 0.0,
            "implementation_shortfall": 0.0,
            "timestamp": book._time().isoformat(),
        }

    async def get_cumulative_delta(self, time_window_minutes: int = 60) -> dict[str, Any]:
        """Buy minus sell aggressor volume of the trades of the last ``time_window_minutes``."""
        book = self.orderbook
        window = book._minutes(time_window_minutes, "time_window_minutes")
        with book._guard("get_cumulative_delta", ProjectXDataError):
            cd = book.core.get_cumulative_delta(window)
        total = cd["buy_volume"] + cd["sell_volume"] + cd["unknown_volume"]
        return {
            "cumulative_delta": cd["cumulative_delta"],
            "buy_volume": cd["buy_volume"],
            "sell_volume": cd["sell_volume"],
            "neutral_volume": cd["unknown_volume"],
            "total_volume": total,
            "period_minutes": time_window_minutes,
            "trade_count": cd["trades"],
            "delta_per_trade": cd["cumulative_delta"] / cd["trades"] if cd["trades"] else 0.0,
        }

    async def get_trade_flow_summary(self) -> dict[str, Any]:
        """Trade flow of every trade held: aggressive buy/sell volume (the venue's aggressor),
        delta and VWAP, plus the core's counts."""
        book = self.orderbook
        with book._guard("get_trade_flow_summary", ProjectXDataError):
            flow = book.core.get_trade_flow_summary()
        return {
            **flow,
            "aggressive_buy_volume": flow["buy_volume"],
            "aggressive_sell_volume": flow["sell_volume"],
            "passive_buy_volume": 0,
            "passive_sell_volume": 0,
            "market_maker_trades": 0,
            "cumulative_delta": flow["cumulative_delta"],
            "vwap": _f(flow["vwap"]),
            "session_start": book._time(flow["first_ts_ns"]) if flow["first_ts_ns"] else None,
        }

    async def get_liquidity_levels(self, min_volume: int = 100, levels: int = 20) -> dict[str, Any]:
        """Resting levels of at least ``min_volume`` among the best ``levels`` of each side."""
        book = self.orderbook
        n = book._levels(levels)
        mv = book._levels(min_volume, "min_volume")
        with book._guard("get_liquidity_levels", ProjectXDataError):
            bids = book.core.get_orderbook_bids(n).filter(pl.col("volume") >= mv)
            asks = book.core.get_orderbook_asks(n).filter(pl.col("volume") >= mv)
        bv, av = int(bids["volume"].sum()), int(asks["volume"].sum())
        return {
            "significant_bid_levels": bids.to_dicts(),
            "significant_ask_levels": asks.to_dicts(),
            "total_bid_liquidity": bv,
            "total_ask_liquidity": av,
            "liquidity_imbalance": (bv - av) / (bv + av) if bv + av else 0.0,
            "min_volume_threshold": mv,
        }

    async def get_statistics(self) -> dict[str, Any]:
        """The core book's statistics plus the spread statistics of the whole session."""
        book = self.orderbook
        with book._guard("get_statistics", ProjectXDataError):
            stats = dict(book.core.get_statistics())
        if book.spread_tracker is not None:
            stats["spread_stats"] = book.spread_tracker.stats()
        stats["timestamp"] = book._time()
        return stats
