"""``ConcurrentOperationManager``: order, the bound, failure handling, and the REST batch."""

from __future__ import annotations

import asyncio

import pytest

from projectx.concurrency import ConcurrentOperationManager
from projectx.exceptions import ValidationError


async def test_results_keep_the_given_order_and_in_flight_never_exceeds_the_bound() -> None:
    manager = ConcurrentOperationManager(3)
    seen: list[int] = []

    def op(i: int):
        async def run() -> int:
            seen.append(manager.stats.in_flight)
            await asyncio.sleep(0.01 * ((7 * i) % 5))  # finish out of order
            return i * i

        return run

    out = await manager.run(op(i) for i in range(20))
    assert out == [i * i for i in range(20)]
    assert max(seen) <= 3 and manager.stats.peak_in_flight == 3
    assert manager.stats.started == manager.stats.succeeded == 20


async def test_the_first_failure_is_raised_and_the_rest_cancelled() -> None:
    manager = ConcurrentOperationManager(2)
    finished: list[int] = []

    def op(i: int):
        async def run() -> int:
            if i == 1:
                raise KeyError("boom")
            await asyncio.sleep(5)
            finished.append(i)
            return i

        return run

    with pytest.raises(KeyError, match="boom"):
        await manager.run(op(i) for i in range(6))
    assert not finished and manager.stats.failed == 1 and manager.stats.cancelled >= 1
    assert manager.stats.in_flight == 0


async def test_return_exceptions_runs_everything_and_returns_failures_in_place() -> None:
    manager = ConcurrentOperationManager(4)

    def op(i: int):
        async def run() -> int:
            if i % 3 == 0:
                raise ValueError(i)
            return i

        return run

    out = await manager.run((op(i) for i in range(7)), return_exceptions=True)
    assert [type(x) for x in out[::3]] == [ValueError] * 3
    assert [x for i, x in enumerate(out) if i % 3] == [1, 2, 4, 5]


@pytest.mark.parametrize("bound", [0, -1, True, 2.0, "4", None])
def test_bad_bounds_are_refused(bound: object) -> None:
    with pytest.raises(ValidationError):
        ConcurrentOperationManager(bound)  # type: ignore[arg-type]


async def test_non_callables_are_refused_before_anything_runs() -> None:
    with pytest.raises(ValidationError):
        await ConcurrentOperationManager().run([1, 2])  # type: ignore[list-item]
