"""``SlidingWindowManager``: bounded per-key windows of ticks over the native ``TickRing``.

One fixed-capacity ring per key (a contract id, a symbol, anything hashable and str): appends
are O(1) in C, the oldest ticks fall off when a ring is full, and reads are NumPy views
(``copy=True`` for arrays that outlive the next append) or polars frames. ``since(key, ts_ns)``
cuts the window by time with a binary search (ticks are appended in time order; an older tick
is refused with :class:`ValidationError`, never reordered silently). Memory is bounded by
``capacity`` x keys and reported by :meth:`SlidingWindowManager.stats`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from projectx._native.ring import TickRing
from projectx.exceptions import ValidationError
from projectx.validation import check_number

__all__ = ["SlidingWindowManager"]

_MAX_CAPACITY = 50_000_000


class SlidingWindowManager:
    """Per-key tick windows of ``capacity`` ticks each (see the module docstring)."""

    def __init__(self, capacity: int = 100_000, *, max_keys: int = 1_000) -> None:
        check_number(capacity, "capacity", minimum=1, maximum=_MAX_CAPACITY, integer=True)
        check_number(max_keys, "max_keys", minimum=1, maximum=1_000_000, integer=True)
        self.capacity = capacity
        self.max_keys = max_keys
        self._rings: dict[str, TickRing] = {}
        self._last_ts: dict[str, int] = {}

    def _ring(self, key: str) -> TickRing:
        ring = self._rings.get(key)
        if ring is None:
            if not isinstance(key, str) or not key:
                raise ValidationError(f"key must be a non-empty str, got {key!r}")
            if len(self._rings) >= self.max_keys:
                raise ValidationError(f"at most {self.max_keys} windows (max_keys)")
            ring = self._rings[key] = TickRing(self.capacity)
        return ring

    def append(self, key: str, ts_ns: int, price: float, volume: int, side: int = 0) -> None:
        """Add one tick to ``key``'s window (``ts_ns`` not older than the window's newest)."""
        check_number(ts_ns, "ts_ns", integer=True)
        if ts_ns < self._last_ts.get(key, ts_ns):
            raise ValidationError(
                f"{key}: tick at {ts_ns} is older than the window's newest ({self._last_ts[key]})"
            )
        check_number(price, "price")
        check_number(volume, "volume", minimum=0, integer=True)
        check_number(side, "side", minimum=-128, maximum=127, integer=True)
        self._ring(key).append(ts_ns, float(price), volume, side)
        self._last_ts[key] = ts_ns

    def keys(self) -> list[str]:
        """The keys with a window."""
        return list(self._rings)

    def __len__(self) -> int:
        return len(self._rings)

    def count(self, key: str) -> int:
        """Ticks held for ``key`` (0 if none)."""
        ring = self._rings.get(key)
        return len(ring) if ring is not None else 0

    def latest(
        self, key: str, n: int | None = None, *, copy: bool = False
    ) -> dict[str, npt.NDArray[np.generic]]:
        """The last ``n`` ticks (all held if None) as columns ``ts``, ``price``, ``volume``,
        ``side``, oldest first; empty columns for an unknown key."""
        ring = self._rings.get(key)
        if ring is None:
            return {name: np.empty(0) for name in ("ts", "price", "volume", "side")}
        return ring.latest(n, copy=copy)

    def since(
        self, key: str, ts_ns: int, *, copy: bool = False
    ) -> dict[str, npt.NDArray[np.generic]]:
        """The ticks at or after ``ts_ns`` (binary search over the held window)."""
        ring = self._rings.get(key)
        if ring is None:
            return self.latest(key)
        ts = ring.column("ts", copy=True)
        start = int(np.searchsorted(ts, ts_ns, side="left"))
        return ring.latest(len(ts) - start, copy=copy)

    def to_polars(self, key: str, n: int | None = None) -> pl.DataFrame:
        """The last ``n`` ticks as a polars frame (a copy)."""
        ring = self._rings.get(key)
        if ring is None:
            return pl.DataFrame()
        return ring.to_polars(n, copy=True)

    def clear(self, key: str | None = None) -> None:
        """Empty ``key``'s window, or every window."""
        for k in [key] if key is not None else list(self._rings):
            ring = self._rings.get(k)
            if ring is not None:
                ring.clear()
            self._last_ts.pop(k, None)

    def stats(self) -> dict[str, object]:
        """Windows, ticks held, ticks ever appended, and the bytes the rings hold."""
        held = sum(len(r) for r in self._rings.values())
        total = sum(r.total for r in self._rings.values())
        nbytes = sum(a.nbytes for r in self._rings.values() for a in r.arrays)
        return {"windows": len(self._rings), "held": held, "appended": total, "bytes": nbytes}
