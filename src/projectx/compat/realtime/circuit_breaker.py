"""project-x-py's circuit breaker names over the core's :class:`projectx.circuit.CircuitBreaker`.

The core breaker decides (closed / open / half-open, opened after ``failure_threshold``
failures in a row, probing after ``recovery_timeout``); this module adds project-x-py's call
shape (``call(event_type, func, *args)``), its per-call timeout, fallback handlers and metrics.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

from projectx.circuit import CircuitBreaker as CoreBreaker
from projectx.circuit import CircuitBreakerOpenError
from projectx.circuit import CircuitState as CoreState
from projectx.compat.exceptions import ProjectXError
from projectx.exceptions import ValidationError

__all__ = [
    "CircuitBreaker",
    "CircuitBreakerConfig",
    "CircuitBreakerError",
    "CircuitBreakerMetrics",
    "CircuitState",
]


class CircuitState(Enum):
    """project-x-py's states (values equal the core's)."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreakerError(ProjectXError):
    """A call was refused by an open circuit, or timed out."""


class CircuitBreakerConfig:
    """project-x-py's settings. The core honours ``failure_threshold`` (failures *in a row*),
    ``recovery_timeout`` and ``half_open_max_calls``; ``timeout_seconds`` and
    ``slow_call_threshold`` are applied per call here. ``time_window_seconds``,
    ``exponential_backoff_multiplier`` and ``max_recovery_time`` are kept but have no effect
    (docs/compat.md)."""

    def __init__(
        self,
        failure_threshold: int = 5,
        time_window_seconds: float = 60.0,
        timeout_seconds: float = 5.0,
        recovery_timeout: float = 30.0,
        half_open_max_calls: int = 3,
        exponential_backoff_multiplier: float = 2.0,
        max_recovery_time: float = 300.0,
        slow_call_threshold: float = 2.0,
    ) -> None:
        if not (isinstance(timeout_seconds, int | float) and timeout_seconds > 0):
            raise ValidationError("timeout_seconds must be > 0")
        self.failure_threshold = failure_threshold
        self.time_window_seconds = time_window_seconds
        self.timeout_seconds = float(timeout_seconds)
        self.recovery_timeout = recovery_timeout
        self.half_open_max_calls = half_open_max_calls
        self.exponential_backoff_multiplier = exponential_backoff_multiplier
        self.max_recovery_time = max_recovery_time
        self.slow_call_threshold = float(slow_call_threshold)


