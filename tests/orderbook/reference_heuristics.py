"""Reference model of the iceberg/spoofing heuristics: the pure-Python ``HeuristicTracker`` the
SDK had before the tracker went native (``projectx._native.heuristics``), kept verbatim as the
oracle the native tracker is compared with (tests/orderbook/test_heuristics_native.py).

The rules are in ``projectx.orderbook.heuristics``' module docstring; this model is one dict of
small records (insertion order = least recently touched first) and a bounded deque.
"""

from __future__ import annotations

import math
from collections import deque

from projectx._native.book import OrderBook as NativeBook
from projectx.exceptions import ValidationError
from projectx.orderbook.grid import TickGrid
from projectx.orderbook.heuristics import HeuristicConfig, IcebergLevel, SpoofingLevel

__all__ = ["ReferenceBookHooks", "ReferenceTracker"]


class _Level:
    __slots__ = (
        "depleted_ns",
        "display",
        "executed",
        "first_ns",
        "last_ns",
        "refills",
        "size",
        "spoof_base",
        "spoof_dist",
        "spoof_ns",
        "spoof_size",
        "traded",
    )

    def __init__(self, ts_ns: int) -> None:
        self.size = 0
        self.display = 0
        self.traded = 0
        self.refills = 0
        self.executed = 0
        self.first_ns = ts_ns
        self.last_ns = ts_ns
        self.depleted_ns = -1  # when trades emptied the display; -1: not depleted
        self.spoof_ns = -1  # -1: not armed
        self.spoof_size = 0
        self.spoof_base = 0
        self.spoof_dist = 0


# (side, tick, added size, distance, armed at, withdrawn at)
_Event = tuple[int, int, int, int, int, int]


class ReferenceTracker:
    """The Python ``HeuristicTracker`` as it was before the native one (the model)."""

    __slots__ = ("_cfg", "_events", "_levels", "level_updates", "trade_updates")

    def __init__(self, config: HeuristicConfig | None = None) -> None:
        self._cfg = config or HeuristicConfig()
        self._levels: dict[int, _Level] = {}
        self._events: deque[_Event] = deque(maxlen=self._cfg.max_events)
        self.level_updates = 0
        self.trade_updates = 0

    @property
    def config(self) -> HeuristicConfig:
        """The thresholds in use."""
        return self._cfg

    @property
    def tracked_levels(self) -> int:
        """Levels currently remembered (<= ``max_levels``)."""
        return len(self._levels)

    @property
    def spoofing_events(self) -> int:
        """Spoofing events currently held (<= ``max_events``)."""
        return len(self._events)

    def _take(self, key: int, ts_ns: int) -> _Level:
        """The level's record, removed from the dict (the caller re-inserts it as newest)."""
        st = self._levels.pop(key, None)
        if st is None:
            if len(self._levels) >= self._cfg.max_levels:
                del self._levels[next(iter(self._levels))]
            st = _Level(ts_ns)
        return st

    def on_level(
        self, side: int, tick: int, size: int, ts_ns: int, best_tick: int | None, avg_size: float
    ) -> None:
        """A level of ``side`` at ``tick`` now rests ``size``; ``best_tick`` is the best level of
        that side after the update (None: side empty), ``avg_size`` the average size of the
        side's other levels."""
        self.level_updates += 1
        key = 2 * tick + side
        if size == 0 and key not in self._levels:
            return
        cfg = self._cfg
        st = self._take(key, ts_ns)
        prev = st.size
        if size > prev:
            added = size - prev
            dist = 0 if best_tick is None else (best_tick - tick if side == 0 else tick - best_tick)
            if dist >= cfg.spoof_min_distance_ticks and added >= max(
                cfg.spoof_min_size, cfg.spoof_size_multiple * avg_size
            ):
                st.spoof_ns = ts_ns
                st.spoof_size = added
                st.spoof_base = prev
                st.spoof_dist = dist
            if st.depleted_ns >= 0:
                if (
                    ts_ns - st.depleted_ns <= cfg.iceberg_max_refill_ns
                    and abs(size - st.display) <= cfg.iceberg_tolerance * st.display
                ):
                    st.refills += 1
                    st.executed += st.traded
                else:
                    st.display = size  # a different size or much later: a new display
                st.traded = 0
                st.depleted_ns = -1
            elif st.refills == 0:
                st.display = size  # orders joining before any refill
        elif size < prev:
            if st.spoof_ns >= 0 and size <= st.spoof_base:
                if ts_ns - st.spoof_ns <= cfg.spoof_max_lifetime_ns:
                    self._events.append(
                        (side, tick, st.spoof_size, st.spoof_dist, st.spoof_ns, ts_ns)
                    )
                st.spoof_ns = -1
            if st.traded > 0 and st.depleted_ns < 0 and size <= cfg.iceberg_tolerance * st.display:
                st.depleted_ns = ts_ns
        st.size = size
        st.last_ns = ts_ns
        if size == 0 and st.refills == 0 and st.traded == 0 and st.spoof_ns < 0:
            return  # a plain cancel: forget the level
        self._levels[key] = st

    def on_trade(self, side: int, tick: int, volume: int, ts_ns: int, resting: int) -> None:
        """``volume`` traded against the resting ``side`` at ``tick``; ``resting`` is the size
        the book shows there now (used as a first estimate when the level is new)."""
        self.trade_updates += 1
        key = 2 * tick + side
        st = self._take(key, ts_ns)
        if st.size == 0 and st.display == 0:
            st.size = resting
            st.display = resting + volume
        st.traded += volume
        st.spoof_ns = -1
        if st.depleted_ns < 0 and st.size <= self._cfg.iceberg_tolerance * st.display:
            st.depleted_ns = ts_ns
        st.last_ns = ts_ns
        self._levels[key] = st

    def resting_side(self, tick: int) -> int | None:
        """Which side a tracked level at ``tick`` rests on (bids first), if any."""
        for side in (0, 1):
            st = self._levels.get(2 * tick + side)
            if st is not None and st.size > 0:
                return side
        return None

    def on_reset(self) -> None:
        """The book was cleared: sizes to 0, pending trades and armed levels dropped."""
        for st in self._levels.values():
            st.size = 0
            st.traded = 0
            st.spoof_ns = -1
            st.depleted_ns = -1

    def clear(self) -> None:
        """Forget all history and events."""
        self._levels.clear()
        self._events.clear()

    def icebergs(
        self, min_refills: int, since_ns: int | None, side: int | None
    ) -> list[IcebergLevel]:
        """Levels refilled at least ``min_refills`` times (last seen at/after ``since_ns``),
        most refills first, then most executed volume."""
        out: list[IcebergLevel] = []
        for key, st in self._levels.items():
            s = key & 1
            if st.refills < min_refills or (side is not None and s != side):
                continue
            if since_ns is not None and st.last_ns < since_ns:
                continue
            out.append(
                {
                    "side": s,
                    "tick": key >> 1,
                    "refills": st.refills,
                    "display_size": st.display,
                    "executed_volume": st.executed + st.traded,
                    "current_size": st.size,
                    "first_seen_ns": st.first_ns,
                    "last_seen_ns": st.last_ns,
                }
            )
        out.sort(key=lambda r: (-r["refills"], -r["executed_volume"], r["tick"]))
        return out

    def spoofs(
        self, min_occurrences: int, since_ns: int | None, side: int | None
    ) -> list[SpoofingLevel]:
        """Spoofing events (withdrawn at/after ``since_ns``) aggregated per level, most
        occurrences first, then most recent."""
        agg: dict[tuple[int, int], list[int]] = {}
        for s, tick, size, dist, armed, gone in self._events:
            if (side is not None and s != side) or (since_ns is not None and gone < since_ns):
                continue
            a = agg.get((s, tick))
            if a is None:
                agg[(s, tick)] = [1, size, size, gone - armed, dist, gone]
            else:
                a[0] += 1
                a[1] += size
                a[2] = max(a[2], size)
                a[3] += gone - armed
                a[4] = min(a[4], dist)
                a[5] = max(a[5], gone)
        out: list[SpoofingLevel] = [
            {
                "side": s,
                "tick": tick,
                "occurrences": a[0],
                "total_size": a[1],
                "max_size": a[2],
                "average_lifetime_ns": a[3] / a[0],
                "min_distance_ticks": a[4],
                "last_seen_ns": a[5],
            }
            for (s, tick), a in agg.items()
            if a[0] >= min_occurrences
        ]
        out.sort(key=lambda r: (-r["occurrences"], -r["last_seen_ns"], r["tick"]))
        return out


