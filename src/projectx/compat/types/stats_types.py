"""project-x-py's component statistics shapes (``project_x_py.types.stats_types``)."""

from typing import Any, NotRequired, TypedDict

__all__ = [
    "CacheStats",
    "ComponentStats",
    "ComprehensiveStats",
    "ConnectionStats",
    "ErrorInfo",
    "ErrorStats",
    "HTTPClientStats",
    "HealthStats",
    "MemoryUsageStats",
    "OrderManagerStats",
    "OrderbookStats",
    "PerformanceStats",
    "PositionManagerStats",
    "RealtimeConnectionStats",
    "RealtimeDataManagerStats",
    "RiskManagerStats",
    "TradingStats",
    "TradingSuiteStats",
]


class ComponentStats(TypedDict):
    """One component's statistics."""

    name: str
    status: str
    uptime_seconds: int
    last_activity: str | None
    error_count: int
    memory_usage_mb: float
    performance_metrics: NotRequired[dict[str, Any]]


class TradingSuiteStats(TypedDict):
    """TradingSuite statistics."""

    suite_id: str
    instrument: str
    created_at: str
    uptime_seconds: int
    status: str
    connected: bool
    components: dict[str, ComponentStats]
    realtime_connected: bool
    user_hub_connected: bool
    market_hub_connected: bool
    total_api_calls: int
    successful_api_calls: int
    failed_api_calls: int
    avg_response_time_ms: float
    cache_hit_rate: float
    memory_usage_mb: float
    active_subscriptions: int
    message_queue_size: int
    features_enabled: list[str]
    timeframes: list[str]
    total_errors: NotRequired[int]
    health_score: NotRequired[float]


class HealthStats(TypedDict):
    """Health scores."""

    overall_score: float
    component_scores: dict[str, float]
    issues: list[str]


class PerformanceStats(TypedDict):
    """Performance summary."""

    api_calls_total: int
    cache_hit_rate: float
    avg_response_time: float
    requests_per_second: float


class ErrorInfo(TypedDict):
    """One recorded error."""

    timestamp: str | None
    component: str
    error_type: str
    message: str
    severity: str


class ErrorStats(TypedDict):
    """Error summary."""

    total_errors: int
    error_rate: float
    errors_by_component: dict[str, int]
    recent_errors: list[ErrorInfo]


class ConnectionStats(TypedDict):
    """Connection summary."""

    active_connections: int
    connection_status: dict[str, str]
    connection_uptime: dict[str, float]


class TradingStats(TypedDict):
    """Trading summary."""

    orders_today: int
    fills_today: int
    active_positions: int
    pnl_today: float | None


class OrderManagerStats(TypedDict):
    """OrderManager statistics."""

    orders_placed: int
    orders_filled: int
    orders_cancelled: int
    orders_rejected: int
    orders_modified: int
    fill_rate: float
    avg_fill_time_ms: float
    rejection_rate: float
    market_orders: int
    limit_orders: int
    stop_orders: int
    bracket_orders: int
    last_order_time: str | None
    avg_order_response_time_ms: float
    fastest_fill_ms: float
    slowest_fill_ms: float
    total_volume: int
    total_value: float
    avg_order_size: float
    largest_order: int
    risk_violations: int
    order_validation_failures: int


class PositionManagerStats(TypedDict):
    """PositionManager statistics."""

    open_positions: int
    closed_positions: int
    total_positions: int
    total_pnl: float
    realized_pnl: float
    unrealized_pnl: float
    best_position_pnl: float
    worst_position_pnl: float
    avg_position_size: float
    largest_position: int
    avg_hold_time_minutes: float
    longest_hold_time_minutes: float
    win_rate: float
    profit_factor: float
    sharpe_ratio: float
    max_drawdown: float
    total_risk: float
    max_position_risk: float
    portfolio_correlation: float
    var_95: float
    position_updates: int
    risk_calculations: int
    last_position_update: str | None


class RealtimeDataManagerStats(TypedDict):
    """RealtimeDataManager statistics."""

    bars_processed: int
    ticks_processed: int
    quotes_processed: int
    trades_processed: int
    timeframe_stats: dict[str, dict[str, int]]
    avg_processing_time_ms: float
    data_latency_ms: float
    buffer_utilization: float
    total_bars_stored: int
    memory_usage_mb: float
    compression_ratio: float
    updates_per_minute: float
    last_update: str | None
    data_freshness_seconds: float
    data_validation_errors: int
    connection_interruptions: int
    recovery_attempts: int
    overflow_stats: dict[str, Any]
    buffer_overflow_stats: dict[str, Any]
    lock_optimization_stats: dict[str, Any]


