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

from dataclasses import dataclass
from typing import TypedDict

from projectx._native.heuristics import HeuristicTracker as NativeTracker
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


class HeuristicTracker(NativeTracker):
    """Per-level history feeding the iceberg and spoofing heuristics: the native tracker
    (``projectx._native.heuristics``) configured by a :class:`HeuristicConfig`.

    ``on_level``/``on_trade``/``on_reset`` take updates in ticks; ``feed_depth``/``feed_trade``
    take a GatewayDepth entry or a trade read against a native book, which is what
    ``MarketFeed.attach_heuristics`` makes the feed do natively for every record.
    """

    __slots__ = ("_cfg",)

    def __init__(self, config: HeuristicConfig | None = None) -> None:
        cfg = config or HeuristicConfig()
        super().__init__(
            cfg.max_levels,
            cfg.max_events,
            cfg.iceberg_tolerance,
            cfg.iceberg_max_refill_ns,
            cfg.spoof_min_size,
            cfg.spoof_size_multiple,
            cfg.spoof_min_distance_ticks,
            cfg.spoof_max_lifetime_ns,
        )
        self._cfg = cfg

    @property
    def config(self) -> HeuristicConfig:
        """The thresholds in use."""
        return self._cfg

    def icebergs(
        self, min_refills: int, since_ns: int | None = None, side: int | None = None
    ) -> list[IcebergLevel]:
        """Levels refilled at least ``min_refills`` times (last seen at/after ``since_ns``),
        most refills first, then most executed volume."""
        return super().icebergs(min_refills, since_ns, side)

    def spoofs(
        self, min_occurrences: int, since_ns: int | None = None, side: int | None = None
    ) -> list[SpoofingLevel]:
        """Spoofing events (withdrawn at/after ``since_ns``) aggregated per level, most
        occurrences first, then most recent."""
        return super().spoofs(min_occurrences, since_ns, side)
