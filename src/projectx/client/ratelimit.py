"""Client-side sliding-window rate limiting (spec §8).

The Gateway allows 200 requests per 60 s in general and 50 per 30 s on ``History/retrieveBars``.
:class:`SlidingWindowLimiter` guarantees that no ``window_s + margin_s`` interval ever holds more
than ``limit`` acquisitions (the margin absorbs the delay between our send and the server's
count). A 429 answer pauses the limiter until its ``Retry-After`` has passed, so every waiting
call backs off together instead of hammering the server.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

__all__ = ["RateLimits", "SlidingWindowLimiter"]

BARS_ENDPOINT = "History/retrieveBars"


class SlidingWindowLimiter:
    """At most ``limit`` acquisitions in any window of ``window_s + margin_s`` seconds.

    Waiters are served in FIFO order. ``time_fn``/``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        limit: int,
        window_s: float,
        *,
        margin_s: float = 0.5,
        time_fn: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        name: str = "limiter",
    ) -> None:
        if limit < 1 or window_s <= 0 or margin_s < 0:
            raise ValueError(f"need limit >= 1, window > 0, margin >= 0 (got {limit}, {window_s})")
        self.limit = limit
        self.window_s = float(window_s)
        self.margin_s = float(margin_s)
        self.name = name
        self._time = time_fn
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._paused_until = 0.0
        self.acquired = 0
        self.waits = 0
        self.waited_s = 0.0

    def __repr__(self) -> str:
        return f"SlidingWindowLimiter({self.name}: {self.limit}/{self.window_s:g}s)"

    @property
    def span_s(self) -> float:
        """The effective window length (``window_s + margin_s``)."""
        return self.window_s + self.margin_s

    def pause(self, seconds: float) -> None:
        """Hold every acquisition for ``seconds`` from now (a 429's ``Retry-After``)."""
        until = self._time() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)

    def delay(self) -> float:
        """Seconds until one more acquisition would be allowed (0 if now)."""
        now = self._time()
        self._prune(now)
        wait = self._paused_until - now
        if len(self._stamps) >= self.limit:
            wait = max(wait, self._stamps[0] + self.span_s - now)
        return max(0.0, wait)

    def in_use(self) -> int:
        """Acquisitions inside the current window."""
        self._prune(self._time())
        return len(self._stamps)

    def _prune(self, now: float) -> None:
        horizon = now - self.span_s
        stamps = self._stamps
        while stamps and stamps[0] <= horizon:
            stamps.popleft()

    async def acquire(self) -> None:
        """Wait for a slot and take it."""
        async with self._lock:
            while True:
                wait = self.delay()
                if wait <= 0:
                    break
                self.waits += 1
                self.waited_s += wait
                await self._sleep(wait + 0.001)
            self._stamps.append(self._time())
            self.acquired += 1


class RateLimits:
    """The two limit classes of spec §8: ``History/retrieveBars`` and everything else."""

    def __init__(
        self,
        *,
        general_limit: int = 200,
        general_window_s: float = 60.0,
        bars_limit: int = 50,
        bars_window_s: float = 30.0,
        margin_s: float = 0.5,
        time_fn: Callable[[], float] = time.monotonic,
    ) -> None:
        self.general = SlidingWindowLimiter(
            general_limit, general_window_s, margin_s=margin_s, time_fn=time_fn, name="general"
        )
        self.bars = SlidingWindowLimiter(
            bars_limit, bars_window_s, margin_s=margin_s, time_fn=time_fn, name="bars"
        )

    def for_endpoint(self, endpoint: str) -> SlidingWindowLimiter:
        """The limiter that counts ``endpoint`` (path after ``/api/``)."""
        return self.bars if endpoint.lower() == BARS_ENDPOINT.lower() else self.general

    async def acquire(self, endpoint: str) -> None:
        """Wait for a slot for ``endpoint``."""
        await self.for_endpoint(endpoint).acquire()

    def pause(self, endpoint: str, seconds: float) -> None:
        """After a 429 on ``endpoint``: hold its limiter for ``seconds``."""
        self.for_endpoint(endpoint).pause(seconds)
