"""Sliding-window limiter vs a reference model; retry backoff bounds; TTL cache counters."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.client.cache import TTLCache
from projectx.client.ratelimit import RateLimits, SlidingWindowLimiter
from projectx.client.retry import RetryPolicy


class FakeClock:
    """Virtual time: ``sleep`` advances it instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def _reference_grant(arrival: float, earlier: list[float], limit: int, span: float) -> float:
    """The earliest allowed grant: at most ``limit`` grants in any window of ``span``."""
    if len(earlier) < limit:
        return arrival
    return max(arrival, earlier[-limit] + span)


@settings(max_examples=150, deadline=None)
@given(
    limit=st.integers(1, 8),
    window=st.floats(0.5, 20.0),
    gaps=st.lists(st.floats(0.0, 5.0), min_size=1, max_size=60),
)
def test_limiter_grants_match_reference_and_never_exceed_the_window(limit, window, gaps):
    clock = FakeClock()
    lim = SlidingWindowLimiter(limit, window, margin_s=0.25, time_fn=clock.time, sleep=clock.sleep)
    span = window + 0.25
    grants: list[float] = []

    async def run() -> None:
        for gap in gaps:
            clock.now += gap
            arrival = clock.now
            want = _reference_grant(arrival, grants, limit, span)
            await lim.acquire()
            # liveness: granted as soon as the reference allows (plus the sleep epsilon)
            assert want - 1e-9 <= clock.now <= want + 0.0011
            grants.append(clock.now)

    asyncio.run(run())
    # safety: any window of length `span` holds at most `limit` grants
    for i, t in enumerate(grants):
        inside = [g for g in grants[: i + 1] if g > t - span]
        assert len(inside) <= limit


async def test_concurrent_acquirers_never_exceed_limit_in_real_time():
    lim = SlidingWindowLimiter(3, 0.2, margin_s=0.0)
    loop = asyncio.get_running_loop()
    stamps: list[float] = []

    async def one() -> None:
        await lim.acquire()
        stamps.append(loop.time())

    await asyncio.gather(*(one() for _ in range(9)))
    stamps.sort()
    assert len(stamps) == 9
    for i in range(3, 9):
        assert stamps[i] - stamps[i - 3] >= 0.2 - 1e-3


async def test_pause_holds_acquisitions_until_retry_after():
    clock = FakeClock()
    lim = SlidingWindowLimiter(100, 60, time_fn=clock.time, sleep=clock.sleep)
    start = clock.now
    lim.pause(7.5)
    assert lim.delay() == pytest.approx(7.5)
    await lim.acquire()
    assert clock.now - start >= 7.5


def test_rate_limits_route_bars_to_their_own_window():
    limits = RateLimits(general_limit=5, bars_limit=2)
    assert limits.for_endpoint("History/retrieveBars") is limits.bars
    assert limits.for_endpoint("history/RETRIEVEBARS") is limits.bars
    assert limits.for_endpoint("Order/place") is limits.general
    limits.pause("History/retrieveBars", 3)
    assert limits.bars.delay() > 2.5 and limits.general.delay() == 0


@settings(max_examples=200, deadline=None)
@given(
    base=st.floats(0.01, 2.0),
    factor=st.floats(1.0, 100.0),
    jitter=st.floats(0.0, 1.0),
    attempt=st.integers(0, 200),
    seed=st.integers(0, 2**32),
)
def test_backoff_is_capped_exponential_with_bounded_jitter(base, factor, jitter, attempt, seed):
    policy = RetryPolicy(
        max_retries=5, base_s=base, max_s=base * factor, jitter=jitter, rng=random.Random(seed)
    )
    cap = min(base * factor, base * 2.0**attempt)
    assert policy.cap(attempt) == pytest.approx(cap)
    d = policy.delay(attempt)
    assert cap * (1 - jitter) - 1e-12 <= d <= cap + 1e-12


def test_retry_budget_and_bad_arguments():
    policy = RetryPolicy(max_retries=2)
    assert [policy.should_retry(i) for i in range(4)] == [True, True, False, False]
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError):
        RetryPolicy(base_s=2.0, max_s=1.0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)


def test_ttl_cache_counts_hits_and_misses_and_expires():
    clock = FakeClock()
    cache: TTLCache[str, int] = TTLCache(10.0, time_fn=clock.time)
    assert cache.get("a") is None
    cache.put("a", 1)
    assert cache.get("a") == 1
    clock.now += 9.9
    assert cache.get("a") == 1
    clock.now += 0.2
    assert cache.get("a") is None
    assert (cache.stats.hits, cache.stats.misses) == (2, 2)
    assert cache.stats.hit_ratio == 0.5


def test_ttl_cache_evicts_least_recently_used():
    cache: TTLCache[int, int] = TTLCache(100.0, max_entries=2)
    cache.put(1, 1)
    cache.put(2, 2)
    assert cache.get(1) == 1
    cache.put(3, 3)
    assert cache.get(2) is None and cache.get(1) == 1 and cache.get(3) == 3


def test_zero_ttl_disables_caching():
    cache: TTLCache[str, int] = TTLCache(0.0)
    cache.put("a", 1)
    assert cache.get("a") is None and len(cache) == 0


async def test_get_or_load_coalesces_concurrent_loads_and_does_not_cache_errors():
    cache: TTLCache[str, int] = TTLCache(60.0)
    calls = 0
    gate = asyncio.Event()

    async def load() -> int:
        nonlocal calls
        calls += 1
        await gate.wait()
        return 42

    tasks = [asyncio.create_task(cache.get_or_load("k", load)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*tasks) == [42] * 5
    assert calls == 1
    assert await cache.get_or_load("k", load) == 42 and calls == 1

    async def boom() -> int:
        raise RuntimeError("nope")

    with pytest.raises(RuntimeError):
        await cache.get_or_load("x", boom)
    assert await cache.get_or_load("x", load) == 42
