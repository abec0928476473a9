"""A small TTL cache with hit/miss counters and single-flight loading (contracts, static data)."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["CacheStats", "TTLCache"]

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
