"""project-x-py's error-handling decorators and ``ErrorContext``.

Each decorator works on sync and async functions. Network failures are aiohttp's (the core's
transport) where project-x-py's were httpx's; ``except`` clauses catch the core's errors too,
since every compat exception is also a core one.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, TypeVar, cast

import aiohttp

from projectx import exceptions as core
from projectx.compat.exceptions import (
    ProjectXConnectionError,
    ProjectXDataError,
    ProjectXError,
    ProjectXRateLimitError,
    ProjectXServerError,
)

__all__ = [
    "ErrorContext",
    "handle_errors",
    "handle_rate_limit",
    "retry_on_network_error",
    "validate_response",
]

T = TypeVar("T")
_Decorator = Callable[[Callable[..., T]], Callable[..., T]]

NETWORK_ERRORS: tuple[type[Exception], ...] = (
    aiohttp.ClientConnectionError,
    TimeoutError,
    core.ConnectionError,
    ProjectXConnectionError,
    ProjectXServerError,
)
"""What :func:`retry_on_network_error` retries by default."""


def handle_errors(
    operation: str,
    logger: logging.Logger | None = None,
    reraise: bool = True,
    default_return: Any = None,
) -> _Decorator[T]:
    """Log failures of the decorated call with ``operation``; with ``reraise`` a ProjectX error
    is re-raised as is, a network error as :class:`ProjectXConnectionError` and anything else
    as :class:`ProjectXError` (cause attached); without it ``default_return`` is returned."""

    def decorator(func: Callable[..., T]) -> Callable[..., T]:
        log = logger or logging.getLogger(func.__module__)
        fields = {"operation": operation, "function": func.__name__}

        def failed(exc: Exception) -> Any:
            kind = {"error_type": type(exc).__name__, **fields}
            if isinstance(exc, core.ProjectXError):
                log.error("ProjectX error during %s: %s", operation, exc, extra=kind)
                if reraise:
                    raise exc
            elif isinstance(exc, aiohttp.ClientError):
                log.error("HTTP error during %s: %s", operation, exc, extra=kind)
                if reraise:
                    raise ProjectXConnectionError(f"HTTP error during {operation}: {exc}") from exc
            else:
                log.exception("Unexpected error during %s", operation, extra=kind)
                if reraise:
                    raise ProjectXError(f"Unexpected error during {operation}: {exc}") from exc
            return default_return

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    return await func(*args, **kwargs)
                except Exception as exc:
                    return failed(exc)

            return cast(Callable[..., T], async_wrapper)

        @functools.wraps(func)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                return failed(exc)

        return cast(Callable[..., T], sync_wrapper)

    return decorator


def retry_on_network_error(
    max_attempts: int = 3,
    backoff_factor: float = 2.0,
    initial_delay: float = 1.0,
    max_delay: float = 60.0,
    retry_on: tuple[type[Exception], ...] = NETWORK_ERRORS,
) -> _Decorator[T]:
    """Call up to ``max_attempts`` times while it raises one of ``retry_on``, waiting
    ``min(initial_delay * backoff_factor ** n, max_delay)`` before retry ``n`` (0-based); the
    last error is raised."""
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise core.ValidationError(f"max_attempts must be an int >= 1, got {max_attempts!r}")

    def delay(attempt: int) -> float:
        return float(min(initial_delay * backoff_factor**attempt, max_delay))

    def decorator(func: Callable[..., T]) -> Callable[..., T]:
        log = logging.getLogger(func.__module__)

        def note(attempt: int, exc: Exception) -> float | None:
            if attempt < max_attempts - 1:
                wait = delay(attempt)
                log.warning(
                    "Retry %d/%d for %s after %s, waiting %.1fs",
                    attempt + 1,
                    max_attempts,
                    func.__name__,
                    type(exc).__name__,
                    wait,
                )
                return wait
            log.error("Max retries (%d) exceeded for %s", max_attempts, func.__name__)
            return None

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                for attempt in range(max_attempts):
                    try:
                        return await func(*args, **kwargs)
                    except retry_on as exc:
                        wait = note(attempt, exc)
                        if wait is None:
                            raise
                        await asyncio.sleep(wait)
                raise AssertionError("unreachable")

            return cast(Callable[..., T], async_wrapper)

        @functools.wraps(func)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            for attempt in range(max_attempts):
                try:
                    return func(*args, **kwargs)
                except retry_on as exc:
                    wait = note(attempt, exc)
                    if wait is None:
                        raise
                    time.sleep(wait)
            raise AssertionError("unreachable")

        return cast(Callable[..., T], sync_wrapper)

    return decorator


def _rate_limit_delay(exc: core.ProjectXError, fallback: float) -> float:
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int | float) and retry_after > 0:
        return float(retry_after)
    reset = (getattr(exc, "response_data", None) or {}).get("reset_at")
    if isinstance(reset, str):
        try:
            moment = datetime.fromisoformat(reset.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        return max((moment - datetime.now(moment.tzinfo)).total_seconds(), 1.0)
    return fallback


def handle_rate_limit(
    logger: logging.Logger | None = None, fallback_delay: float = 60.0
) -> _Decorator[T]:
    """On a rate-limit error, wait (the error's ``retry_after``, its ``response_data["reset_at"]``
    or ``fallback_delay``) and call once more. Sync functions are called unchanged."""

    def decorator(func: Callable[..., T]) -> Callable[..., T]:
        if not inspect.iscoroutinefunction(func):
            return func
        log = logger or logging.getLogger(func.__module__)

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return await func(*args, **kwargs)
            except (ProjectXRateLimitError, core.RateLimitError) as exc:
                wait = _rate_limit_delay(exc, fallback_delay)
                log.warning(
                    "Rate limit hit in %s, waiting %.1fs",
                    func.__name__,
                    wait,
                    extra={"delay": wait, "function": func.__name__},
                )
                await asyncio.sleep(wait)
                return await func(*args, **kwargs)

        return cast(Callable[..., T], async_wrapper)

    return decorator


def validate_response(
    required_fields: list[str] | None = None, response_type: type | None = None
) -> _Decorator[T]:
    """Check the decorated call's result: an instance of ``response_type`` and, for a dict,
    holding every one of ``required_fields``; :class:`ProjectXDataError` otherwise."""

    def check(func: Callable[..., Any], result: Any) -> Any:
        if response_type is not None and not isinstance(result, response_type):
            raise ProjectXDataError(
                f"Invalid response type from {func.__name__}: expected "
                f"{response_type.__name__}, got {type(result).__name__}"
            )
        if required_fields and isinstance(result, dict):
            missing = [f for f in required_fields if f not in result]
            if missing:
                raise ProjectXDataError(
                    f"Missing required fields in response from {func.__name__}: "
                    f"{', '.join(missing)}"
                )
        return result

    def decorator(func: Callable[..., T]) -> Callable[..., T]:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                return check(func, await func(*args, **kwargs))

            return cast(Callable[..., T], async_wrapper)

        @functools.wraps(func)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            return check(func, func(*args, **kwargs))

        return cast(Callable[..., T], sync_wrapper)

    return decorator


class ErrorContext:
    """Collects errors of a batch (``add_error``) and logs one summary when the block ends."""

    def __init__(self, operation: str, logger: logging.Logger | None = None) -> None:
        self.operation = operation
        self.logger = logger or logging.getLogger(__name__)
        self.errors: list[tuple[str, Exception]] = []

    def add_error(self, context: str, error: Exception) -> None:
        """Record ``error`` that happened in ``context``."""
        self.errors.append((context, error))

    @property
    def has_errors(self) -> bool:
        """Whether any error was recorded."""
        return bool(self.errors)

    @property
    def error_count(self) -> int:
        """How many errors were recorded."""
        return len(self.errors)

    def get_summary(self) -> str:
        """``"3 errors: 2 ValueError, 1 KeyError"`` (``"No errors"`` without any)."""
        if not self.errors:
            return "No errors"
        counts: dict[str, int] = {}
        for _, error in self.errors:
            counts[type(error).__name__] = counts.get(type(error).__name__, 0) + 1
        parts = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        return f"{self.error_count} errors: {parts}"

    def __enter__(self) -> ErrorContext:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> Literal[False]:
        if self.errors:
            self.logger.error(
                "Errors during %s: %s",
                self.operation,
                self.get_summary(),
                extra={
                    "operation": self.operation,
                    "error_count": self.error_count,
                    "errors": [(ctx, str(e)) for ctx, e in self.errors[:10]],
                },
            )
        return False

    async def __aenter__(self) -> ErrorContext:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> Literal[False]:
        return self.__exit__(exc_type, exc_val, exc_tb)
