"""project-x-py's error message templates, error codes and exception helpers."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from projectx import exceptions as core
from projectx.compat.exceptions import (
    ProjectXAuthenticationError,
    ProjectXConnectionError,
    ProjectXDataError,
    ProjectXError,
    ProjectXRateLimitError,
    ProjectXServerError,
)

__all__ = [
    "UTC",
    "ErrorCode",
    "ErrorMessages",
    "create_error_context",
    "enhance_exception",
    "format_error_message",
    "get_error_code",
]


class ErrorMessages:
    """project-x-py's message templates (``str.format`` placeholders)."""

    AUTH_MISSING_CREDENTIALS = "Missing authentication credentials"
    AUTH_INVALID_CREDENTIALS = "Invalid authentication credentials"
    AUTH_TOKEN_EXPIRED = "Authentication token has expired"
    AUTH_TOKEN_INVALID = "Invalid authentication token"
    AUTH_SESSION_EXPIRED = "Session has expired, please re-authenticate"
    AUTH_PERMISSION_DENIED = "Permission denied for this operation"
    AUTH_FAILED = "Authentication failed"
    AUTH_NO_ACCOUNTS = "No accounts found for user"
    CONN_FAILED = "Failed to connect to ProjectX API"
    CONN_TIMEOUT = "Connection timed out"
    CONN_LOST = "Lost connection to server"
    CONN_REFUSED = "Connection refused by server"
    CONN_SSL_ERROR = "SSL/TLS connection error"
    API_INVALID_ENDPOINT = "Invalid API endpoint: {endpoint}"
    API_METHOD_NOT_ALLOWED = "HTTP method {method} not allowed for {endpoint}"
    API_RESOURCE_NOT_FOUND = "Resource not found: {resource}"
    API_INVALID_REQUEST = "Invalid request: {reason}"
    API_SERVER_ERROR = "Server error: {status_code} - {message}"
    API_RATE_LIMITED = "Rate limit exceeded, retry after {retry_after}s"
    API_REQUEST_FAILED = "API request failed"
    DATA_MISSING_FIELD = "Missing required field: {field}"
    DATA_INVALID_TYPE = "Invalid type for {field}: expected {expected}, got {actual}"
    DATA_INVALID_VALUE = "Invalid value for {field}: {value}"
    DATA_PARSE_ERROR = "Failed to parse {data_type}: {reason}"
    DATA_VALIDATION_FAILED = "Data validation failed: {errors}"
    ORDER_INVALID_SIDE = "Invalid order side: {side}"
    ORDER_INVALID_TYPE = "Invalid order type: {order_type}"
    ORDER_NO_ACCOUNT = "No account information available"
    ORDER_FAILED = "Order placement failed"
    ORDER_SEARCH_FAILED = "Order search failed"
    ORDER_INVALID_SIZE = "Invalid order size: {size}"
    ORDER_INVALID_PRICE = "Invalid order price: {price}"
    ORDER_NOT_FOUND = "Order not found: {order_id}"
    ORDER_ALREADY_FILLED = "Order already filled: {order_id}"
    ORDER_ALREADY_CANCELLED = "Order already cancelled: {order_id}"
    ORDER_CANCEL_FAILED = "Failed to cancel order {order_id}: {reason}"
    ORDER_MODIFY_FAILED = "Failed to modify order {order_id}: {reason}"
    ORDER_INSUFFICIENT_MARGIN = "Insufficient margin for order"
    ORDER_MARKET_CLOSED = "Market is closed for {instrument}"
    ORDER_RISK_EXCEEDED = "Order exceeds risk limits"
    POSITION_NOT_FOUND = "Position not found: {position_id}"
    POSITION_ALREADY_CLOSED = "Position already closed: {position_id}"
    POSITION_INSUFFICIENT_SIZE = "Insufficient position size for operation"
    POSITION_WRONG_SIDE = "Operation not allowed for {side} position"
    INSTRUMENT_NOT_FOUND = "Instrument not found: {symbol}"
    INSTRUMENT_NOT_TRADEABLE = "Instrument not tradeable: {symbol}"
    INSTRUMENT_MARKET_CLOSED = "Market closed for {symbol}"
    INSTRUMENT_INVALID_SYMBOL = "Invalid symbol format: {symbol}"
    WS_CONNECTION_FAILED = "WebSocket connection failed: {reason}"
    WS_AUTHENTICATION_FAILED = "WebSocket authentication failed"
    WS_SUBSCRIPTION_FAILED = "Failed to subscribe to {channel}: {reason}"
    WS_MESSAGE_PARSE_ERROR = "Failed to parse WebSocket message"
    WS_UNEXPECTED_CLOSE = "WebSocket closed unexpectedly: {code} - {reason}"
    CONFIG_MISSING = "Missing configuration: {key}"
    CONFIG_INVALID = "Invalid configuration value for {key}: {value}"
    CONFIG_FILE_NOT_FOUND = "Configuration file not found: {path}"
    CONFIG_PARSE_ERROR = "Failed to parse configuration: {reason}"
    ACCOUNT_NOT_FOUND = (
        "Account '{account_name}' not found. Available accounts: {available_accounts}"
    )
    INTERNAL_ERROR = "Internal error: {reason}"
    NOT_IMPLEMENTED = "Feature not implemented: {feature}"
    OPERATION_FAILED = "Operation failed: {operation}"
    INVALID_STATE = "Invalid state for operation: {state}"
    TIMEOUT = "Operation timed out after {timeout}s"


