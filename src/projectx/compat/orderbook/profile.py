"""project-x-py's ``VolumeProfile``: the volume profile, support/resistance and the spread
statistics, from the core book (:mod:`projectx.orderbook.profile`, ``support_resistance``,
:class:`projectx.orderbook.spread.SpreadTracker`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import polars as pl  # noqa: F401

from projectx.compat.exceptions import ProjectXDataError

if TYPE_CHECKING:
    from projectx.compat.orderbook._base import OrderBookBase

__all__ = ["VolumeProfile"]

_NS_PER_MIN = 60_000_000_000


def _num(x: float) -> float | None:
    return None if math.isnan(x) else x


class VolumeProfile:
    """Profile analytics of one compat order book (``VolumeProfile(orderbook)``)."""

    def __init__(self, orderbook: OrderBookBase) -> None:
        self.orderbook = orderbook

    async def get_volume_profile(
        self, time_window_minutes: int = 60, price_bins: int = 20
    ) -> dict[str, Any]:
        """Traded volume of the last ``time_window_minutes`` in at most ``price_bins`` bins:
        ``price_bins`` (bin prices), ``volumes``, ``poc``, the 70 % value area and the total."""
        book = self.orderbook
        window = book._minutes(time_window_minutes, "time_window_minutes")
        bins = book._levels(price_bins, "price_bins")
        with book._guard("get_volume_profile", ProjectXDataError):
            vp = book.core.get_volume_profile(window, bins=bins)
        levels = vp["levels"]
        return {
            "price_bins": levels["price"].to_list(),
            "volumes": levels["volume"].to_list(),
            "poc": _num(vp["point_of_control"]),
            "value_area_high": _num(vp["value_area_high"]),
            "value_area_low": _num(vp["value_area_low"]),
            "total_volume": vp["total_volume"],
            "time_window_minutes": time_window_minutes,
        }

    async def get_support_resistance_levels(
        self, lookback_minutes: int = 120, min_touches: int = 3, price_tolerance: float = 0.1
    ) -> dict[str, Any]:
        """The strongest prices below (support) and above (resistance) the mid: resting size
        plus volume traded there in the last ``lookback_minutes`` (the core's measure);
        ``min_touches`` and ``price_tolerance`` are accepted and not used."""
        book = self.orderbook
        window = book._minutes(lookback_minutes, "lookback_minutes")
        with book._guard("get_support_resistance_levels", ProjectXDataError):
            sr = book.core.get_support_resistance_levels(5, window)

        def level(item: dict[str, Any]) -> dict[str, Any]:
            return {**item, "touches": item["traded_volume"], "last_touch": book._time()}

        support = [level(dict(x)) for x in sr["support"]]
        resistance = [level(dict(x)) for x in sr["resistance"]]
        return {
            "support_levels": support,
            "resistance_levels": resistance,
            "strongest_support": support[0] if support else None,
            "strongest_resistance": resistance[0] if resistance else None,
            "current_price": _num(sr["reference_price"]),
        }

    async def get_spread_analysis(self, window_minutes: int = 30) -> dict[str, Any]:
        """Spread statistics of the last ``window_minutes`` (sampled on every depth change):
        mean, median, min, max, volatility, time-weighted mean, plus project-x-py's liquidity
        keys over the current top 10 levels."""
        book = self.orderbook
        window = book._minutes(window_minutes, "window_minutes")
        tracker = book.spread_tracker
        if tracker is None:
            raise ProjectXDataError("the order book has no live data")
        with book._guard("get_spread_analysis", ProjectXDataError):
            tracker.sample(book.core.last_update_ns, book.core.best_bid, book.core.best_ask)
            stats = tracker.stats(int(window.total_seconds() * 1e9), book.core.last_update_ns)
            imb = book.core.get_market_imbalance(10)
        bv, av = imb["bid_volume"], imb["ask_volume"]
        current = _num(book.core.spread)
        return {
            **stats,
            "bid_liquidity": float(bv),
            "ask_liquidity": float(av),
            "total_liquidity": float(bv + av),
            "avg_spread": _num(stats["avg_spread"]) or 0.0,
            "spread_volatility": _num(stats["spread_volatility"]) or 0.0,
            "depth_imbalance": (bv - av) / (bv + av) if bv + av else 0.0,
            "effective_spread": current or 0.0,
            "realized_spread": current or 0.0,
            "price_impact": (current or 0.0) / 2,
            "liquidity_score": 0.0,
            "market_depth_score": 0.0,
            "resilience_score": 0.0,
            "tightness_score": 0.0,
            "immediacy_score": 0.0,
            "window_minutes": window_minutes,
            "timestamp": book._time().isoformat(),
        }
