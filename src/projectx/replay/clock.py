"""The simulated market clock of a replay (the strategy-facing side of the engine's ManualClock).

Sleeps and timeouts register deadlines; the replay runner stops feeding data at the earliest
deadline, moves the clock there and wakes the waiters (:meth:`SimulatedClock.fire_due`).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from typing import Any, TypeVar

from projectx.clock import StrategyClock
from projectx.sim.clock import ManualClock

__all__ = ["SimulatedClock"]

_T = TypeVar("_T")
_NS = 1_000_000_000


class SimulatedClock(StrategyClock):
    """Market time driven by the replay (see the module docstring)."""

    def __init__(self, manual: ManualClock) -> None:
        self.manual = manual
        self._timers: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now_ns(self) -> int:
        """The time of the message being replayed."""
        return self.manual.now_ns()

    def advance_to(self, ts_ns: int) -> None:
        """Move the clock forward to ``ts_ns`` (never backwards)."""
        if ts_ns > self.manual.now_ns():
            self.manual.set(ts_ns)

    def _timer(self, seconds: float) -> asyncio.Future[None]:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        deadline = self.now_ns() + max(0, int(seconds * _NS))
        heapq.heappush(self._timers, (deadline, next(self._seq), fut))
        return fut

    async def sleep(self, seconds: float) -> None:
        """Wait until the replay reaches now + ``seconds``."""
        await self._timer(seconds)

    async def wait_for(self, aw: Awaitable[_T], timeout: float) -> _T:  # noqa: ASYNC109
        """``aw``'s result, or ``TimeoutError`` once the replay passed now + ``timeout``."""
        task: asyncio.Future[_T] = asyncio.ensure_future(aw)
        timer = self._timer(timeout)
        waiters: set[asyncio.Future[Any]] = {task, timer}
        try:
            done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            task.cancel()
            timer.cancel()
            raise
        if task in done:
            timer.cancel()
            return task.result()
        task.cancel()
        raise TimeoutError(f"no result within {timeout} s of market time")

    def next_deadline(self) -> int | None:
        """The earliest pending deadline (cancelled waiters are dropped)."""
        timers = self._timers
        while timers and timers[0][2].done():
            heapq.heappop(timers)
        return timers[0][0] if timers else None

    @property
    def pending(self) -> int:
        """Waiters not yet woken."""
        return sum(1 for _, _, f in self._timers if not f.done())

    def fire_due(self, now_ns: int) -> int:
        """Advance to ``now_ns`` and wake every waiter due by then; return how many."""
        self.advance_to(now_ns)
        fired = 0
        timers = self._timers
        while timers and timers[0][0] <= now_ns:
            _, _, fut = heapq.heappop(timers)
            if not fut.done():
                fut.set_result(None)
                fired += 1
        return fired