class CircuitBreakerMetrics:
    """Counters and response times of the calls made through one breaker."""

    def __init__(self, time_window_seconds: float = 60.0) -> None:
        self.time_window_seconds = time_window_seconds
        self.total_calls = 0
        self.total_failures = 0
        self.total_successes = 0
        self.total_timeouts = 0
        self.total_slow_calls = 0
        self.circuit_opened_count = 0
        self.last_failure_time: float | None = None
        self.last_success_time: float | None = None
        self.avg_response_time = 0.0
        self.max_response_time = 0.0
        self.min_response_time = float("inf")

    def _timed(self, response_time: float) -> None:
        self.total_calls += 1
        n = self.total_calls
        self.avg_response_time += (response_time - self.avg_response_time) / n
        self.max_response_time = max(self.max_response_time, response_time)
        self.min_response_time = min(self.min_response_time, response_time)

    def record_success(self, response_time: float) -> None:
        """A call succeeded in ``response_time`` seconds."""
        self._timed(response_time)
        self.total_successes += 1
        self.last_success_time = time.time()

    def record_failure(self, response_time: float | None = None) -> None:
        """A call failed."""
        if response_time is not None:
            self._timed(response_time)
        else:
            self.total_calls += 1
        self.total_failures += 1
        self.last_failure_time = time.time()

    def record_timeout(self) -> None:
        """A call ran past the timeout (a failure too)."""
        self.total_timeouts += 1
        self.record_failure()

    def record_slow_call(self, response_time: float) -> None:
        """A call succeeded but slower than the slow-call threshold."""
        self.record_success(response_time)
        self.total_slow_calls += 1

    def get_failure_rate(self) -> float:
        """Failures per call so far."""
        return self.total_failures / self.total_calls if self.total_calls else 0.0

    def get_slow_call_rate(self) -> float:
        """Slow calls per call so far."""
        return self.total_slow_calls / self.total_calls if self.total_calls else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The counters as a dict."""
        return {
            "total_calls": self.total_calls,
            "total_failures": self.total_failures,
            "total_successes": self.total_successes,
            "total_timeouts": self.total_timeouts,
            "total_slow_calls": self.total_slow_calls,
            "failure_rate": self.get_failure_rate(),
            "slow_call_rate": self.get_slow_call_rate(),
            "circuit_opened_count": self.circuit_opened_count,
            "avg_response_time": self.avg_response_time,
            "max_response_time": self.max_response_time,
            "min_response_time": self.min_response_time if self.total_calls else 0.0,
            "last_failure_time": self.last_failure_time,
            "last_success_time": self.last_success_time,
        }


Fallback = Callable[..., Awaitable[Any]]


class CircuitBreaker:
    """project-x-py's breaker for event processing (``await breaker.call("quote", f, data)``)."""

    def __init__(
        self,
        name: str,
        config: CircuitBreakerConfig | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.name = name
        self.config = config or CircuitBreakerConfig()
        self.logger = logger or logging.getLogger(f"{__name__}.{name}")
        self.core = CoreBreaker(
            name,
            failure_threshold=self.config.failure_threshold,
            recovery_timeout=self.config.recovery_timeout,
            half_open_max_calls=self.config.half_open_max_calls,
        )
        self.metrics = CircuitBreakerMetrics(self.config.time_window_seconds)
        self.fallback_handlers: dict[str, Fallback] = {}

    @property
    def state(self) -> CircuitState:
        """The core breaker's state."""
        return CircuitState(self.core.state.value)

    def get_state(self) -> CircuitState:
        """The current state."""
        return self.state

    async def call(
        self, event_type: str, func: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any
    ) -> Any:
        """``await func(*args, **kwargs)`` through the breaker, within ``timeout_seconds``.

        While open, the ``event_type`` fallback handler answers (with the same arguments);
        without one, :class:`CircuitBreakerError`. A timeout counts as a failure and raises
        :class:`CircuitBreakerError`; any other error counts and is re-raised."""
        opens = self.core.stats.opens
        try:
            self.core.allow()
        except CircuitBreakerOpenError as exc:
            fallback = self.fallback_handlers.get(event_type)
            if fallback is not None:
                return await fallback(*args, **kwargs)
            raise CircuitBreakerError(f"circuit {self.name} is open for {event_type}") from exc
        started = time.monotonic()
        try:
            result = await asyncio.wait_for(func(*args, **kwargs), self.config.timeout_seconds)
        except TimeoutError:
            self.core.record_failure()
            self.metrics.record_timeout()
            self._count_open(opens)
            raise CircuitBreakerError(
                f"{event_type} took longer than {self.config.timeout_seconds} s"
            ) from None
        except Exception:
            self.core.record_failure()
            self.metrics.record_failure(time.monotonic() - started)
            self._count_open(opens)
            raise
        except BaseException:
            self.core.release()
            raise
        self.core.record_success()
        elapsed = time.monotonic() - started
        if elapsed > self.config.slow_call_threshold:
            self.metrics.record_slow_call(elapsed)
        else:
            self.metrics.record_success(elapsed)
        return result

    def _count_open(self, opens_before: int) -> None:
        if self.core.stats.opens > opens_before:
            self.metrics.circuit_opened_count += 1
            self.logger.warning("circuit %s opened", self.name)

    def set_fallback_handler(self, event_type: str, handler: Fallback) -> None:
        """Answer ``event_type`` calls with ``handler`` while the circuit is open."""
        if not callable(handler):
            raise ValidationError("handler must be callable")
        self.fallback_handlers[event_type] = handler

    def remove_fallback_handler(self, event_type: str) -> None:
        """Forget ``event_type``'s fallback handler."""
        self.fallback_handlers.pop(event_type, None)

    async def force_open(self) -> None:
        """Open the circuit now (it probes again after ``recovery_timeout``); the core counts
        the forced opening as failures."""
        while self.core.state is not CoreState.OPEN:
            self.core.record_failure()
        self.metrics.circuit_opened_count += 1

    async def force_closed(self) -> None:
        """Close the circuit now and forget the failures."""
        self.core.reset()

    def get_metrics(self) -> dict[str, Any]:
        """State, settings and counters."""
        return {
            "name": self.name,
            "state": self.state.value,
            "consecutive_failures": self.core.consecutive_failures,
            "failure_threshold": self.config.failure_threshold,
            "recovery_timeout": self.config.recovery_timeout,
            **self.metrics.to_dict(),
        }
