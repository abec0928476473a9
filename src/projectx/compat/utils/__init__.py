"""project-x-py's utilities (``project_x_py.utils``) over the core.

Left out: ``lock_benchmarker``, ``lock_optimization`` and ``lock_profiler_tool`` (profiling
tools for project-x-py's own locks, which have no counterpart here).
"""

from __future__ import annotations

from projectx.compat.utils.async_rate_limiter import (
    RateLimiter,
)
from projectx.compat.utils.data_utils import (
    create_data_snapshot,
    get_polars_last_value,
    get_polars_rows,
)
from projectx.compat.utils.environment import (
    get_env_var,
)
from projectx.compat.utils.error_handler import (
    ErrorContext,
    handle_errors,
    handle_rate_limit,
    retry_on_network_error,
    validate_response,
)
from projectx.compat.utils.error_messages import (
    ErrorCode,
    ErrorMessages,
    format_error_message,
)
from projectx.compat.utils.formatting import (
    format_price,
    format_volume,
)
from projectx.compat.utils.logging_config import (
    LogContext,
    LogMessages,
    ProjectXLogger,
    configure_sdk_logging,
    log_api_call,
)
from projectx.compat.utils.logging_utils import (
    setup_logging,
)
from projectx.compat.utils.market_utils import (
    convert_timeframe_to_seconds,
    extract_symbol_from_contract_id,
    get_market_session_info,
    is_market_hours,
    validate_contract_id,
)
from projectx.compat.utils.pattern_detection import (
    detect_candlestick_patterns,
    detect_chart_patterns,
)
from projectx.compat.utils.portfolio_analytics import (
    calculate_correlation_matrix,
    calculate_max_drawdown,
    calculate_portfolio_metrics,
    calculate_sharpe_ratio,
    calculate_volatility_metrics,
)
from projectx.compat.utils.trading_calculations import (
    calculate_position_sizing,
    calculate_position_value,
    calculate_risk_reward_ratio,
    calculate_tick_value,
    round_to_tick_size,
)

__all__ = [
    "ErrorCode",
    "ErrorContext",
    "ErrorMessages",
    "LogContext",
    "LogMessages",
    "ProjectXLogger",
    "RateLimiter",
    "calculate_correlation_matrix",
    "calculate_max_drawdown",
    "calculate_portfolio_metrics",
    "calculate_position_sizing",
    "calculate_position_value",
    "calculate_risk_reward_ratio",
    "calculate_sharpe_ratio",
    "calculate_tick_value",
    "calculate_volatility_metrics",
    "configure_sdk_logging",
    "convert_timeframe_to_seconds",
    "create_data_snapshot",
    "detect_candlestick_patterns",
    "detect_chart_patterns",
    "extract_symbol_from_contract_id",
    "format_error_message",
    "format_price",
    "format_volume",
    "get_env_var",
    "get_market_session_info",
    "get_polars_last_value",
    "get_polars_rows",
    "handle_errors",
    "handle_rate_limit",
    "is_market_hours",
    "log_api_call",
    "retry_on_network_error",
    "round_to_tick_size",
    "setup_logging",
    "validate_contract_id",
    "validate_response",
]
