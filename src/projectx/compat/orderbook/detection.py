"""project-x-py's ``OrderDetection``: icebergs, spoofing and clusters of resting size, from
the core's heuristics (:mod:`projectx.orderbook.heuristics`) and
:func:`projectx.orderbook.depth_stats.order_clusters`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from projectx.compat.exceptions import ProjectXDataError
from projectx.orderbook import depth_stats

if TYPE_CHECKING:
    from projectx.compat.orderbook._base import OrderBookBase

__all__ = ["OrderDetection"]


class OrderDetection:
    """Pattern detection of one compat order book (``OrderDetection(orderbook)``)."""

    def __init__(self, orderbook: OrderBookBase) -> None:
        self.orderbook = orderbook

    async def detect_iceberg_orders(
        self,
        min_refreshes: int | None = None,
        volume_threshold: int | None = None,
        time_window_minutes: int | None = None,
    ) -> dict[str, Any]:
        """Levels refilled at least ``min_refreshes`` times (default 5) within the window
        (default 10 minutes) whose executed volume reaches ``volume_threshold`` (default 50).
        Empty unless the core book tracks heuristics."""
        book = self.orderbook
        refills = 5 if min_refreshes is None else book._levels(min_refreshes, "min_refreshes")
        threshold = 50 if volume_threshold is None else int(volume_threshold)
        minutes = 10 if time_window_minutes is None else time_window_minutes
        window = book._minutes(minutes, "time_window_minutes")
        with book._guard("detect_iceberg_orders", ProjectXDataError):
            found = book.core.detect_iceberg_orders(refills, window)
        levels = [
            {
                **item,
                "volume": item["executed_volume"],
                "refresh_count": item["refills"],
                "confidence": min(1.0, item["refills"] / (2 * refills)),
            }
            for item in found
            if item["executed_volume"] >= threshold
        ]
        return {
            "iceberg_levels": levels,
            "analysis_window_minutes": minutes,
            "detection_parameters": {
                "min_refreshes": refills,
                "volume_threshold": threshold,
                "time_window_minutes": minutes,
                "heuristics_tracked": book.core.track_heuristics,
            },
            "timestamp": book._time(),
        }

    async def detect_order_clusters(
        self, min_cluster_size: int = 3, price_tolerance: float = 0.1
    ) -> list[dict[str, Any]]:
        """Runs of at least ``min_cluster_size`` resting levels whose neighbours are within
        ``price_tolerance`` of each other, per side (bids first)."""
        book = self.orderbook
        with book._guard("detect_order_clusters", ProjectXDataError):
            clusters = depth_stats.order_clusters(book.core, min_cluster_size, price_tolerance)
            sizes = {
                side: dict(zip(frame["price"].to_list(), frame["volume"].to_list(), strict=True))
                for side, frame in (
                    ("bid", book.core.get_orderbook_bids(50)),
                    ("ask", book.core.get_orderbook_asks(50)),
                )
            }
        return [
            {
                "side": c["side"],
                "center_price": c["center_price"],
                "price_range": (c["low_price"], c["high_price"]),
                "total_volume": c["total_volume"],
                "order_count": c["levels"],
                "avg_order_size": c["total_volume"] / c["levels"],
                "prices": c["prices"],
                "volumes": [sizes[c["side"]].get(p, 0) for p in c["prices"]],
            }
            for c in clusters
        ]

    async def detect_spoofing(
        self,
        time_window_minutes: int = 10,
        min_placement_frequency: float = 3.0,
        min_cancellation_rate: float = 0.8,
        max_time_to_cancel: float = 30.0,
        min_distance_ticks: int = 3,
        confidence_threshold: float = 0.7,
    ) -> list[dict[str, Any]]:
        """Large size placed at least ``min_distance_ticks`` from the touch and pulled without
        trading within ``max_time_to_cancel`` seconds (the core's heuristic); the other
        thresholds of project-x-py's model are accepted and not used."""
        book = self.orderbook
        window = book._minutes(time_window_minutes, "time_window_minutes")
        with book._guard("detect_spoofing", ProjectXDataError):
            found = book.core.detect_spoofing(1, window)
        out = []
        for item in found:
            lifetime_s = item["average_lifetime_ns"] / 1e9
            if item["min_distance_ticks"] < min_distance_ticks or lifetime_s > max_time_to_cancel:
                continue
            out.append(
                {
                    **item,
                    "pattern": "spoofing",
                    "avg_time_to_cancel": lifetime_s,
                    "distance_ticks": item["min_distance_ticks"],
                    "total_events": item["occurrences"],
                }
            )
        return out

    async def get_advanced_market_metrics(self) -> dict[str, Any]:
        """Shape of the top 10 levels (the core's depth metrics), clusters and imbalance."""
        book = self.orderbook
        with book._guard("get_advanced_market_metrics", ProjectXDataError):
            m = depth_stats.depth_metrics(book.core, 10)
            imb = book.core.get_market_imbalance(10)
            flow = book.core.get_trade_flow_summary()
            spread, mid = book.core.spread, book.core.mid
        clusters = await self.detect_order_clusters()

        def num(x: float) -> float | None:
            return None if math.isnan(x) else x

        return {
            "bid_depth": m["bid_levels"],
            "ask_depth": m["ask_levels"],
            "total_bid_size": m["bid_volume"],
            "total_ask_size": m["ask_volume"],
            "avg_bid_size": m["avg_bid_size"],
            "avg_ask_size": m["avg_ask_size"],
            "price_levels": m["bid_levels"] + m["ask_levels"],
            "order_clustering": len(clusters),
            "imbalance": num(imb["imbalance"]),
            "spread": num(spread),
            "mid_price": num(mid),
            "weighted_mid_price": num(m["weighted_mid_price"]),
            "volume_weighted_avg_price": num(flow["vwap"]),
            "time_weighted_avg_price": None,
            "timestamp": book._time(),
        }
