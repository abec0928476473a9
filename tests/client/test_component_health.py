"""``ComponentHealth``: the score follows recent failures and slowness, and the REST client's
health is fed by its real calls (and feeds the suite's score)."""

from __future__ import annotations

import pytest

from projectx.exceptions import APIError, ValidationError
from projectx.health import ComponentHealth
from projectx.suite.stats import health_score


def test_no_operations_and_only_successes_score_100() -> None:
    health = ComponentHealth("x")
    assert health.get_health_score().score == 100
    for _ in range(50):
        health.record_operation(True, 0.01)
    report = health.get_health_score()
    assert (report.score, report.reasons, report.operations) == (100, (), 50)


def test_failures_cost_their_share_twice_and_name_the_last_error() -> None:
    health = ComponentHealth("rest", window=100)
    for i in range(100):
        health.record_operation(i % 10 != 0, 0.01, error="HTTP 503 token=eyJa.eyJb.c")
    report = health.get_health_score()
    assert report.score == 80 and report.failures == 10
    assert "10 of the last 100 operations failed" in report.reasons[0]
    assert "eyJ" not in report.reasons[0]  # redacted
    for _ in range(100):  # the window slides: old failures leave it
        health.record_operation(True, 0.01)
    assert health.get_health_score().score == 100 and health.total_failures == 10


def test_slow_operations_cost_up_to_20() -> None:
    health = ComponentHealth("rest", slow_s=1.0)
    for _ in range(10):
        health.record_operation(True, 2.0)
    report = health.get_health_score()
    assert report.score == 80 and "took over 1s" in report.reasons[0]


def test_operations_older_than_the_horizon_no_longer_count(monkeypatch) -> None:
    import projectx.health as module

    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    health = ComponentHealth("rest", horizon_s=60)
    health.record_operation(False, error="down")
    assert health.get_health_score().score < 100
    now[0] += 61
    assert health.get_health_score().score == 100


@pytest.mark.parametrize(
    "kwargs", [{"window": 0}, {"window": True}, {"slow_s": 0}, {"horizon_s": -1}, {"slow_s": "1"}]
)
def test_bad_settings_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ComponentHealth("x", **kwargs)  # type: ignore[arg-type]


async def test_rest_health_counts_5xx_and_not_4xx(sim, make_client) -> None:
    px = await make_client(sim, max_retries=0)
    base = px.health.total
    sim.faults.fail_next(2, status=503, path="Account/search")
    sim.faults.fail_next(1, status=400, path="Account/search")
    for _ in range(3):
        with pytest.raises(APIError):
            await px.list_accounts()
        px.clear_cache()
    await px.list_accounts()
    assert px.health.total - base == 4 and px.health.total_failures == 2
    snapshot = px.health.snapshot()
    assert snapshot["failures"] == 2 and snapshot["score"] < 100
    score, reasons = health_score({"components": {"rest": snapshot}})
    assert score < 100 and any(
        r.startswith(f"-{100 - score}: rest: 2 of the last") for r in reasons
    )