class OrderbookStats(TypedDict):
    """OrderBook statistics."""

    avg_bid_depth: int
    avg_ask_depth: int
    max_bid_depth: int
    max_ask_depth: int
    trades_processed: int
    avg_trade_size: float
    largest_trade: int
    total_volume: int
    avg_spread: float
    spread_volatility: float
    price_levels: int
    order_clustering: float
    icebergs_detected: int
    spoofing_alerts: int
    unusual_patterns: int
    update_frequency_per_second: float
    processing_latency_ms: float
    memory_usage_mb: float
    data_gaps: int
    invalid_updates: int
    duplicate_updates: int


class RiskManagerStats(TypedDict):
    """RiskManager statistics."""

    rules_evaluated: int
    rule_violations: int
    rule_warnings: int
    rules_passed: int
    total_risk_exposure: float
    max_position_risk: float
    portfolio_risk: float
    var_95: float
    max_loss_limit: float
    daily_loss_limit: float
    position_size_limit: int
    leverage_limit: float
    stop_losses_triggered: int
    margin_calls: int
    risk_alerts: int
    emergency_stops: int
    risk_calculations_per_second: float
    avg_calculation_time_ms: float
    memory_usage_mb: float
    managed_trades_active: int
    managed_trades_completed: int
    managed_trades_stopped: int
    avg_trade_duration_minutes: float
    sharpe_ratio: float
    sortino_ratio: float
    max_drawdown: float
    risk_adjusted_return: float


class RealtimeConnectionStats(TypedDict):
    """Hub connection statistics."""

    user_hub_connected: bool
    market_hub_connected: bool
    connection_uptime_seconds: int
    reconnection_attempts: int
    last_reconnection: str | None
    connection_stability_score: float
    messages_sent: int
    messages_received: int
    message_queue_size: int
    avg_message_latency_ms: float
    subscriptions_active: int
    data_rate_per_second: float
    bandwidth_usage_kbps: float
    connection_errors: int
    message_errors: int
    timeout_errors: int
    last_error: str | None


class HTTPClientStats(TypedDict):
    """HTTP client statistics."""

    total_requests: int
    successful_requests: int
    failed_requests: int
    avg_response_time_ms: float
    fastest_request_ms: float
    slowest_request_ms: float
    response_codes: dict[str, int]
    rate_limit_hits: int
    retry_attempts: int
    backoff_delays_ms: list[float]
    cache_hits: int
    cache_misses: int
    cache_hit_rate: float
    active_connections: int
    connection_reuse_rate: float


class CacheStats(TypedDict):
    """Cache statistics."""

    cache_hits: int
    cache_misses: int
    cache_hit_rate: float
    items_cached: int
    total_size_mb: float
    avg_item_size_kb: float
    avg_lookup_time_ms: float
    evictions: int
    ttl_expirations: int
    memory_limit_mb: float
    memory_usage_mb: float
    memory_pressure: float


class MemoryUsageStats(TypedDict):
    """Memory statistics."""

    total_memory_mb: float
    used_memory_mb: float
    available_memory_mb: float
    memory_usage_percent: float
    component_memory: dict[str, float]
    gc_collections: int
    gc_time_ms: float
    objects_tracked: int
    memory_alerts: int
    out_of_memory_errors: int
    cleanup_operations: int
    last_cleanup: str | None


class ComprehensiveStats(TypedDict):
    """All statistics together."""

    suite: TradingSuiteStats
    health: NotRequired[HealthStats]
    performance: NotRequired[PerformanceStats]
    errors: NotRequired[ErrorStats]
    connections: NotRequired[ConnectionStats]
    trading: NotRequired[TradingStats]
    order_manager: NotRequired[OrderManagerStats]
    position_manager: NotRequired[PositionManagerStats]
    data_manager: NotRequired[RealtimeDataManagerStats]
    orderbook: NotRequired[OrderbookStats]
    risk_manager: NotRequired[RiskManagerStats]
    realtime: NotRequired[RealtimeConnectionStats]
    http_client: NotRequired[HTTPClientStats]
    cache: NotRequired[CacheStats]
    memory: NotRequired[MemoryUsageStats]
    generated_at: str
    collection_time_ms: float
