"""project-x-py's ``RateLimiter`` over the core's sliding-window limiter."""

from __future__ import annotations

from projectx.client.ratelimit import SlidingWindowLimiter
from projectx.exceptions import ValidationError

__all__ = ["RateLimiter"]


class RateLimiter:
    """At most ``max_requests`` acquisitions in any ``window_seconds``: ``await acquire()``.

    A :class:`projectx.client.ratelimit.SlidingWindowLimiter` without safety margin (the
    window is exactly ``window_seconds``, as in project-x-py); waiters are served in order.
    """

    def __init__(self, max_requests: int, window_seconds: float) -> None:
        if isinstance(max_requests, bool) or not isinstance(max_requests, int) or max_requests < 1:
            raise ValidationError(f"max_requests must be an int >= 1, got {max_requests!r}")
        if isinstance(window_seconds, bool) or not isinstance(window_seconds, int | float):
            raise ValidationError(f"window_seconds must be a number, got {window_seconds!r}")
        if not window_seconds > 0:
            raise ValidationError(f"window_seconds must be > 0, got {window_seconds!r}")
        self.max_requests = max_requests
        self.window_seconds = float(window_seconds)
        self._limiter = SlidingWindowLimiter(
            max_requests, self.window_seconds, margin_s=0.0, name="compat"
        )

    @property
    def requests(self) -> int:
        """Acquisitions inside the current window."""
        return self._limiter.in_use()

    def delay(self) -> float:
        """Seconds until one more acquisition would be allowed (0 if now)."""
        return self._limiter.delay()

    async def acquire(self) -> None:
        """Wait until a request is allowed, then count it."""
        await self._limiter.acquire()
