"""project-x-py 4.4.1's public API over projectx: replace ``project_x_py`` by ``projectx.compat``.

An adapter, not a second SDK: every name here maps onto the core (``projectx``) and holds no
trading logic of its own. Where project-x-py is wrong, compat keeps its shapes and gives correct
content; docs/compat.md lists every deliberate difference and a migration table.
"""

from __future__ import annotations

from projectx.compat.client import ProjectX
from projectx.compat.config import (
    ConfigManager,
    create_custom_config,
    load_default_config,
    load_topstepx_config,
)
from projectx.compat.event_bus import EventBus, EventType
from projectx.compat.exceptions import (
    OrderSubmissionUncertainError,
    ProjectXAuthenticationError,
    ProjectXConnectionError,
    ProjectXDataError,
    ProjectXError,
    ProjectXInstrumentError,
    ProjectXOrderError,
    ProjectXPositionError,
    ProjectXRateLimitError,
    ProjectXServerError,
)
from projectx.compat.indicators import (
    calculate_adx,
    calculate_atr,
    calculate_bollinger_bands,
    calculate_commodity_channel_index,
    calculate_ema,
    calculate_macd,
    calculate_obv,
    calculate_rsi,
    calculate_sma,
    calculate_stochastic,
    calculate_vwap,
    calculate_williams_r,
)
from projectx.compat.models import (
    Account,
    BracketOrderResponse,
    Instrument,
    Order,
    OrderPlaceResponse,
    Position,
    ProjectXConfig,
    Trade,
)
from projectx.compat.order_manager import OrderManager
from projectx.compat.order_templates import (
    ATRStopTemplate,
    BreakoutTemplate,
    OrderTemplate,
    RiskRewardTemplate,
    ScalpingTemplate,
    get_template,
)
from projectx.compat.order_tracker import OrderChainBuilder, OrderLifecycleError, OrderTracker
from projectx.compat.orderbook import OrderBook, create_orderbook
from projectx.compat.position_manager import PositionManager
from projectx.compat.realtime_data_manager import RealtimeDataManager
from projectx.compat.sessions import (
    DEFAULT_SESSIONS,
    SessionAnalytics,
    SessionConfig,
    SessionFilterMixin,
    SessionStatistics,
    SessionTimes,
    SessionType,
    aggregate_session_bars,
    resolve_session_product,
)
from projectx.compat.trading_suite import Features, TradingSuite, TradingSuiteConfig
from projectx.compat.types import (
    HealthStatusResponse,
    OrderManagerConfig,
    OrderSide,
    OrderStatus,
    OrderType,
    PerformanceStatsResponse,
    PortfolioMetricsResponse,
    PositionManagerConfig,
    PositionType,
    RiskAnalysisResponse,
)
from projectx.compat.utils import (
    RateLimiter,
    calculate_max_drawdown,
    calculate_portfolio_metrics,
    calculate_sharpe_ratio,
    get_env_var,
    round_to_tick_size,
    setup_logging,
)

__author__ = "projectx (project-x-py compatibility layer)"
__version__ = "4.4.1"
"""The project-x-py version whose API this mirrors (projectx's own is ``projectx.__version__``)."""

__all__ = [
    "DEFAULT_SESSIONS",
    "ATRStopTemplate",
    "Account",
    "BracketOrderResponse",
    "BreakoutTemplate",
    "ConfigManager",
    "EventBus",
    "EventType",
    "Features",
    "HealthStatusResponse",
    "Instrument",
    "Order",
    "OrderBook",
    "OrderChainBuilder",
    "OrderLifecycleError",
    "OrderManager",
    "OrderManagerConfig",
    "OrderPlaceResponse",
    "OrderSide",
    "OrderStatus",
    "OrderSubmissionUncertainError",
    "OrderTemplate",
    "OrderTracker",
    "OrderType",
    "PerformanceStatsResponse",
    "PortfolioMetricsResponse",
    "Position",
    "PositionManager",
    "PositionManagerConfig",
    "PositionType",
    "ProjectX",
    "ProjectXAuthenticationError",
    "ProjectXConfig",
    "ProjectXConnectionError",
    "ProjectXDataError",
    "ProjectXError",
    "ProjectXInstrumentError",
    "ProjectXOrderError",
    "ProjectXPositionError",
    "ProjectXRateLimitError",
    "ProjectXServerError",
    "RateLimiter",
    "RealtimeDataManager",
    "RiskAnalysisResponse",
    "RiskRewardTemplate",
    "ScalpingTemplate",
    "SessionAnalytics",
    "SessionConfig",
    "SessionFilterMixin",
    "SessionStatistics",
    "SessionTimes",
    "SessionType",
    "Trade",
    "TradingSuite",
    "TradingSuiteConfig",
    "aggregate_session_bars",
    "calculate_adx",
    "calculate_atr",
    "calculate_bollinger_bands",
    "calculate_commodity_channel_index",
    "calculate_ema",
    "calculate_macd",
    "calculate_max_drawdown",
    "calculate_obv",
    "calculate_portfolio_metrics",
    "calculate_rsi",
    "calculate_sharpe_ratio",
    "calculate_sma",
    "calculate_stochastic",
    "calculate_vwap",
    "calculate_williams_r",
    "create_custom_config",
    "create_orderbook",
    "get_env_var",
    "get_template",
    "load_default_config",
    "load_topstepx_config",
    "resolve_session_product",
    "round_to_tick_size",
    "setup_logging",
]