class ErrorCode:
    """project-x-py's numeric error codes."""

    AUTH_REQUIRED = 1001
    AUTH_INVALID = 1002
    AUTH_EXPIRED = 1003
    AUTH_PERMISSION = 1004
    CONN_FAILED = 2001
    CONN_TIMEOUT = 2002
    CONN_LOST = 2003
    CONN_SSL = 2004
    API_NOT_FOUND = 3404
    API_BAD_REQUEST = 3400
    API_FORBIDDEN = 3403
    API_RATE_LIMIT = 3429
    API_SERVER_ERROR = 3500
    DATA_VALIDATION = 4001
    DATA_PARSING = 4002
    DATA_MISSING = 4003
    DATA_INVALID = 4004
    ORDER_INVALID = 5001
    ORDER_NOT_FOUND = 5002
    ORDER_REJECTED = 5003
    POSITION_INVALID = 5101
    POSITION_NOT_FOUND = 5102
    WS_CONNECTION = 6001
    WS_AUTH = 6002
    WS_SUBSCRIPTION = 6003
    WS_MESSAGE = 6004
    INTERNAL_ERROR = 9001
    NOT_IMPLEMENTED = 9002
    INVALID_STATE = 9003


def format_error_message(template: str, **kwargs: Any) -> str:
    """``template`` filled with ``kwargs``; a missing placeholder is named instead of failing."""
    try:
        return template.format(**kwargs)
    except KeyError as exc:
        return f"{template} (missing value for: {exc})"


def create_error_context(operation: str, **details: Any) -> dict[str, Any]:
    """``operation``, ``timestamp`` (ISO UTC, ``Z``), ``timestamp_unix`` and the details that
    are not None."""
    context: dict[str, Any] = {
        "operation": operation,
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "timestamp_unix": time.time(),
    }
    context.update({k: v for k, v in details.items() if v is not None})
    return context


def enhance_exception(exception: Exception, operation: str, **context: Any) -> Exception:
    """A compat ProjectX error gets the context merged into its ``response_data`` (and is
    returned); anything else is wrapped in a :class:`ProjectXError` carrying it."""
    details = create_error_context(operation, **context)
    if isinstance(exception, ProjectXError):
        exception.response_data.update(details)
        return exception
    return ProjectXError(f"{operation} failed: {exception}", response_data=details)


def get_error_code(exception: Exception) -> int | None:
    """The :class:`ErrorCode` of an exception (its own ``error_code`` for a generic ProjectX
    error that has one); None for an exception that is not a ProjectX error."""
    if isinstance(exception, ProjectXAuthenticationError | core.AuthenticationError):
        return ErrorCode.AUTH_INVALID
    if isinstance(exception, ProjectXRateLimitError | core.RateLimitError):
        return ErrorCode.API_RATE_LIMIT
    if isinstance(exception, ProjectXServerError):
        return ErrorCode.API_SERVER_ERROR
    if isinstance(exception, ProjectXConnectionError | core.ConnectionError):
        return ErrorCode.CONN_FAILED
    if isinstance(exception, ProjectXDataError | core.ValidationError):
        return ErrorCode.DATA_INVALID
    if isinstance(exception, core.ProjectXError):
        code = getattr(exception, "error_code", None)
        return code if isinstance(code, int) and code else ErrorCode.INTERNAL_ERROR
    return None
