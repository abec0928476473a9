"""project-x-py's ``orderbook`` package: :class:`OrderBook` over the core
:class:`projectx.orderbook.OrderBook` (the native level-2 book the suite's feed keeps), and
``create_orderbook``.

Every figure comes from the core book: the ladder, trade flow of the venue's aggressor, the
volume profile, support/resistance, the heuristics, clusters of resting size and the spread
sampled on each depth change. Shapes are project-x-py's (plus the core's own keys).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from projectx.compat.exceptions import ProjectXError
from projectx.compat.orderbook._base import OrderBookBase
from projectx.compat.orderbook.analytics import MarketAnalytics
from projectx.compat.orderbook.detection import OrderDetection
from projectx.compat.orderbook.memory import MemoryManager
from projectx.compat.orderbook.profile import VolumeProfile
from projectx.compat.orderbook.realtime import RealtimeHandler
from projectx.compat.types.base import AsyncCallback, CallbackType, SyncCallback
from projectx.compat.types.market_data import (
    DomType,
    IcebergConfig,
    MarketDataDict,
    MemoryConfig,
    OrderbookSide,
    OrderbookSnapshot,
    PriceLevelDict,
    TradeDict,
)
from projectx.orderbook import OrderBook as CoreBook

if TYPE_CHECKING:
    from projectx.compat.client import ProjectX
    from projectx.compat.event_bus import EventBus

__all__ = [
    "AsyncCallback",
    "CallbackType",
    "DomType",
    "IcebergConfig",
    "MarketAnalytics",
    "MarketDataDict",
    "MemoryConfig",
    "OrderBook",
    "OrderbookSide",
    "OrderbookSnapshot",
    "PriceLevelDict",
    "SyncCallback",
    "TradeDict",
    "VolumeProfile",
    "create_orderbook",
]


class OrderBook(OrderBookBase):
    """project-x-py's order book (``suite.orderbook``), built by a compat ``TradingSuite``
    over its core book (:meth:`_adopt`)."""

    def __init__(
        self,
        instrument: str,
        event_bus: EventBus | None,
        project_x: ProjectX | None = None,
        timezone_str: str = "America/Chicago",
        config: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(instrument, event_bus, project_x, timezone_str, config)
        self._parts()

    def _parts(self) -> None:
        self.analytics = MarketAnalytics(self)
        self.detection = OrderDetection(self)
        self.profile = VolumeProfile(self)
        self.memory_manager = MemoryManager(self, None)
        self.realtime_handler = RealtimeHandler(self)

    @classmethod
    def _adopt(cls, core: CoreBook, *, client: ProjectX, events: EventBus) -> Self:
        """A compat book over an existing core book (its suite keeps the lifecycle)."""
        if not isinstance(core, CoreBook):
            raise ProjectXError("_adopt needs a projectx.orderbook.OrderBook")
        self = cls.__new__(cls)
        config = getattr(client, "config", None)
        self._setup(
            core.symbol, events, client, getattr(config, "timezone", None) or "America/Chicago"
        )
        self.config = {}
        self._bind(core)
        self._parts()
        return self

    def __repr__(self) -> str:
        return f"OrderBook({self.instrument!r})"

    async def initialize(
        self,
        realtime_client: Any = None,
        subscribe_to_depth: bool = True,
        subscribe_to_quotes: bool = True,
    ) -> bool:
        """True for a book adopted from a suite; a stand-alone book has no feed here."""
        if self._core is None:
            raise ProjectXError(
                "a stand-alone OrderBook has no market feed here: use "
                "`await TradingSuite.create(instrument, features=['orderbook'])` and "
                "suite.orderbook"
            )
        return await self.realtime_handler.initialize(
            realtime_client, subscribe_to_depth, subscribe_to_quotes
        )

    # -- project-x-py's delegations to its parts -------------------------------------------------
    async def get_market_imbalance(self, levels: int = 10) -> dict[str, Any]:
        """See :meth:`MarketAnalytics.get_market_imbalance`."""
        return await self.analytics.get_market_imbalance(levels)

    async def get_orderbook_depth(self, price_range: float) -> dict[str, Any]:
        """See :meth:`MarketAnalytics.get_orderbook_depth`."""
        return await self.analytics.get_orderbook_depth(price_range)

    async def get_cumulative_delta(self, time_window_minutes: int = 60) -> dict[str, Any]:
        """See :meth:`MarketAnalytics.get_cumulative_delta`."""
        return await self.analytics.get_cumulative_delta(time_window_minutes)

    async def get_trade_flow_summary(self) -> dict[str, Any]:
        """See :meth:`MarketAnalytics.get_trade_flow_summary`."""
        return await self.analytics.get_trade_flow_summary()

    async def get_liquidity_levels(self, min_volume: int = 100, levels: int = 20) -> dict[str, Any]:
        """See :meth:`MarketAnalytics.get_liquidity_levels`."""
        return await self.analytics.get_liquidity_levels(min_volume, levels)

    async def get_statistics(self) -> dict[str, Any]:
        """See :meth:`MarketAnalytics.get_statistics`."""
        return await self.analytics.get_statistics()

    async def detect_iceberg_orders(
        self,
        min_refreshes: int | None = None,
        volume_threshold: int | None = None,
        time_window_minutes: int | None = None,
    ) -> dict[str, Any]:
        """See :meth:`OrderDetection.detect_iceberg_orders`."""
        return await self.detection.detect_iceberg_orders(
            min_refreshes, volume_threshold, time_window_minutes
        )

    async def detect_order_clusters(
        self, min_cluster_size: int = 3, price_tolerance: float = 0.1
    ) -> list[dict[str, Any]]:
        """See :meth:`OrderDetection.detect_order_clusters`."""
        return await self.detection.detect_order_clusters(min_cluster_size, price_tolerance)

    async def detect_spoofing(
        self,
        time_window_minutes: int = 10,
        min_placement_frequency: float = 3.0,
        min_cancellation_rate: float = 0.8,
        max_time_to_cancel: float = 30.0,
        min_distance_ticks: int = 3,
        confidence_threshold: float = 0.7,
    ) -> list[dict[str, Any]]:
        """See :meth:`OrderDetection.detect_spoofing`."""
        return await self.detection.detect_spoofing(
            time_window_minutes, min_placement_frequency, min_cancellation_rate,
            max_time_to_cancel, min_distance_ticks, confidence_threshold,
        )  # fmt: skip

    async def get_advanced_market_metrics(self) -> dict[str, Any]:
        """See :meth:`OrderDetection.get_advanced_market_metrics`."""
        return await self.detection.get_advanced_market_metrics()

    async def get_volume_profile(
        self, time_window_minutes: int = 60, price_bins: int = 20
    ) -> dict[str, Any]:
        """See :meth:`VolumeProfile.get_volume_profile`."""
        return await self.profile.get_volume_profile(time_window_minutes, price_bins)

    async def get_support_resistance_levels(
        self, lookback_minutes: int = 120, min_touches: int = 3, price_tolerance: float = 0.1
    ) -> dict[str, Any]:
        """See :meth:`VolumeProfile.get_support_resistance_levels`."""
        return await self.profile.get_support_resistance_levels(
            lookback_minutes, min_touches, price_tolerance
        )

    async def get_spread_analysis(self, window_minutes: int = 30) -> dict[str, Any]:
        """See :meth:`VolumeProfile.get_spread_analysis`."""
        return await self.profile.get_spread_analysis(window_minutes)


def create_orderbook(
    instrument: str,
    event_bus: EventBus,
    project_x: ProjectX | None = None,
    realtime_client: Any = None,
    timezone_str: str = "America/Chicago",
) -> OrderBook:
    """A stand-alone :class:`OrderBook` (project-x-py's factory; live data needs a suite)."""
    return OrderBook(instrument, event_bus, project_x, timezone_str)
