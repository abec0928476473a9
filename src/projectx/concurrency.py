"""``ConcurrentOperationManager``: run a batch of coroutines with at most N in flight.

Used for batches of REST calls (``ProjectX.get_bars_many``: bars of many instruments), so a
batch never exceeds the client's concurrency budget. Results come back in the order the
operations were given. On the first failure the rest of the batch is cancelled and that error is
raised (not an exception group), unless ``return_exceptions=True``, in which case every
operation runs and each failure is returned in its place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Literal, TypeVar, overload

from projectx.exceptions import ValidationError
from projectx.validation import check_number

__all__ = ["ConcurrentOperationManager", "OperationStats"]

_T = TypeVar("_T")

Operation = Callable[[], Awaitable[_T]]


@dataclass(slots=True)
class OperationStats:
    """Counters over every batch of one manager."""

    started: int = 0
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0


class ConcurrentOperationManager:
    """Runs batches of operations (zero-argument async callables), at most ``max_concurrency``
    at a time across all batches of this manager."""

    def __init__(self, max_concurrency: int = 8) -> None:
        check_number(max_concurrency, "max_concurrency", minimum=1, integer=True)
        self.max_concurrency = max_concurrency
        self.stats = OperationStats()
        self._gate = asyncio.Semaphore(max_concurrency)

    async def _one(self, op: Operation[_T]) -> _T:
        async with self._gate:
            stats = self.stats
            stats.started += 1
            stats.in_flight += 1
            stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
            try:
                result = await op()
            except asyncio.CancelledError:
                stats.cancelled += 1
                raise
            except BaseException:
                stats.failed += 1
                raise
            finally:
                stats.in_flight -= 1
            stats.succeeded += 1
            return result

    @overload
    async def run(
        self, operations: Iterable[Operation[_T]], *, return_exceptions: Literal[False] = ...
    ) -> list[_T]: ...

    @overload
    async def run(
        self, operations: Iterable[Operation[_T]], *, return_exceptions: Literal[True]
    ) -> list[_T | BaseException]: ...

    async def run(
        self, operations: Iterable[Operation[_T]], *, return_exceptions: bool = False
    ) -> list[_T] | list[_T | BaseException]:
        """Run every operation; results in the given order (see the module docstring)."""
        ops = list(operations)
        if not all(callable(op) for op in ops):
            raise ValidationError("operations must be zero-argument async callables")
        if return_exceptions:
            return list(
                await asyncio.gather(*(self._one(op) for op in ops), return_exceptions=True)
            )
        tasks: list[asyncio.Task[_T]] = []
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self._one(op)) for op in ops]
        except BaseExceptionGroup as group_error:
            first: BaseException = group_error.exceptions[0]
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            raise first from None
        return [task.result() for task in tasks]
