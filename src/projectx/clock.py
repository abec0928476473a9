"""Market time for strategies: the wall clock live, a simulated clock in replay.

``TradingSuite.clock`` holds the suite's clock (:data:`WALL_CLOCK` unless a replay runner
attached its simulated clock); see :mod:`projectx.strategy` for how strategies use it.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TypeVar

__all__ = ["WALL_CLOCK", "StrategyClock", "WallClock"]

_T = TypeVar("_T")


class StrategyClock(ABC):
    """Market time for strategies (see the module docstring)."""

    @abstractmethod
    def now_ns(self) -> int:
        """Current market time, ns since the epoch (UTC)."""

    def now(self) -> datetime:
        """Current market time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now_ns() / 1e9, UTC)

    @abstractmethod
    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of market time."""

    @abstractmethod
    async def wait_for(self, aw: Awaitable[_T], timeout: float) -> _T:  # noqa: ASYNC109
        """``aw``'s result, or ``TimeoutError`` after ``timeout`` seconds of market time."""


class WallClock(StrategyClock):
    """Live market time: the system clock and asyncio."""

    def now_ns(self) -> int:
        """``time.time_ns()``."""
        return time.time_ns()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(max(0.0, seconds))

    async def wait_for(self, aw: Awaitable[_T], timeout: float) -> _T:  # noqa: ASYNC109
        """``asyncio.wait_for``."""
        return await asyncio.wait_for(aw, timeout)


WALL_CLOCK = WallClock()