_SIDE_OF_TYPE = {1: 1, 3: 1, 10: 1, 2: 0, 4: 0, 9: 0}  # DomType -> side (1 ask, 0 bid)


class ReferenceBookHooks:
    """The Python ``OrderBook.on_depth`` / ``_track_trade`` as they were before the tracker went
    native: a native book read through its Python API, fed to a :class:`ReferenceTracker`."""

    def __init__(self, native: NativeBook, config: HeuristicConfig | None = None) -> None:
        self.native = native
        self.grid = TickGrid(native.tick_size)
        self.tracker = ReferenceTracker(config)
        self.depth_entries = 0
        self.invalid_entries = 0

    def on_depth(self, dom_type: int, price: float, volume: int, ts_ns: int) -> None:
        self.depth_entries += 1
        if dom_type == 6:
            self.tracker.on_reset()
            return
        side = _SIDE_OF_TYPE.get(dom_type)
        if side is None:
            return
        if volume < 0 or not math.isfinite(price):
            self.invalid_entries += 1
            return
        try:
            tick = self.grid.to_ticks(price)
        except ValidationError:
            self.invalid_entries += 1
            return
        nb = self.native
        if side == 0:
            count, total = nb.bid_levels, nb.total_bid_size
            best = self.grid.to_ticks(nb.best_bid) if count else None
        else:
            count, total = nb.ask_levels, nb.total_ask_size
            best = self.grid.to_ticks(nb.best_ask) if count else None
        if volume > 0:  # average size of the *other* levels of the side
            count -= 1
            total -= volume
        self.tracker.on_level(side, tick, volume, ts_ns, best, total / count if count > 0 else 0.0)

    def on_trade(self, price: float, volume: int, agg: int, ts_ns: int) -> None:
        tick = self.grid.to_ticks(price)
        snapped = self.grid.price(tick)
        nb = self.native
        side: int
        if agg == 0:
            side = 1
        elif agg == 1:
            side = 0
        else:
            known = self.tracker.resting_side(tick)
            if known is not None:
                side = known
            elif nb.size_at(snapped, 0):
                side = 0
            elif nb.size_at(snapped, 1):
                side = 1
            else:
                return
        self.tracker.on_trade(side, tick, volume, ts_ns, nb.size_at(snapped, side))
