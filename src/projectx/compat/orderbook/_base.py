"""project-x-py's ``OrderBookBase`` over the core :class:`projectx.orderbook.OrderBook`: the
touch, levels as polars frames in its columns, the snapshot, recent trades and statistics.

Timestamps are aware datetimes in the book's time zone (default America/Chicago). A level's
``timestamp`` is the book's latest update time (the core keeps sizes per price, not a time per
level).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from projectx.compat.exceptions import ProjectXDataError, ProjectXError
from projectx.compat.order_manager._tracker import StatisticsMixin
from projectx.orderbook import OrderBook as CoreBook
from projectx.orderbook import depth_stats
from projectx.orderbook.spread import BookSpreadHistory

if TYPE_CHECKING:
    from projectx.compat.client import ProjectX
    from projectx.compat.event_bus import EventBus

__all__ = ["DEFAULT_TIMEZONE", "OrderBookBase"]

DEFAULT_TIMEZONE = "America/Chicago"

_NS = 1_000_000_000


def _number(value: float) -> float | None:
    """NaN (an empty side in the core) as project-x-py's None."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


class OrderBookBase(StatisticsMixin):
    """The book's reads (project-x-py's ``OrderBookBase``)."""

    def __init__(
        self,
        instrument: str,
        event_bus: EventBus | None,
        project_x: ProjectX | None = None,
        timezone_str: str = DEFAULT_TIMEZONE,
        config: dict[str, Any] | None = None,
    ) -> None:
        self._setup(instrument, event_bus, project_x, timezone_str)
        self.config: dict[str, Any] = dict(config or {})

    def _setup(
        self,
        instrument: str,
        event_bus: EventBus | None,
        project_x: ProjectX | None,
        timezone_str: str,
    ) -> None:
        self._init_tracker("orderbook")
        try:
            self.timezone = ZoneInfo(timezone_str)
        except (ZoneInfoNotFoundError, ValueError):
            raise ProjectXDataError(f"unknown time zone {timezone_str!r}") from None
        self.instrument = instrument
        self.event_bus = event_bus
        self.project_x = project_x
        self._core: CoreBook | None = None
        self.spread_tracker: BookSpreadHistory | None = None
        self._callbacks: dict[tuple[str, int], Any] = {}

    def _bind(self, core: CoreBook) -> None:
        """Adapt ``core``; its native book keeps the spread history (sampled natively after
        every applied depth entry: no Python per message)."""
        self._core = core
        self.spread_tracker = BookSpreadHistory(core.native, core.tick_size)
        self.spread_tracker.sample(core.last_update_ns, core.best_bid, core.best_ask)

    def _unbind(self) -> None:
        if self.spread_tracker is not None:
            self.spread_tracker.close()

    @property
    def core(self) -> CoreBook:
        """The core :class:`projectx.orderbook.OrderBook` this one adapts."""
        if self._core is None:
            raise ProjectXError("the order book has no live data: use it through TradingSuite")
        return self._core

    # -- helpers ------------------------------------------------------------------------------
    def _time(self, ts_ns: int | None = None) -> datetime:
        ns = self.core.last_update_ns if ts_ns is None else ts_ns
        return datetime.fromtimestamp(ns / _NS, self.timezone)

    @staticmethod
    def _levels(levels: object, name: str = "levels") -> int:
        if isinstance(levels, bool) or not isinstance(levels, int) or levels < 1:
            raise ProjectXDataError(f"{name} must be an int >= 1, got {levels!r}")
        return levels

    @staticmethod
    def _minutes(value: object, name: str) -> timedelta:
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ProjectXDataError(f"{name} must be a number of minutes > 0, got {value!r}")
        return timedelta(minutes=float(value))

    def _side_frame(self, frame: pl.DataFrame) -> pl.DataFrame:
        zone = self.timezone.key
        stamp = self._time() if self.core.last_update_ns else None
        return frame.with_columns(pl.lit(stamp, dtype=pl.Datetime("us", zone)).alias("timestamp"))

    # -- the touch and the levels ---------------------------------------------------------------
    async def get_best_bid_ask(self) -> dict[str, Any]:
        """``bid``, ``ask``, ``spread``, ``mid_price`` (None for an empty side) and
        ``timestamp``."""
        with self._guard("get_best_bid_ask", ProjectXDataError):
            touch = self.core.get_best_bid_ask()
        return {
            "bid": _number(float(touch["bid"])),
            "ask": _number(float(touch["ask"])),
            "spread": _number(float(touch["spread"])),
            "mid_price": _number(float(touch["mid"])),
            "timestamp": self._time(),
        }

    async def get_bid_ask_spread(self) -> float | None:
        """Best ask minus best bid (None unless both sides have a level)."""
        spread: float | None = (await self.get_best_bid_ask())["spread"]
        return spread

    async def get_orderbook_bids(self, levels: int = 10) -> pl.DataFrame:
        """The best ``levels`` bids, highest first: ``price``, ``volume``, ``timestamp``."""
        with self._guard("get_orderbook_bids", ProjectXDataError):
            frame = self.core.get_orderbook_bids(self._levels(levels))
        return self._side_frame(frame)

    async def get_orderbook_asks(self, levels: int = 10) -> pl.DataFrame:
        """The best ``levels`` asks, lowest first: ``price``, ``volume``, ``timestamp``."""
        with self._guard("get_orderbook_asks", ProjectXDataError):
            frame = self.core.get_orderbook_asks(self._levels(levels))
        return self._side_frame(frame)

    async def get_orderbook_snapshot(self, levels: int = 10) -> dict[str, Any]:
        """project-x-py's snapshot: touch, ``bids``/``asks`` (price, volume, timestamp; best
        first), totals, counts and ``imbalance`` over the levels returned."""
        with self._guard("get_orderbook_snapshot", ProjectXDataError):
            snap = self.core.get_orderbook_snapshot(self._levels(levels))
        at = self._time(snap["timestamp"]) if snap["timestamp"] else None
        return {
            "instrument": self.instrument,
            "timestamp": self._time(),
            "best_bid": _number(snap["best_bid"]),
            "best_ask": _number(snap["best_ask"]),
            "spread": _number(snap["spread"]),
            "mid_price": _number(snap["mid_price"]),
            "bids": [{**lvl, "timestamp": at} for lvl in snap["bids"]],
            "asks": [{**lvl, "timestamp": at} for lvl in snap["asks"]],
            "total_bid_volume": snap["total_bid_volume"],
            "total_ask_volume": snap["total_ask_volume"],
            "bid_count": snap["bid_count"],
            "ask_count": snap["ask_count"],
            "imbalance": _number(snap["imbalance"]),
        }

    async def get_recent_trades(self, count: int = 100) -> list[dict[str, Any]]:
        """The newest ``count`` trades, oldest first: ``price``, ``volume``, ``timestamp``,
        ``side`` (the venue's aggressor: ``"buy"``/``"sell"``). The book state at each trade
        is not kept: ``spread_at_trade`` and the other ``*_at_trade`` keys are None."""
        with self._guard("get_recent_trades", ProjectXDataError):
            trades = depth_stats.recent_trades(self.core, self._levels(count, "count"))
        return [
            {
                "price": t["price"],
                "volume": t["volume"],
                "timestamp": self._time(t["ts_ns"]),
                "side": t["side"],
                "spread_at_trade": None,
                "mid_price_at_trade": None,
                "best_bid_at_trade": None,
                "best_ask_at_trade": None,
                "order_type": "market",
            }
            for t in trades
        ]

    async def get_tick_size(self) -> float:
        """The contract's tick size."""
        return float(self.core.tick_size)

    async def get_order_type_statistics(self) -> dict[str, int]:
        """Depth records per kind as the core's native book counted them."""
        with self._guard("get_order_type_statistics", ProjectXDataError):
            stats = self.core.get_statistics()
        return {
            "type_5_count": int(stats["depth_trades"]),
            "type_11_count": int(stats["depth_fills"]),
            "type_6_count": int(stats["resets"]),
            "depth_updates": int(stats["updates"]),
        }

    async def get_memory_stats(self) -> dict[str, Any]:
        """project-x-py's memory statistics keys from the core book's figures."""
        with self._guard("get_memory_stats", ProjectXDataError):
            st = self.core.get_statistics()
            flow = self.core.get_trade_flow_summary()
        spread = self.spread_tracker.stats() if self.spread_tracker is not None else None
        return {
            "memory_usage_mb": await self.get_memory_usage(),
            "bids_count": st["bid_levels"],
            "asks_count": st["ask_levels"],
            "trades_processed": flow["trades"],
            "total_volume": flow["total_volume"],
            "largest_trade": flow["largest_trade"],
            "avg_bid_depth": st["total_bid_size"] / st["bid_levels"] if st["bid_levels"] else 0.0,
            "avg_ask_depth": st["total_ask_size"] / st["ask_levels"] if st["ask_levels"] else 0.0,
            "max_bid_depth": st["bid_levels"],
            "max_ask_depth": st["ask_levels"],
            "avg_trade_size": _number(flow["average_trade_size"]) or 0.0,
            "avg_spread": _number(spread["avg_spread"]) if spread else None,
            "spread_volatility": _number(spread["spread_volatility"]) if spread else None,
            "price_levels": st["bid_levels"] + st["ask_levels"],
            "order_clustering": 0.0,
            "icebergs_detected": 0,
            "spoofing_alerts": st["spoofing_events"],
            "unusual_patterns": 0,
            "update_frequency_per_second": 0.0,
            "processing_latency_ms": 0.0,
            "data_gaps": st["resets"],
            "invalid_updates": st["invalid"] + st["off_grid"],
            "duplicate_updates": st["ignored"],
        }

    async def get_orderbook_memory_usage(self) -> float:
        """An estimate in MB of the native ladder and trade ring."""
        return await self.get_memory_usage()

    async def add_callback(self, event_type: str, callback: Callable[..., Any]) -> None:
        """Call ``callback`` for the book's events (``"market_depth"``/``"orderbook_update"``,
        ``"quote_update"``, ``"trade"``/``"trade_tick"``) through the compat event bus."""
        from projectx.compat.event_bus import EventType

        names = {
            "market_depth": EventType.MARKET_DEPTH_UPDATE,
            "market_depth_update": EventType.MARKET_DEPTH_UPDATE,
            "orderbook_update": EventType.ORDERBOOK_UPDATE,
            "quote_update": EventType.QUOTE_UPDATE,
            "trade": EventType.TRADE_TICK,
            "trade_tick": EventType.TRADE_TICK,
        }
        etype = names.get(event_type) if isinstance(event_type, str) else None
        if etype is None:
            raise ProjectXDataError(f"unknown event type {event_type!r}; known: {', '.join(names)}")
        if not callable(callback) or self.event_bus is None:
            raise ProjectXDataError("callback must be callable and the book needs an event bus")
        self._callbacks[(event_type, id(callback))] = (etype, callback)
        await self.event_bus.on(etype, callback)

    async def remove_callback(self, event_type: str, callback: Callable[..., Any]) -> None:
        """Stop calling ``callback`` for ``event_type``."""
        entry = self._callbacks.pop((event_type, id(callback)), None)
        if entry is not None and self.event_bus is not None:
            await self.event_bus.off(entry[0], callback)

    # -- project-x-py's tracking hooks (counters of this component) -----------------------------
    async def track_bid_update(self, levels: int = 1) -> None:
        """Count bid level updates."""
        await self.increment("bid_updates", levels)

    async def track_ask_update(self, levels: int = 1) -> None:
        """Count ask level updates."""
        await self.increment("ask_updates", levels)

    async def track_trade_processed(self, volume: int, price: float) -> None:
        """Count a trade and its volume."""
        await self.increment("trades_processed")
        await self.increment("total_volume", volume)

    async def track_spread_sample(self, spread: float) -> None:
        """Record a spread into the core spread tracker at the book's update time."""
        if self.spread_tracker is not None and self._core is not None:
            mid = self._core.mid if math.isfinite(self._core.mid) else 0.0
            self.spread_tracker.sample(
                self._core.last_update_ns, mid - spread / 2, mid + spread / 2
            )

    async def track_pattern_detection(self, pattern_type: str) -> None:
        """Count a detected pattern."""
        await self.increment(f"pattern_{pattern_type}")

    async def track_data_quality_issue(self, issue_type: str) -> None:
        """Count a data quality issue."""
        await self.increment(f"quality_{issue_type}")

    async def cleanup(self) -> None:
        """Stop sampling the spread and drop callbacks (the suite closes the core book)."""
        self._unbind()
        for etype, callback in list(self._callbacks.values()):
            if self.event_bus is not None:
                await self.event_bus.off(etype, callback)
        self._callbacks.clear()
