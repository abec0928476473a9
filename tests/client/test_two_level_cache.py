"""``TwoLevelCache``: hot level in front of the TTL level, one expiry, counters per level."""

from __future__ import annotations

import asyncio

import pytest

from projectx.client.cache import TwoLevelCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_l2_hits_are_promoted_and_then_served_from_l1() -> None:
    cache: TwoLevelCache[str, int] = TwoLevelCache(10.0, l1_entries=2, time_fn=Clock())
    for i, key in enumerate("abc"):
        cache.put(key, i)
    assert cache.get("a") == 0  # from L2, promoted
    assert cache.get("a") == 0  # from L1
    assert cache.get("zz") is None
    s = cache.level_stats
    assert (s.l1_hits, s.l2_hits, s.misses, s.promotions) == (1, 1, 1, 1)
    assert cache.stats.hits == 2 and cache.stats.misses == 1 and cache.stats.size == 3


def test_l1_is_bounded_lru() -> None:
    cache: TwoLevelCache[str, int] = TwoLevelCache(10.0, l1_entries=2, time_fn=Clock())
    for i, key in enumerate("abc"):
        cache.put(key, i)
        cache.get(key)  # promote each
    assert cache.level_stats.l1_size == 2
    cache.get("a")  # evicted from L1: an L2 hit again
    assert cache.level_stats.l2_hits == 4


def test_neither_level_serves_an_expired_value() -> None:
    clock = Clock()
    cache: TwoLevelCache[str, int] = TwoLevelCache(5.0, time_fn=clock)
    cache.put("a", 1)
    assert cache.get("a") == 1 and cache.get("a") == 1  # now in L1
    clock.now = 5.0
    assert cache.get("a") is None


def test_put_refreshes_l1_and_invalidate_clears_both() -> None:
    cache: TwoLevelCache[str, int] = TwoLevelCache(5.0, time_fn=Clock())
    cache.put("a", 1)
    cache.get("a")
    cache.put("a", 2)
    assert cache.get("a") == 2
    cache.invalidate("a")
    assert cache.get("a") is None and len(cache) == 0


async def test_get_or_load_loads_once_for_concurrent_callers_then_hits_l1() -> None:
    cache: TwoLevelCache[str, int] = TwoLevelCache(5.0)
    calls = 0

    async def load() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return 42

    got = await asyncio.gather(*(cache.get_or_load("k", load) for _ in range(5)))
    assert got == [42] * 5 and calls == 1
    assert await cache.get_or_load("k", load) == 42 and cache.level_stats.l1_hits >= 1


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        TwoLevelCache(5.0, l1_entries=0)
    with pytest.raises(ValueError):
        TwoLevelCache(5.0, l1_entries=10, max_entries=5)


async def test_the_contract_directory_serves_repeated_lookups_from_l1(px) -> None:
    contract = await px.resolve_contract("MNQ")
    before = px.stats_snapshot()["caches"]["contracts"]["hits"]
    for _ in range(3):
        assert (await px.get_contract_by_id(contract.id)).id == contract.id
    after = px.stats_snapshot()["caches"]["contracts"]["hits"]
    assert after - before == 3
