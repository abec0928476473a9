"""project-x-py's structural interfaces (``project_x_py.types.protocols``).

Public members only: what a script (or a type checker) can rely on from the client, the hubs
client and the managers. The compat classes satisfy them structurally.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl

from projectx.compat.types.response_types import (
    PerformanceStatsResponse,
    PortfolioMetricsResponse,
    PositionAnalysisResponse,
    RiskAnalysisResponse,
)
from projectx.compat.types.stats_types import PositionManagerStats

if TYPE_CHECKING:
    from projectx.compat.config import ProjectXConfig
    from projectx.compat.models import (
        Account,
        BracketOrderResponse,
        Instrument,
        Order,
        OrderPlaceResponse,
        Position,
        Trade,
    )

__all__ = [
    "OrderManagerProtocol",
    "PositionManagerProtocol",
    "ProjectXClientProtocol",
    "ProjectXRealtimeClientProtocol",
    "RealtimeDataManagerProtocol",
]


class ProjectXClientProtocol(Protocol):
    """The REST client (``ProjectX``)."""

    username: str
    account_name: str | None
    account_info: Account | None
    base_url: str
    config: ProjectXConfig

    async def authenticate(self) -> None: ...
    async def validate_session(self) -> bool: ...
    async def logout(self) -> bool: ...
    async def ping(self) -> str: ...
    async def list_accounts(self) -> list[Account]: ...
    async def get_health_status(self) -> PerformanceStatsResponse: ...
    def get_cached_instrument(self, symbol: str) -> Instrument | None: ...
    def cache_instrument(self, symbol: str, instrument: Instrument) -> None: ...
    def get_cached_market_data(self, cache_key: str) -> pl.DataFrame | None: ...
    def cache_market_data(self, cache_key: str, data: pl.DataFrame) -> None: ...
    def clear_all_caches(self) -> None: ...
    async def get_instrument(self, symbol: str, live: bool = False) -> Instrument: ...
    async def search_instruments(self, query: str, live: bool = False) -> list[Instrument]: ...
    async def get_bars(
        self,
        symbol: str,
        days: int = 8,
        interval: int = 5,
        unit: int = 2,
        limit: int | None = None,
        partial: bool = True,
    ) -> pl.DataFrame: ...
    async def get_positions(self) -> list[Position]: ...
    async def search_open_positions(self, account_id: int | None = None) -> list[Position]: ...
    async def search_trades(
        self,
        start_date: datetime.datetime | None = None,
        end_date: datetime.datetime | None = None,
        contract_id: str | None = None,
        account_id: int | None = None,
        limit: int = 100,
    ) -> list[Trade]: ...


class OrderManagerProtocol(Protocol):
    """The order manager."""

    async def place_order(
        self,
        contract_id: str,
        order_type: int,
        side: int,
        size: int,
        limit_price: float | None = None,
        stop_price: float | None = None,
        trail_price: float | None = None,
        custom_tag: str | None = None,
        linked_order_id: int | None = None,
        account_id: int | None = None,
        stop_loss_bracket: Any = None,
        take_profit_bracket: Any = None,
    ) -> OrderPlaceResponse: ...
    async def place_market_order(
        self, contract_id: str, side: int, size: int, account_id: int | None = None
    ) -> OrderPlaceResponse: ...
    async def place_limit_order(
        self,
        contract_id: str,
        side: int,
        size: int,
        limit_price: float,
        account_id: int | None = None,
        linked_order_id: int | None = None,
    ) -> OrderPlaceResponse: ...
    async def place_stop_order(
        self,
        contract_id: str,
        side: int,
        size: int,
        stop_price: float,
        account_id: int | None = None,
        linked_order_id: int | None = None,
    ) -> OrderPlaceResponse: ...
    async def place_bracket_order(
        self,
        contract_id: str,
        side: int,
        size: int,
        entry_price: float,
        stop_loss_price: float,
        take_profit_price: float,
        entry_type: str = "limit",
        account_id: int | None = None,
    ) -> BracketOrderResponse: ...
    async def place_trailing_stop_order(
        self,
        contract_id: str,
        side: int,
        size: int,
        trail_price: float,
        account_id: int | None = None,
    ) -> OrderPlaceResponse: ...
    async def get_order_by_id(self, order_id: int) -> Order | None: ...
    async def cancel_order(self, order_id: int, account_id: int | None = None) -> bool: ...
    def get_memory_stats(self) -> dict[str, Any]: ...
    def clear_order_tracking(self) -> None: ...
    async def modify_order(
        self,
        order_id: int,
        limit_price: float | None = None,
        stop_price: float | None = None,
        size: int | None = None,
        trail_price: float | None = None,
    ) -> bool: ...
    async def search_open_orders(
        self, account_id: int | None = None, contract_id: str | None = None
    ) -> list[Order]: ...
    async def get_tracked_order_status(
        self, order_id: str, wait_for_cache: bool = False
    ) -> dict[str, Any] | None: ...
    async def track_order_for_position(
        self,
        contract_id: str,
        order_id: int,
        order_type: str = "entry",
        account_id: int | None = None,
    ) -> None: ...
    def untrack_order(self, order_id: int) -> None: ...
    async def get_position_orders(self, contract_id: str) -> dict[str, list[int]]: ...
    async def cancel_position_orders(
        self,
        contract_id: str,
        order_types: list[str] | None = None,
        account_id: int | None = None,
    ) -> dict[str, int]: ...
    async def update_position_order_sizes(
        self, contract_id: str, new_size: int, account_id: int | None = None
    ) -> dict[str, Any]: ...
    async def sync_orders_with_position(
        self,
        contract_id: str,
        target_size: int,
        cancel_orphaned: bool = True,
        account_id: int | None = None,
    ) -> dict[str, Any]: ...
    async def on_position_changed(
        self, contract_id: str, old_size: int, new_size: int, account_id: int | None = None
    ) -> None: ...
    async def on_position_closed(self, contract_id: str, account_id: int | None = None) -> None: ...
    async def track_oco_pair(self, order1_id: int, order2_id: int) -> None: ...
    async def close_position(
        self,
        contract_id: str,
        method: str = "market",
        limit_price: float | None = None,
        account_id: int | None = None,
    ) -> OrderPlaceResponse | None: ...


class PositionManagerProtocol(Protocol):
    """The position manager."""

    async def get_all_positions(self, account_id: int | None = None) -> list[Position]: ...
    async def get_position(
        self, contract_id: str, account_id: int | None = None
    ) -> Position | None: ...
    async def refresh_positions(self, account_id: int | None = None) -> bool: ...
    async def calculate_position_pnl(
        self, position: Position, current_price: float, point_value: float | None = None
    ) -> PositionAnalysisResponse: ...
    async def get_portfolio_pnl(
        self, account_id: int | None = None
    ) -> PortfolioMetricsResponse: ...
    async def get_risk_metrics(self) -> RiskAnalysisResponse: ...
    async def get_position_statistics(self) -> PositionManagerStats: ...
    async def close_position_direct(
        self, contract_id: str, account_id: int | None = None
    ) -> dict[str, Any]: ...
    async def partially_close_position(
        self, contract_id: str, reduce_by: int, account_id: int | None = None
    ) -> dict[str, Any]: ...
    async def stop_monitoring(self) -> None: ...


class ProjectXRealtimeClientProtocol(Protocol):
    """The hubs client (``ProjectXRealtimeClient``)."""

    async def setup_connections(self) -> None: ...
    async def connect(self) -> bool: ...
    async def disconnect(self) -> None: ...
    async def subscribe_user_updates(self) -> bool: ...
    async def unsubscribe_user_updates(self) -> bool: ...
    async def subscribe_market_data(self, contract_ids: list[str]) -> bool: ...
    async def unsubscribe_market_data(self, contract_ids: list[str]) -> bool: ...
    async def add_callback(
        self, event_type: str, callback: Callable[[dict[str, Any]], Any]
    ) -> None: ...
    async def remove_callback(
        self, event_type: str, callback: Callable[[dict[str, Any]], Any]
    ) -> None: ...
    def is_connected(self) -> bool: ...
    def get_stats(self) -> dict[str, Any]: ...
    async def update_jwt_token(self, new_jwt_token: str, timeout: float = 30.0) -> bool: ...  # noqa: ASYNC109  (project-x-py API)
    async def cleanup(self) -> None: ...
    def get_task_stats(self) -> dict[str, Any]: ...
    async def configure_health_monitoring(
        self,
        heartbeat_interval: float = 10.0,
        health_threshold: float = 70.0,
        latency_threshold_ms: float = 2000.0,
        max_latency_samples: int = 1000,
    ) -> None: ...
    async def get_health_status(self) -> dict[str, Any]: ...
    async def get_performance_metrics(self) -> dict[str, Any]: ...
    async def is_connection_healthy(self, threshold: float | None = None) -> bool: ...
    async def force_health_reconnect(self) -> bool: ...


class RealtimeDataManagerProtocol(Protocol):
    """The real-time bar manager."""

    async def initialize(self, initial_days: int = 1) -> bool: ...
    async def start_realtime_feed(self) -> bool: ...
    async def stop_realtime_feed(self) -> None: ...
    async def get_data(
        self, timeframe: str = "5min", bars: int | None = None
    ) -> pl.DataFrame | None: ...
    async def get_current_price(self) -> float | None: ...
    async def get_mtf_data(self) -> dict[str, pl.DataFrame]: ...
    async def add_callback(
        self, event_type: str, callback: Callable[[dict[str, Any]], Any]
    ) -> None: ...
    def get_memory_stats(self) -> dict[str, Any]: ...
    def get_realtime_validation_status(self) -> dict[str, Any]: ...
    async def cleanup(self) -> None: ...
    def start_cleanup_task(self) -> None: ...
    async def stop_cleanup_task(self) -> None: ...
