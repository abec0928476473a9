"""project-x-py's realtime package: the circuit breaker (over :mod:`projectx.circuit`)."""

from __future__ import annotations

from projectx.compat.realtime.circuit_breaker import (
    CircuitBreaker,
    CircuitBreakerConfig,
    CircuitBreakerError,
    CircuitBreakerMetrics,
    CircuitState,
)

__all__ = [
    "CircuitBreaker",
    "CircuitBreakerConfig",
    "CircuitBreakerError",
    "CircuitBreakerMetrics",
    "CircuitState",
]
