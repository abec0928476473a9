"""Iceberg and spoofing **heuristics** over per-level history (bounded memory, O(1) per update).

These are guesses from public level-2 data, not facts about anyone's orders: a displayed size
refilled after trades may be an iceberg or just new orders joining; a large order pulled quickly
may be a spoof or an honest change of mind. Use them as hints.

State: one small record per recently touched price level (side, tick), at most
``max_levels`` of them; the least recently touched is forgotten first. Detected spoofing events
go to a ring of ``max_events``. Every update touches one record: O(1).

**Iceberg** (per level): ``display`` is the size the level showed when it appeared (or was last
re-displayed); ``traded`` the volume traded at it since. The display is *depleted* when, with
trades at the level (``traded > 0``), its size falls to ``iceberg_tolerance x display`` or less
(0 included). A rise within ``iceberg_max_refill_ns`` of the depletion back to within
``iceberg_tolerance x display`` of ``display`` is one *refill*: ``refills += 1``, ``traded`` is
added to ``executed_volume``. Any other rise after a depletion is a new display. Rises without a
depletion (orders joining) only update ``display`` while the level has never refilled. A level
that empties without trades and never refilled is forgotten.

**Spoofing** (per level): a size increase of at least ``max(spoof_min_size,
spoof_size_multiple x average size of the side's other levels)`` whose level lies at least
``spoof_min_distance_ticks`` from the best level of its side *arms* the level. If the added size
is then withdrawn (the level falls back to at most its size before the increase) with no trade
at the level and within ``spoof_max_lifetime_ns``, one spoofing event is recorded. A trade at the
level, or a withdrawal after the lifetime, disarms it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TypedDict

from projectx.exceptions import ValidationError

__all__ = [
    "HeuristicConfig",
    "HeuristicTracker",
    "IcebergLevel",
    "SpoofingLevel",
]


@dataclass(frozen=True, slots=True)
class HeuristicConfig:
    """Thresholds of the heuristics (see the module docstring)."""

    max_levels: int = 4096
    max_events: int = 1024
    iceberg_tolerance: float = 0.1
    iceberg_max_refill_ns: int = 50_000_000
    spoof_min_size: int = 1
    spoof_size_multiple: float = 5.0
    spoof_min_distance_ticks: int = 2
    spoof_max_lifetime_ns: int = 2_000_000_000

    def __post_init__(self) -> None:
        if self.max_levels < 1 or self.max_events < 1:
            raise ValidationError("max_levels and max_events must be >= 1")
        if not 0.0 <= self.iceberg_tolerance < 1.0:
            raise ValidationError(f"iceberg_tolerance must be in [0, 1): {self.iceberg_tolerance}")
        if self.spoof_min_size < 1 or self.spoof_size_multiple < 0.0:
            raise ValidationError("spoof_min_size must be >= 1 and spoof_size_multiple >= 0")
        if self.iceberg_max_refill_ns <= 0:
            raise ValidationError(
                f"iceberg_max_refill_ns must be > 0: {self.iceberg_max_refill_ns}"
            )
        if self.spoof_min_distance_ticks < 0 or self.spoof_max_lifetime_ns <= 0:
            raise ValidationError(
                "spoof_min_distance_ticks must be >= 0 and spoof_max_lifetime_ns > 0"
            )


class IcebergLevel(TypedDict):
    """One suspected iceberg (ticks; the manager turns them into prices)."""

    side: int  # 0 bid, 1 ask
    tick: int
    refills: int
    display_size: int
    executed_volume: int  # traded at the level while tracked
    current_size: int
    first_seen_ns: int
    last_seen_ns: int


class SpoofingLevel(TypedDict):
    """Spoofing events aggregated per level (ticks)."""

    side: int
    tick: int
    occurrences: int
    total_size: int
    max_size: int
    average_lifetime_ns: float
    min_distance_ticks: int
    last_seen_ns: int


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


class HeuristicTracker:
    """Per-level history feeding the iceberg and spoofing heuristics."""

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
