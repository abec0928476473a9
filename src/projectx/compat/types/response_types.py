"""project-x-py's analysis and statistics answers (``project_x_py.types.response_types``)."""

from typing import Any, NotRequired, TypedDict

__all__ = [
    "ComprehensiveAnalysisResponse",
    "ConnectionStatsResponse",
    "ErrorResponse",
    "HealthStatusResponse",
    "IcebergDetectionResponse",
    "LiquidityAnalysisResponse",
    "MarketImpactResponse",
    "MemoryStatsResponse",
    "OrderStatsResponse",
    "OrderbookAnalysisResponse",
    "PerformanceStatsResponse",
    "PortfolioMetricsResponse",
    "PositionAnalysisResponse",
    "PositionSizingResponse",
    "RiskAnalysisResponse",
    "RiskValidationResponse",
    "SpoofingDetectionResponse",
    "TradeAnalysisResponse",
    "VolumeProfileListResponse",
    "VolumeProfileResponse",
]


class HealthStatusResponse(TypedDict):
    """Client health."""

    status: str
    timestamp: str
    uptime_seconds: int
    api_version: str
    connection_status: str
    database_status: str
    cache_status: str
    websocket_status: str
    last_heartbeat: str
    response_time_ms: float


class PerformanceStatsResponse(TypedDict):
    """Client performance counters."""

    api_calls: int
    cache_hits: int
    cache_misses: int
    cache_hit_ratio: float
    total_requests: int
    active_connections: int


class RiskAnalysisResponse(TypedDict):
    """Risk analysis of the account."""

    current_risk: float
    max_risk: float
    daily_loss: float
    daily_loss_limit: float
    position_count: int
    position_limit: int
    daily_trades: int
    daily_trade_limit: int
    win_rate: float
    profit_factor: float
    sharpe_ratio: float
    max_drawdown: float
    position_risks: list[dict[str, Any]]
    risk_per_trade: float
    account_balance: float
    margin_used: float
    margin_available: float


class PositionSizingResponse(TypedDict):
    """A position-size suggestion."""

    position_size: int
    risk_amount: float
    risk_percent: float
    entry_price: float
    stop_loss: float
    tick_size: float
    account_balance: float
    kelly_fraction: float | None
    max_position_size: int
    sizing_method: str


class RiskValidationResponse(TypedDict):
    """Whether a trade passes the risk rules."""

    is_valid: bool
    reasons: list[str]
    warnings: list[str]
    current_risk: float
    daily_loss: float
    daily_trades: int
    position_count: int
    portfolio_risk: float


class PortfolioMetricsResponse(TypedDict):
    """Portfolio performance."""

    total_value: float
    total_pnl: float
    realized_pnl: float
    unrealized_pnl: float
    daily_pnl: float
    weekly_pnl: float
    monthly_pnl: float
    ytd_pnl: float
    total_return: float
    annualized_return: float
    sharpe_ratio: float
    sortino_ratio: float
    max_drawdown: float
    win_rate: float
    profit_factor: float
    avg_win: float
    avg_loss: float
    total_trades: int
    winning_trades: int
    losing_trades: int
    largest_win: float
    largest_loss: float
    avg_trade_duration_minutes: float
    last_updated: str


class OrderbookAnalysisResponse(TypedDict):
    """Order-book structure."""

    bid_depth: int
    ask_depth: int
    total_bid_size: int
    total_ask_size: int
    avg_bid_size: float
    avg_ask_size: float
    price_levels: int
    order_clustering: float
    imbalance: float
    spread: float
    mid_price: float
    weighted_mid_price: float
    volume_weighted_avg_price: float
    time_weighted_avg_price: float
    timestamp: str


class LiquidityAnalysisResponse(TypedDict):
    """Order-book liquidity."""

    bid_liquidity: float
    ask_liquidity: float
    total_liquidity: float
    avg_spread: float
    spread_volatility: float
    liquidity_score: float
    market_depth_score: float
    resilience_score: float
    tightness_score: float
    immediacy_score: float
    depth_imbalance: float
    effective_spread: float
    realized_spread: float
    price_impact: float
    timestamp: str


class MarketImpactResponse(TypedDict):
    """Estimated market impact of an order."""

    estimated_fill_price: float
    price_impact_pct: float
    spread_cost: float
    market_impact_cost: float
    total_transaction_cost: float
    levels_consumed: int
    remaining_liquidity: float
    confidence_level: float
    slippage_estimate: float
    timing_risk: float
    liquidity_premium: float
    implementation_shortfall: float
    timestamp: str


