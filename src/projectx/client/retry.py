"""Retry policy: capped exponential backoff with jitter, for idempotent calls only.

Mutating calls (``Order/place``, ``modify``, ``cancel``, position closes) are never retried
after they may have reached the server; see :mod:`projectx.client.transport`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy"]

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
"""HTTP statuses an idempotent call is retried on (429 is handled by the rate limiter)."""


@dataclass(slots=True)
class RetryPolicy:
    """``max_retries`` retries; the n-th (0-based) waits ``min(max_s, base_s * 2**n)`` scaled by
    a random factor in ``[1 - jitter, 1]`` ("equal jitter" when ``jitter=0.5``)."""

    max_retries: int = 4
    base_s: float = 0.25
    max_s: float = 10.0
    jitter: float = 0.5
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.base_s <= 0 or self.max_s < self.base_s:
            raise ValueError("need 0 < base_s <= max_s")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be within [0, 1]")

    def cap(self, attempt: int) -> float:
        """The backoff before jitter for retry number ``attempt`` (0-based)."""
        if attempt < 0:
            raise ValueError("attempt must be >= 0")
        # 2**attempt overflows floats only for absurd attempts; clamp the exponent first.
        return min(self.max_s, self.base_s * 2.0 ** min(attempt, 60))

    def delay(self, attempt: int) -> float:
        """The jittered wait before retry number ``attempt``."""
        cap = self.cap(attempt)
        return cap * (1.0 - self.jitter * self.rng.random())

    def should_retry(self, attempt: int) -> bool:
        """Whether a retry numbered ``attempt`` (0-based) is still allowed."""
        return attempt < self.max_retries
