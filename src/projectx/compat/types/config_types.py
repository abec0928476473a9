"""project-x-py's configuration shapes (``project_x_py.types.config_types``)."""

from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict

__all__ = [
    "BacktestConfig",
    "CacheConfig",
    "DataManagerConfig",
    "EnvironmentConfig",
    "FeatureConfig",
    "HTTPConfig",
    "IndicatorConfig",
    "LoggingConfig",
    "MemoryManagementConfig",
    "OrderManagerConfig",
    "OrderbookConfig",
    "PositionManagerConfig",
    "ProjectXSDKConfig",
    "RateLimitConfig",
    "RealtimeConfig",
    "RiskConfig",
    "TradingSuiteConfig",
    "WebSocketConfig",
]


class EnvironmentConfig(TypedDict):
    """Deployment environment flags."""

    environment: Literal["development", "staging", "production"]
    debug_mode: NotRequired[bool]
    verbose_logging: NotRequired[bool]
    enable_profiling: NotRequired[bool]
    mock_external_services: NotRequired[bool]
    test_mode: NotRequired[bool]
    feature_flags: NotRequired[dict[str, bool]]
    external_service_urls: NotRequired[dict[str, str]]


class LoggingConfig(TypedDict):
    """Logging settings."""

    level: str
    format: NotRequired[str]
    handlers: NotRequired[list[str]]
    file_path: NotRequired[str]
    max_file_size_mb: NotRequired[int]
    backup_count: NotRequired[int]
    enable_structured_logging: NotRequired[bool]
    include_timestamps: NotRequired[bool]
    include_thread_info: NotRequired[bool]
    log_performance_metrics: NotRequired[bool]


class HTTPConfig(TypedDict):
    """HTTP client settings."""

    base_url: str
    timeout_seconds: NotRequired[int]
    max_retries: NotRequired[int]
    retry_delay_seconds: NotRequired[float]
    verify_ssl: NotRequired[bool]
    follow_redirects: NotRequired[bool]
    max_redirects: NotRequired[int]
    connection_pool_size: NotRequired[int]
    keep_alive: NotRequired[bool]
    headers: NotRequired[dict[str, str]]


class RealtimeConfig(TypedDict):
    """Hub connection settings."""

    reconnect_attempts: NotRequired[int]
    reconnect_delay_seconds: NotRequired[float]
    heartbeat_interval_seconds: NotRequired[int]
    message_timeout_seconds: NotRequired[int]
    enable_compression: NotRequired[bool]
    buffer_size: NotRequired[int]
    max_message_size: NotRequired[int]
    ping_interval_seconds: NotRequired[int]
    connection_timeout_seconds: NotRequired[int]
    keep_alive: NotRequired[bool]


class WebSocketConfig(TypedDict):
    """WebSocket settings."""

    url: str
    protocols: NotRequired[list[str]]
    headers: NotRequired[dict[str, str]]
    compression: NotRequired[str]
    max_size: NotRequired[int]
    max_queue: NotRequired[int]
    ping_interval: NotRequired[float]
    ping_timeout: NotRequired[float]
    close_timeout: NotRequired[float]
    user_agent_header: NotRequired[str]


class CacheConfig(TypedDict):
    """Cache settings."""

    enabled: NotRequired[bool]
    max_size: NotRequired[int]
    ttl_seconds: NotRequired[int]
    cleanup_interval: NotRequired[int]
    persistence: NotRequired[bool]
    compression: NotRequired[bool]
    memory_limit_mb: NotRequired[int]
    eviction_policy: NotRequired[str]


class RateLimitConfig(TypedDict):
    """Rate-limit settings."""

    requests_per_minute: NotRequired[int]
    burst_limit: NotRequired[int]
    backoff_strategy: NotRequired[str]
    max_backoff_seconds: NotRequired[float]
    enable_jitter: NotRequired[bool]
    track_by_endpoint: NotRequired[bool]
    global_limit: NotRequired[bool]
    per_connection_limit: NotRequired[int]


class TradingSuiteConfig(TypedDict):
    """TradingSuite settings."""

    features: NotRequired[list[str]]
    timeframes: NotRequired[list[str]]
    initial_days: NotRequired[int]
    auto_connect: NotRequired[bool]
    enable_logging: NotRequired[bool]
    log_level: NotRequired[str]
    performance_mode: NotRequired[bool]


class OrderManagerConfig(TypedDict):
    """OrderManager settings."""

    enable_bracket_orders: NotRequired[bool]
    enable_trailing_stops: NotRequired[bool]
    auto_risk_management: NotRequired[bool]
    max_order_size: NotRequired[int]
    max_orders_per_minute: NotRequired[int]
    default_order_type: NotRequired[str]
    enable_order_validation: NotRequired[bool]
    require_confirmation: NotRequired[bool]
    auto_cancel_on_close: NotRequired[bool]
    order_timeout_minutes: NotRequired[int]
    status_check_max_attempts: NotRequired[int]
    status_check_initial_delay: NotRequired[float]
    status_check_backoff_factor: NotRequired[float]
    status_check_max_delay: NotRequired[float]
    status_check_circuit_breaker_threshold: NotRequired[int]
    status_check_circuit_breaker_reset_time: NotRequired[float]