class IcebergDetectionResponse(TypedDict):
    """A suspected iceberg order."""

    price: float
    side: str
    visible_size: int
    total_volume: int
    refill_count: int
    avg_refill_size: float
    time_active_minutes: float
    confidence: float
    pattern: str
    first_detected: str
    last_refresh: str


class SpoofingDetectionResponse(TypedDict):
    """A suspected spoofing pattern."""

    price: float
    side: str
    order_size: int
    placement_frequency: float
    cancellation_rate: float
    time_to_cancel_avg_seconds: float
    distance_from_market: float
    confidence: float
    pattern: str
    first_detected: str
    last_detected: str
    total_instances: int


class OrderStatsResponse(TypedDict):
    """Order statistics."""

    orders_placed: int
    orders_filled: int
    orders_cancelled: int
    orders_rejected: int
    orders_modified: int
    bracket_orders: int
    fill_rate: float
    cancellation_rate: float
    rejection_rate: float
    avg_fill_time_seconds: float
    avg_fill_price: float
    total_volume: int
    total_fees: float
    slippage_avg_ticks: float
    last_order_time: str | None
    performance_score: float


class PositionAnalysisResponse(TypedDict):
    """Analysis of one position."""

    position_id: int
    contract_id: str
    entry_price: float
    current_price: float
    unrealized_pnl: float
    position_size: int
    position_value: float
    margin_used: float
    duration_minutes: int
    high_water_mark: float
    low_water_mark: float
    max_unrealized_pnl: float
    min_unrealized_pnl: float
    volatility: float
    beta: float
    delta_exposure: float
    gamma_exposure: float
    theta_decay: float
    risk_contribution: float
    analysis_timestamp: str
    error: NotRequired[str]


class TradeAnalysisResponse(TypedDict):
    """Execution quality of one trade."""

    trade_id: int
    execution_price: float
    market_price_at_execution: float
    slippage_ticks: float
    slippage_dollars: float
    timing_cost: float
    market_impact: float
    fill_quality_score: float
    venue_liquidity: float
    spread_at_execution: float
    volume_participation_rate: float
    price_improvement: float
    execution_shortfall: float
    benchmark_comparison: str
    execution_timestamp: str


class MemoryStatsResponse(TypedDict):
    """Memory usage."""

    total_memory_mb: float
    used_memory_mb: float
    available_memory_mb: float
    memory_usage_percent: float
    cache_size_mb: float
    buffer_size_mb: float
    gc_collections: int
    gc_time_ms: float
    objects_tracked: int
    memory_leaks_detected: int
    last_cleanup: str
    next_cleanup: str


class ConnectionStatsResponse(TypedDict):
    """Connection statistics."""

    active_connections: int
    total_connections: int
    failed_connections: int
    connection_success_rate: float
    avg_connection_time_ms: float
    websocket_connections: int
    http_connections: int
    reconnection_attempts: int
    last_reconnection: str | None
    uptime_seconds: int
    data_sent_bytes: int
    data_received_bytes: int
    messages_sent: int
    messages_received: int


class ErrorResponse(TypedDict):
    """A structured SDK error."""

    error_code: int
    error_message: str
    error_type: str
    error_category: str
    timestamp: str
    request_id: str
    endpoint: str
    method: str
    user_message: str
    technical_details: NotRequired[dict[str, Any]]
    suggested_action: NotRequired[str]
    retry_after_seconds: NotRequired[int]


class VolumeProfileResponse(TypedDict):
    """One volume-profile level."""

    price_min: float
    price_max: float
    volume: int
    percentage: float
    value_area_high: float
    value_area_low: float
    point_of_control: float
    profile_type: str
    total_volume: int
    session_info: dict[str, Any]


class VolumeProfileListResponse(TypedDict):
    """A volume profile."""

    levels: list[VolumeProfileResponse]
    total_volume: int
    price_range: float
    value_area_volume_percent: float
    session_start: str
    session_end: str
    analysis_timestamp: str


class ComprehensiveAnalysisResponse(TypedDict):
    """Everything the analyses give, together."""

    market_structure: OrderbookAnalysisResponse
    liquidity_analysis: LiquidityAnalysisResponse
    risk_metrics: RiskAnalysisResponse
    performance_stats: PerformanceStatsResponse
    volume_profile: VolumeProfileListResponse
    detected_patterns: list[str]
    market_regime: str
    confidence_score: float
    analysis_timestamp: str
    recommendations: list[str]
