"""projectx.compat.realtime.circuit_breaker: project-x-py's call shape over the core breaker."""

from __future__ import annotations

import asyncio

import pytest

from projectx.compat.realtime import (
    CircuitBreaker,
    CircuitBreakerConfig,
    CircuitBreakerError,
    CircuitState,
)


async def _fail() -> None:
    raise RuntimeError("peer down")


async def _ok(x: int) -> int:
    return x * 2


async def test_opens_after_threshold_then_refuses_without_calling() -> None:
    breaker = CircuitBreaker(
        "quotes", CircuitBreakerConfig(failure_threshold=2, recovery_timeout=60)
    )
    for _ in range(2):
        with pytest.raises(RuntimeError):
            await breaker.call("quote", _fail)
    assert breaker.get_state() is CircuitState.OPEN
    called: list[int] = []

    async def record(x: int) -> int:
        called.append(x)
        return x

    with pytest.raises(CircuitBreakerError):
        await breaker.call("quote", record, 1)
    assert called == []
    metrics = breaker.get_metrics()
    assert (metrics["total_failures"], metrics["circuit_opened_count"]) == (2, 1)


async def test_fallback_answers_while_open_and_force_closed_recovers() -> None:
    breaker = CircuitBreaker("q", CircuitBreakerConfig(failure_threshold=1, recovery_timeout=60))
    with pytest.raises(RuntimeError):
        await breaker.call("quote", _fail)

    async def fallback(x: int) -> str:
        return f"cached {x}"

    breaker.set_fallback_handler("quote", fallback)
    assert await breaker.call("quote", _ok, 3) == "cached 3"
    await breaker.force_closed()
    assert breaker.get_state() is CircuitState.CLOSED
    assert await breaker.call("quote", _ok, 3) == 6


async def test_timeout_counts_as_failure() -> None:
    config = CircuitBreakerConfig(failure_threshold=1, timeout_seconds=0.01, recovery_timeout=60)
    breaker = CircuitBreaker("slow", config)

    async def hang() -> None:
        await asyncio.sleep(5)

    with pytest.raises(CircuitBreakerError):
        await breaker.call("depth", hang)
    assert breaker.get_state() is CircuitState.OPEN
    assert breaker.get_metrics()["total_timeouts"] == 1


async def test_half_open_probe_closes_on_success() -> None:
    config = CircuitBreakerConfig(failure_threshold=1, recovery_timeout=0.05, half_open_max_calls=1)
    breaker = CircuitBreaker("probe", config)
    with pytest.raises(RuntimeError):
        await breaker.call("x", _fail)
    await asyncio.sleep(0.06)
    assert breaker.get_state() is CircuitState.HALF_OPEN
    assert await breaker.call("x", _ok, 1) == 2
    assert breaker.get_state() is CircuitState.CLOSED


async def test_force_open_and_bad_config() -> None:
    breaker = CircuitBreaker("f")
    await breaker.force_open()
    assert breaker.get_state() is CircuitState.OPEN
    with pytest.raises(ValueError):
        CircuitBreakerConfig(timeout_seconds=0)
    with pytest.raises(ValueError):
        breaker.set_fallback_handler("x", "nope")  # type: ignore[arg-type]
