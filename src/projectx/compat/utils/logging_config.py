"""project-x-py's structured logging (``project_x_py.utils.logging_config``) on our logger tree.

The SDK's loggers are the ``projectx`` tree (project-x-py's is ``project_x_py``).
:func:`configure_sdk_logging` configures it: a stdout handler, human-readable or JSON lines, and
optionally a JSON-lines file. Every handler installed here carries
:class:`projectx.redaction.SecretFilter` and :class:`StructuredFormatter` scrubs its output, so
registered secrets (API keys, session tokens) never reach a log line, whichever logger emitted
the record.

Difference from project-x-py (deliberate): :class:`StructuredFormatter` always writes JSON (there
it switched to plain text whenever the root logger was at DEBUG).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from projectx.exceptions import ValidationError
from projectx.redaction import SecretFilter, scrub

__all__ = [
    "UTC",
    "LogContext",
    "LogMessages",
    "ProjectXLogger",
    "StructuredFormatter",
    "configure_sdk_logging",
    "log_api_call",
    "log_performance",
]

SDK_LOGGER = "projectx"
"""The root of the SDK's logger tree."""

_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_CONSOLE_FORMAT = "%(asctime)s | %(levelname)-8s | %(name)s | %(message)s"
_CONSOLE_DATEFMT = "%Y-%m-%d %H:%M:%S"


class StructuredFormatter(logging.Formatter):
    """One JSON object per record: ``timestamp`` (UTC, ``Z``), ``level``, ``logger``, ``module``,
    ``function``, ``line``, ``message``, every ``extra`` field and ``exception`` text when there
    is one. The line is scrubbed of registered secrets."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        moment = datetime.fromtimestamp(record.created, UTC)
        data: dict[str, Any] = {
            "timestamp": moment.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "module": record.module,
            "function": record.funcName,
            "line": record.lineno,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key not in data:
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exception"] = record.exc_text
        return scrub(json.dumps(data, default=str, ensure_ascii=False))


def secret_safe(handler: logging.Handler) -> logging.Handler:
    """``handler`` with :class:`projectx.redaction.SecretFilter` attached (once)."""
    if not any(isinstance(f, SecretFilter) for f in handler.filters):
        handler.addFilter(SecretFilter())
    return handler


def level_of(level: int | str) -> int:
    """A logging level from its number or name (``"info"``, ``"DEBUG"``, ...)."""
    if isinstance(level, bool):
        raise ValidationError(f"invalid log level {level!r}")
    if isinstance(level, int):
        return level
    if isinstance(level, str):
        value = logging.getLevelNamesMapping().get(level.strip().upper())
        if value is not None:
            return value
    raise ValidationError(f"invalid log level {level!r}: use DEBUG, INFO, WARNING, ERROR, CRITICAL")


class ProjectXLogger:
    """Factory of structured loggers."""

    @staticmethod
    def get_logger(
        name: str, level: int | None = None, handler: logging.Handler | None = None
    ) -> logging.Logger:
        """Logger ``name``; on first use it gets ``handler`` (default: JSON lines to stdout),
        ``level`` (default INFO) and stops propagating."""
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.setLevel(logging.INFO if level is None else level_of(level))
            if handler is None:
                handler = logging.StreamHandler(sys.stdout)
                handler.setFormatter(StructuredFormatter())
            logger.addHandler(secret_safe(handler))
            logger.propagate = False
        return logger


class _ContextFilter(logging.Filter):
    def __init__(self, context: dict[str, Any]) -> None:
        super().__init__()
        self.context = context

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in self.context.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class LogContext:
    """``with LogContext(logger, order_id=1) as log:``: every record of ``logger`` inside the
    block carries the context fields (as ``extra``); ``log`` is a ``LoggerAdapter`` with it."""

    def __init__(self, logger: logging.Logger, **context: Any) -> None:
        self.logger = logger
        self.context = context
        self._filter = _ContextFilter(context)

    def __enter__(self) -> logging.LoggerAdapter[logging.Logger]:
        self.logger.addFilter(self._filter)
        return logging.LoggerAdapter(self.logger, self.context)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.logger.removeFilter(self._filter)


class LogMessages:
    """project-x-py's standard log message texts."""

    API_REQUEST = "Making API request"
    API_RESPONSE = "Received API response"
    API_ERROR = "API request failed"
    AUTH_START = "Starting authentication"
    AUTH_SUCCESS = "Authentication successful"
    AUTH_FAILED = "Authentication failed"
    AUTH_REFRESH = "Refreshing authentication token"
    AUTH_TOKEN_PARSE_FAILED = "Failed to parse authentication token expiry"
    ORDER_PLACE = "Placing order"
    ORDER_PLACED = "Order placed successfully"
    ORDER_CANCEL = "Cancelling order"
    ORDER_CANCELLED = "Order cancelled successfully"
    ORDER_MODIFY = "Modifying order"
    ORDER_MODIFIED = "Order modified successfully"
    ORDER_ERROR = "Order operation failed"
    ORDER_CANCEL_ALL = "Cancelling all orders"
    ORDER_CANCEL_ALL_COMPLETE = "Cancel all orders complete"
    POSITION_OPEN = "Opening position"
    POSITION_OPENED = "Position opened successfully"
    POSITION_CLOSE = "Closing position"
    POSITION_CLOSED = "Position closed successfully"
    POSITION_ERROR = "Position operation failed"
    DATA_FETCH = "Fetching market data"
    DATA_RECEIVED = "Market data received"
    DATA_ERROR = "Market data fetch failed"
    DATA_SUBSCRIBE = "Subscribing to market data"
    DATA_UNSUBSCRIBE = "Unsubscribing from market data"
    WS_CONNECT = "Connecting to WebSocket"
    WS_CONNECTED = "WebSocket connected"
    WS_DISCONNECT = "Disconnecting from WebSocket"
    WS_DISCONNECTED = "WebSocket disconnected"
    WS_ERROR = "WebSocket error"
    WS_RECONNECT = "Reconnecting WebSocket"
    RATE_LIMIT_HIT = "Rate limit reached"
    RATE_LIMIT_WAIT = "Waiting for rate limit reset"
    RATE_LIMIT_RESET = "Rate limit reset"
    CACHE_HIT = "Cache hit"
    CACHE_MISS = "Cache miss"
    CACHE_UPDATE = "Updating cache"
    MANAGER_INITIALIZED = "Manager initialized"
    POSITION_REFRESH = "Refreshing positions"
    POSITION_UPDATE = "Position updated"
    POSITION_SEARCH = "Searching positions"
    CACHE_CLEAR = "Clearing cache"
    ERROR_RETRY = "Retrying after error"
    ERROR_MAX_RETRY = "Maximum retries exceeded"
    ERROR_HANDLED = "Error handled"
    ERROR_UNHANDLED = "Unhandled error"
    CALLBACK_REGISTERED = "Callback registered"
    CALLBACK_REMOVED = "Callback removed"
    CLEANUP_COMPLETE = "Cleanup completed"


