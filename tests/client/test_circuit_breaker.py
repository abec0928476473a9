"""``CircuitBreaker``: its state machine on an injected clock, and the REST client's breaker
against the simulator (refused calls never reach the server)."""

from __future__ import annotations

import asyncio

import pytest

from projectx.circuit import CircuitBreaker, CircuitBreakerOpenError, CircuitState
from projectx.client import ProjectX
from projectx.exceptions import APIError, CircuitOpenError, ConnectionError, ValidationError

from .conftest import attach_recorder, config_for


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _fail() -> None:
    raise OSError("peer down")


async def _ok() -> int:
    return 7


async def test_opens_after_threshold_failures_in_a_row_and_refuses_without_calling() -> None:
    clock = Clock()
    breaker = CircuitBreaker("t", failure_threshold=3, recovery_timeout=10.0, clock=clock)
    for _ in range(2):
        with pytest.raises(OSError):
            await breaker.call(_fail)
    assert breaker.state is CircuitState.CLOSED and breaker.consecutive_failures == 2
    assert await breaker.call(_ok) == 7  # a success resets the count
    assert breaker.consecutive_failures == 0
    for _ in range(3):
        with pytest.raises(OSError):
            await breaker.call(_fail)
    assert breaker.state is CircuitState.OPEN and breaker.stats.opens == 1
    called = []

    async def spy() -> None:
        called.append(1)

    clock.now += 4.0
    with pytest.raises(CircuitBreakerOpenError) as err:
        await breaker.call(spy)
    assert not called and breaker.stats.refused == 1
    assert err.value.retry_after == pytest.approx(6.0)
    assert isinstance(err.value, CircuitOpenError) and isinstance(err.value, ConnectionError)
    assert err.value.context["circuit"] == "t"


async def test_half_open_admits_limited_probes_then_closes_or_reopens() -> None:
    clock = Clock()
    breaker = CircuitBreaker("t", failure_threshold=1, recovery_timeout=5.0, clock=clock)
    with pytest.raises(OSError):
        await breaker.call(_fail)
    clock.now += 5.0
    assert breaker.state is CircuitState.HALF_OPEN
    breaker.allow()  # the one probe
    with pytest.raises(CircuitBreakerOpenError):
        breaker.allow()  # a second concurrent probe is refused
    breaker.record_failure()  # the probe failed: open for another timeout
    assert breaker.state is CircuitState.OPEN and breaker.stats.opens == 2
    clock.now += 4.9
    assert breaker.state is CircuitState.OPEN
    clock.now += 0.1
    assert await breaker.call(_ok) == 7
    assert breaker.state is CircuitState.CLOSED


async def test_a_cancelled_probe_frees_its_slot_and_is_no_verdict() -> None:
    clock = Clock()
    breaker = CircuitBreaker("t", failure_threshold=1, recovery_timeout=1.0, clock=clock)
    with pytest.raises(OSError):
        await breaker.call(_fail)
    clock.now += 1.0
    task = asyncio.create_task(breaker.call(asyncio.sleep, 60))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert breaker.state is CircuitState.HALF_OPEN and breaker.stats.failures == 1
    assert await breaker.call(_ok) == 7  # the slot was freed


@pytest.mark.parametrize(
    "kwargs",
    [
        {"failure_threshold": 0},
        {"failure_threshold": True},
        {"failure_threshold": 2.5},
        {"recovery_timeout": 0},
        {"recovery_timeout": float("inf")},
        {"recovery_timeout": float("nan")},
        {"recovery_timeout": "5"},
        {"half_open_max_calls": 0},
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CircuitBreaker("t", **kwargs)  # type: ignore[arg-type]


async def test_the_rest_breaker_opens_on_5xx_and_refused_calls_never_reach_the_server(sim) -> None:
    log = attach_recorder(sim)
    breaker = CircuitBreaker("rest", failure_threshold=3, recovery_timeout=0.5)
    px = ProjectX(config_for(sim, max_retries=0), circuit_breaker=breaker)
    await px.connect()
    assert px.circuit is breaker
    sim.faults.fail_next(3, status=503, path="Account/search")
    for _ in range(3):
        with pytest.raises(APIError):
            await px.list_accounts()
        px.clear_cache()
    assert px.circuit.state is CircuitState.OPEN
    assert px.stats_snapshot()["circuit"]["state"] == "open"
    before = log.count("Account/search")
    with pytest.raises(CircuitBreakerOpenError):
        await px.list_accounts()
    assert log.count("Account/search") == before  # refused before anything was sent
    await asyncio.sleep(0.6)
    accounts = await px.list_accounts()  # the probe succeeds: closed again
    assert accounts and px.circuit.state is CircuitState.CLOSED
    assert log.count("Account/search") == before + 1
    await px.close()


async def test_4xx_answers_do_not_open_the_rest_breaker(sim) -> None:
    breaker = CircuitBreaker("rest", failure_threshold=2, recovery_timeout=60)
    px = ProjectX(config_for(sim, max_retries=0), circuit_breaker=breaker)
    await px.connect()
    sim.faults.fail_next(4, status=400, path="Account/search")
    for _ in range(4):
        with pytest.raises(APIError):
            await px.list_accounts()
        px.clear_cache()
    assert px.circuit.state is CircuitState.CLOSED
    await px.close()


def test_an_open_rest_circuit_lowers_health_with_a_reason() -> None:
    from projectx.suite.stats import health_score

    closed, _ = health_score({"rest": {"circuit": {"state": "closed"}}})
    score, reasons = health_score(
        {"rest": {"circuit": {"state": "open", "consecutive_failures": 10}}}
    )
    assert closed == 100 and score == 70
    assert any("REST circuit open: 10 failures in a row" in r for r in reasons)
