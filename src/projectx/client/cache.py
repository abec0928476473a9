"""A small TTL cache with hit/miss counters and single-flight loading (contracts, static data),
and a two-level cache (a hot LRU level in front of it) with counters per level."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["CacheStats", "LevelStats", "TTLCache", "TwoLevelCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Counters of one cache."""

    hits: int
    misses: int
    size: int

    @property
    def hit_ratio(self) -> float:
        """hits / (hits + misses), 0 when unused."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class TTLCache(Generic[K, V]):
    """Entries expire ``ttl_s`` seconds after being stored; at most ``max_entries`` (LRU)."""

    def __init__(
        self,
        ttl_s: float,
        *,
        max_entries: int = 4096,
        time_fn: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s < 0 or max_entries < 1:
            raise ValueError("need ttl_s >= 0 and max_entries >= 1")
        self.ttl_s = float(ttl_s)
        self.max_entries = max_entries
        self._time = time_fn
        self._data: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._inflight: dict[K, asyncio.Future[V]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return (
            f"TTLCache(ttl_s={self.ttl_s:g}, size={len(self._data)}, "
            f"hits={self.hits}, misses={self.misses})"
        )

    @property
    def stats(self) -> CacheStats:
        """Current counters."""
        return CacheStats(self.hits, self.misses, len(self._data))

    def _lookup(self, key: K) -> tuple[bool, V | None]:
        entry = self._data.get(key)
        if entry is None:
            return False, None
        expires, value = entry
        if self._time() >= expires:
            del self._data[key]
            return False, None
        self._data.move_to_end(key)
        return True, value

    def get(self, key: K) -> V | None:
        """The live value for ``key`` or ``None``; counts a hit or a miss."""
        found, value = self._lookup(key)
        if found:
            self.hits += 1
        else:
            self.misses += 1
        return value

    def put(self, key: K, value: V) -> None:
        """Store ``value`` (no-op when ``ttl_s`` is 0: caching disabled)."""
        if self.ttl_s == 0:
            return
        self._data[key] = (self._time() + self.ttl_s, value)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def expires_at(self, key: K) -> float | None:
        """When ``key``'s stored value expires (on the cache's clock); None if not stored."""
        entry = self._data.get(key)
        return None if entry is None else entry[0]

    def invalidate(self, key: K | None = None) -> None:
        """Drop ``key`` (or everything)."""
        if key is None:
            self._data.clear()
        else:
            self._data.pop(key, None)

    async def get_or_load(self, key: K, loader: Callable[[], Awaitable[V]]) -> V:
        """The cached value, or ``await loader()`` once even when many callers ask at once."""
        found, value = self._lookup(key)
        if found:
            self.hits += 1
            return value  # type: ignore[return-value]
        self.misses += 1
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await loader()
        except BaseException as exc:
            if not future.done():
                if isinstance(exc, Exception):
                    future.set_exception(exc)
                    future.exception()  # mark retrieved: waiters re-raise it themselves
                else:
                    future.cancel()
            raise
        else:
            future.set_result(result)
            self.put(key, result)
            return result
        finally:
            self._inflight.pop(key, None)


@dataclass(frozen=True, slots=True)
class LevelStats:
    """Counters of a :class:`TwoLevelCache` per level."""

    l1_hits: int
    l2_hits: int
    misses: int
    promotions: int
    l1_size: int
    l2_size: int


class TwoLevelCache(Generic[K, V]):
    """A small hot level (L1, ``l1_entries`` most recently used) in front of a
    :class:`TTLCache` (L2). Both honour the same expiry: L1 never serves a value L2 would have
    expired. A value found in L2 is promoted to L1; ``stats`` counts both levels together,
    ``level_stats`` each."""

    def __init__(
        self,
        ttl_s: float,
        *,
        l1_entries: int = 64,
        max_entries: int = 4096,
        time_fn: Callable[[], float] = time.monotonic,
    ) -> None:
        if l1_entries < 1 or l1_entries > max_entries:
            raise ValueError("need 1 <= l1_entries <= max_entries")
        self.l2: TTLCache[K, V] = TTLCache(ttl_s, max_entries=max_entries, time_fn=time_fn)
        self.l1_entries = l1_entries
        self._time = time_fn
        self._l1: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self.l1_hits = 0
        self.promotions = 0

    def __len__(self) -> int:
        return len(self.l2)

    def __repr__(self) -> str:
        s = self.level_stats
        return (
            f"TwoLevelCache(l1={s.l1_size}/{self.l1_entries}, l2={s.l2_size}, "
            f"hits={s.l1_hits}+{s.l2_hits}, misses={s.misses})"
        )

    @property
    def stats(self) -> CacheStats:
        """Both levels as one cache: a hit at either level is a hit."""
        return CacheStats(self.l1_hits + self.l2.hits, self.l2.misses, len(self.l2))

    @property
    def level_stats(self) -> LevelStats:
        """Counters per level."""
        return LevelStats(
            self.l1_hits, self.l2.hits, self.l2.misses, self.promotions, len(self._l1), len(self.l2)
        )

    def _l1_get(self, key: K) -> tuple[bool, V | None]:
        entry = self._l1.get(key)
        if entry is None:
            return False, None
        expires, value = entry
        if self._time() >= expires:
            del self._l1[key]
            return False, None
        self._l1.move_to_end(key)
        return True, value

    def _promote(self, key: K, value: V) -> None:
        expires = self.l2.expires_at(key)
        if expires is None:  # not stored (ttl 0): nothing to promote
            return
        self._l1[key] = (expires, value)
        self._l1.move_to_end(key)
        self.promotions += 1
        while len(self._l1) > self.l1_entries:
            self._l1.popitem(last=False)

    def get(self, key: K) -> V | None:
        """The live value for ``key`` or ``None`` (L1, then L2)."""
        found, value = self._l1_get(key)
        if found:
            self.l1_hits += 1
            return value
        value = self.l2.get(key)
        if value is not None:
            self._promote(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        """Store ``value`` in L2 (and refresh it in L1 if it is there)."""
        self.l2.put(key, value)
        if key in self._l1:
            self._promote(key, value)
            self.promotions -= 1  # a refresh, not a promotion

    def invalidate(self, key: K | None = None) -> None:
        """Drop ``key`` (or everything) from both levels."""
        if key is None:
            self._l1.clear()
        else:
            self._l1.pop(key, None)
        self.l2.invalidate(key)

    async def get_or_load(self, key: K, loader: Callable[[], Awaitable[V]]) -> V:
        """The cached value, or ``await loader()`` once even when many callers ask at once."""
        found, value = self._l1_get(key)
        if found:
            self.l1_hits += 1
            return value  # type: ignore[return-value]
        result = await self.l2.get_or_load(key, loader)
        self._promote(key, result)
        return result
