"""Per-key sliding-window rate limits (spec §8).

Defaults: ``History/retrieveBars`` 50 requests / 30 s, every other endpoint 200 requests / 60 s,
counted per token (per client address for unauthenticated calls).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimitConfig", "RateLimiter", "SlidingWindow"]


class SlidingWindow:
    """At most ``limit`` events in any ``window_s`` interval, per key."""

    def __init__(
        self, limit: int, window_s: float, *, time_fn: Callable[[], float] = time.monotonic
    ) -> None:
        if limit <= 0 or window_s <= 0:
            raise ValueError(f"need limit > 0 and window > 0, got {limit!r}/{window_s!r}")
        self.limit = limit
        self.window_s = float(window_s)
        self._time = time_fn
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> float | None:
        """Record one request for ``key``; return ``None`` if allowed, else seconds to wait."""
        now = self._time()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        horizon = now - self.window_s
        while hits and hits[0] <= horizon:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(hits[0] + self.window_s - now, 0.0)
        hits.append(now)
        return None

    def reset(self) -> None:
        """Forget every recorded request."""
        self._hits.clear()


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """Limits of spec §8; ``enabled=False`` turns them off."""

    enabled: bool = True
    general_limit: int = 200
    general_window_s: float = 60.0
    bars_limit: int = 50
    bars_window_s: float = 30.0


class RateLimiter:
    """The simulator's two limit classes: ``History/retrieveBars`` and everything else."""

    BARS_ENDPOINT = "history/retrievebars"

    def __init__(
        self, config: RateLimitConfig, *, time_fn: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self._general = SlidingWindow(
            config.general_limit, config.general_window_s, time_fn=time_fn
        )
        self._bars = SlidingWindow(config.bars_limit, config.bars_window_s, time_fn=time_fn)

    def check(self, key: str, endpoint_lower: str) -> int | None:
        """Count a request; return ``None`` if allowed, else the ``Retry-After`` seconds (>= 1)."""
        if not self.config.enabled:
            return None
        window = self._bars if endpoint_lower == self.BARS_ENDPOINT else self._general
        wait = window.hit(key)
        if wait is None:
            return None
        return max(1, math.ceil(wait))

    def reset(self) -> None:
        """Forget every recorded request (both classes)."""
        self._general.reset()
        self._bars.reset()