def log_performance(
    logger: logging.Logger,
    operation: str,
    start_time: float,
    end_time: float | None = None,
    **extra: Any,
) -> None:
    """Log at INFO how long ``operation`` took (``time.time()`` stamps; ``end_time`` defaults
    to now), with ``operation``, ``duration_seconds`` and ``duration_ms`` as extra fields."""
    end = time.time() if end_time is None else end_time
    duration = end - start_time
    logger.info(
        "%s completed in %.3fs",
        operation,
        duration,
        extra={
            "operation": operation,
            "duration_seconds": duration,
            "duration_ms": duration * 1000,
            **extra,
        },
    )


def log_api_call(
    logger: logging.Logger,
    method: str,
    endpoint: str,
    status_code: int | None = None,
    duration: float | None = None,
    error: Exception | None = None,
    **extra: Any,
) -> None:
    """Log an API call: DEBUG on success, ERROR with ``error`` when it failed; ``api_method``,
    ``api_endpoint``, ``status_code`` and ``duration_ms`` go into the extra fields."""
    fields: dict[str, Any] = {"api_method": method, "api_endpoint": endpoint, **extra}
    if status_code is not None:
        fields["status_code"] = status_code
    if duration is not None:
        fields["duration_ms"] = duration * 1000
    if error is not None:
        fields["error"] = str(error)
        logger.error("%s: %s %s", LogMessages.API_ERROR, method, endpoint, extra=fields)
    else:
        logger.debug("%s: %s %s", LogMessages.API_RESPONSE, method, endpoint, extra=fields)


def configure_sdk_logging(
    level: int = logging.INFO, format_json: bool = False, log_file: str | None = None
) -> None:
    """Configure the SDK's logger tree (``projectx``): ``level``, its handlers replaced by one
    on stdout (JSON lines with ``format_json``, else ``time | LEVEL | logger | message``) and,
    with ``log_file``, a JSON-lines file; records no longer propagate to the root logger."""
    sdk = logging.getLogger(SDK_LOGGER)
    sdk.setLevel(level_of(level))
    for old in list(sdk.handlers):
        sdk.removeHandler(old)
        old.close()
    console = logging.StreamHandler(sys.stdout)
    console.setFormatter(
        StructuredFormatter()
        if format_json
        else logging.Formatter(_CONSOLE_FORMAT, datefmt=_CONSOLE_DATEFMT)
    )
    sdk.addHandler(secret_safe(console))
    if log_file:
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(StructuredFormatter())
        sdk.addHandler(secret_safe(file_handler))
    sdk.propagate = False
