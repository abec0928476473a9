"""REST client layer: :class:`ProjectX` and its building blocks."""

from __future__ import annotations

from projectx.client.auth import SessionToken
from projectx.client.bars import BAR_SCHEMA, MAX_BARS_PER_REQUEST, BarSpec
from projectx.client.cache import CacheStats, TTLCache, TwoLevelCache
from projectx.client.ratelimit import RateLimits, SlidingWindowLimiter
from projectx.client.rest import ClientStats, ProjectX, new_custom_tag
from projectx.client.retry import RetryPolicy
from projectx.client.validation import Bracket

__all__ = [
    "BAR_SCHEMA",
    "MAX_BARS_PER_REQUEST",
    "BarSpec",
    "Bracket",
    "CacheStats",
    "ClientStats",
    "ProjectX",
    "RateLimits",
    "RetryPolicy",
    "SessionToken",
    "SlidingWindowLimiter",
    "TTLCache",
    "TwoLevelCache",
    "new_custom_tag",
]