class PositionManagerConfig(TypedDict):
    """PositionManager settings."""

    enable_risk_monitoring: NotRequired[bool]
    auto_stop_loss: NotRequired[bool]
    auto_take_profit: NotRequired[bool]
    max_position_size: NotRequired[int]
    max_portfolio_risk: NotRequired[float]
    position_sizing_method: NotRequired[str]
    enable_correlation_analysis: NotRequired[bool]
    enable_portfolio_rebalancing: NotRequired[bool]
    rebalance_frequency_minutes: NotRequired[int]
    risk_calculation_interval: NotRequired[int]


class DataManagerConfig(TypedDict):
    """RealtimeDataManager settings."""

    max_bars_per_timeframe: NotRequired[int]
    enable_tick_data: NotRequired[bool]
    enable_level2_data: NotRequired[bool]
    buffer_size: NotRequired[int]
    compression_enabled: NotRequired[bool]
    data_validation: NotRequired[bool]
    auto_cleanup: NotRequired[bool]
    cleanup_interval_minutes: NotRequired[int]
    historical_data_cache: NotRequired[bool]
    cache_expiry_hours: NotRequired[int]
    timezone: NotRequired[str]
    initial_days: NotRequired[int]
    data_lock_timeout: NotRequired[float]
    session_data_timeout: NotRequired[float]
    enable_dynamic_limits: NotRequired[bool]
    resource_config: NotRequired[dict[str, Any]]


class OrderbookConfig(TypedDict):
    """OrderBook settings."""

    max_depth_levels: NotRequired[int]
    max_trade_history: NotRequired[int]
    enable_market_by_order: NotRequired[bool]
    enable_analytics: NotRequired[bool]
    enable_pattern_detection: NotRequired[bool]
    snapshot_interval_seconds: NotRequired[int]
    memory_limit_mb: NotRequired[int]
    compression_level: NotRequired[int]
    enable_delta_updates: NotRequired[bool]
    price_precision: NotRequired[int]


class IndicatorConfig(TypedDict):
    """Indicator settings."""

    cache_results: NotRequired[bool]
    parallel_calculation: NotRequired[bool]
    precision: NotRequired[int]
    smoothing_factor: NotRequired[float]
    lookback_periods: NotRequired[int]
    enable_volume_indicators: NotRequired[bool]
    enable_momentum_indicators: NotRequired[bool]
    enable_volatility_indicators: NotRequired[bool]
    custom_periods: NotRequired[dict[str, int]]


class RiskConfig(TypedDict):
    """Risk-analysis settings."""

    var_confidence_level: NotRequired[float]
    lookback_days: NotRequired[int]
    monte_carlo_simulations: NotRequired[int]
    stress_test_scenarios: NotRequired[list[str]]
    correlation_threshold: NotRequired[float]
    max_correlation: NotRequired[float]
    enable_scenario_analysis: NotRequired[bool]
    risk_calculation_frequency: NotRequired[str]


class BacktestConfig(TypedDict):
    """Backtest settings."""

    start_date: str
    end_date: str
    initial_capital: float
    commission_per_trade: float
    slippage_bps: int
    benchmark: NotRequired[str]
    rebalance_frequency: NotRequired[str]
    enable_short_selling: NotRequired[bool]
    max_leverage: NotRequired[float]
    margin_requirement: NotRequired[float]


class FeatureConfig(TypedDict):
    """Feature switches."""

    orderbook: NotRequired[bool]
    realtime_tracking: NotRequired[bool]
    risk_management: NotRequired[bool]
    portfolio_analytics: NotRequired[bool]
    pattern_detection: NotRequired[bool]
    advanced_orders: NotRequired[bool]
    market_scanner: NotRequired[bool]
    backtesting: NotRequired[bool]


class ProjectXSDKConfig(TypedDict):
    """The whole SDK configuration."""

    environment: NotRequired[EnvironmentConfig]
    logging: NotRequired[LoggingConfig]
    trading_suite: NotRequired[TradingSuiteConfig]
    order_manager: NotRequired[OrderManagerConfig]
    position_manager: NotRequired[PositionManagerConfig]
    data_manager: NotRequired[DataManagerConfig]
    orderbook: NotRequired[OrderbookConfig]
    realtime: NotRequired[RealtimeConfig]
    websocket: NotRequired[WebSocketConfig]
    http: NotRequired[HTTPConfig]
    cache: NotRequired[CacheConfig]
    rate_limit: NotRequired[RateLimitConfig]
    memory: NotRequired[dict[str, Any]]
    indicators: NotRequired[IndicatorConfig]
    risk: NotRequired[RiskConfig]
    backtest: NotRequired[BacktestConfig]


@dataclass
class MemoryManagementConfig:
    """Memory-management settings."""

    max_memory_mb: int = 512
    gc_threshold: float = 0.8
    cleanup_interval_seconds: int = 300
    enable_memory_monitoring: bool = True
    memory_alerts: bool = True
    alert_threshold_mb: int = 400
    auto_optimize: bool = True
    debug_memory_usage: bool = False
