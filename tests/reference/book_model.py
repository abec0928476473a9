"""Pure-Python reference model of the native order book (``projectx._native.book``).

Deliberately naive: one ``dict`` per side mapping integer ticks to size, best levels found with
``max``/``min`` on every read, the tape a plain list. It implements the semantics documented in
``ext/book.pyx`` rule by rule, so the property tests can compare the two on random sequences.

It has no window: it holds every level, wherever it is. The native book's window is invisible
in its reads (only its ``WINDOW_KEYS`` counters and the ladder views show it), so as long as the
native book loses nothing (``levels_lost`` 0) both must agree on everything else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

APPLIED, IGNORED, INVALID = 0, 1, 2
TYPE_NAMES = (
    "unknown",
    "ask",
    "bid",
    "best_ask",
    "best_bid",
    "trade",
    "reset",
    "low",
    "high",
    "new_best_bid",
    "new_best_ask",
    "fill",
)
MAX_TICKS = 2.0**52
WINDOW_KEYS = ("recentres", "recentres_deferred", "levels_outside")


@dataclass
class TapeRecord:
    """One trade or fill as the book's tape stores it."""

    ts_ns: int
    ticks: int
    volume: int
    current_volume: int
    aggressor: int
    kind: int


@dataclass
class BookModel:
    """The documented order-book rules on dicts; prices are kept as integer ticks.

    The tape keeps every record; compare its last ``tape_capacity`` with the native ring.
    """

    tick_size: float
    tape_capacity: int = 16384
    bids: dict[int, int] = field(default_factory=dict)
    asks: dict[int, int] = field(default_factory=dict)
    tape: list[TapeRecord] = field(default_factory=list)
    session_low_ticks: int | None = None
    session_high_ticks: int | None = None
    last_trade_ticks: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    by_type: list[int] = field(default_factory=lambda: [0] * 12)

    def __post_init__(self) -> None:
        for name in (
            "updates",
            "invalid",
            "out_of_range_types",
            "off_grid",
            "crossed_events",
            "crossed_levels_removed",
            "crossed_volume_removed",
            "stale_levels_cleared",
            "stale_volume_cleared",
            "levels_lost",
            "volume_lost",
        ):
            self.counts[name] = 0

    # -- ticks -------------------------------------------------------------------------

    def to_ticks(self, price: float) -> tuple[int, bool] | None:
        """``(ticks, off_grid)`` for a price, or None if it is not a usable price."""
        if not math.isfinite(price):
            return None
        x = price / self.tick_size
        if not abs(x) <= MAX_TICKS:
            return None
        ticks = math.floor(x + 0.5)
        return ticks, abs(x - ticks) > 1e-6 + 1e-12 * abs(x)

    # -- reads -------------------------------------------------------------------------

    def best_bid_ticks(self) -> int | None:
        """Highest bid tick, None if no bid."""
        return max(self.bids) if self.bids else None

    def best_ask_ticks(self) -> int | None:
        """Lowest ask tick, None if no ask."""
        return min(self.asks) if self.asks else None

    def top(self, n: int) -> tuple[list[int], list[int], list[int], list[int]]:
        """Best ``n`` levels: (bid ticks, bid sizes, ask ticks, ask sizes), best first."""
        bid_keys = sorted(self.bids, reverse=True)[:n]
        ask_keys = sorted(self.asks)[:n]
        return (
            bid_keys,
            [self.bids[k] for k in bid_keys],
            ask_keys,
            [self.asks[k] for k in ask_keys],
        )

    def stats(self) -> dict[str, object]:
        """The counters the native book reports, but for its ``WINDOW_KEYS`` (losing nothing)."""
        ignored = self.by_type[0] + self.counts["out_of_range_types"]
        out: dict[str, object] = dict(self.counts)
        out["ignored"] = ignored
        out["applied"] = self.counts["updates"] - ignored - self.counts["invalid"]
        out["by_type"] = dict(zip(TYPE_NAMES, self.by_type, strict=True))
        return out

    # -- updates -----------------------------------------------------------------------

    def apply(
        self, dom_type: int, price: float, volume: int, current_volume: int, ts_ns: int
    ) -> int:
        """Apply one depth entry; returns APPLIED, IGNORED or INVALID."""
        self.counts["updates"] += 1
        if dom_type == 0:
            self.by_type[0] += 1
            return IGNORED
        if not 1 <= dom_type <= 11:
            self.counts["out_of_range_types"] += 1
            return IGNORED
        if dom_type == 6:
            self.bids.clear()
            self.asks.clear()
            self.by_type[6] += 1
            return APPLIED
        snapped = self.to_ticks(price)
        if snapped is None or (volume < 0 and dom_type not in (7, 8)):
            self.counts["invalid"] += 1
            return INVALID
        ticks, off_grid = snapped
        if dom_type in (1, 3, 10):
            if dom_type != 1:
                self._remove(self.asks, lambda k: k < ticks, "stale")
            self._set(self.asks, ticks, volume, is_bid=False)
        elif dom_type in (2, 4, 9):
            if dom_type != 2:
                self._remove(self.bids, lambda k: k > ticks, "stale")
            self._set(self.bids, ticks, volume, is_bid=True)
        elif dom_type in (5, 11):
            self.tape.append(
                TapeRecord(ts_ns, ticks, volume, current_volume, self._aggressor(ticks), dom_type)
            )
            if dom_type == 5:
                self.last_trade_ticks = ticks
        elif dom_type == 7:
            self.session_low_ticks = ticks
        else:
            self.session_high_ticks = ticks
        self.by_type[dom_type] += 1
        if off_grid:
            self.counts["off_grid"] += 1
        return APPLIED

    def _aggressor(self, ticks: int) -> int:
        ask = self.best_ask_ticks()
        bid = self.best_bid_ticks()
        if ask is not None and ticks >= ask:
            return 0
        if bid is not None and ticks <= bid:
            return 1
        return -1

    def _set(self, side: dict[int, int], ticks: int, size: int, *, is_bid: bool) -> None:
        if size == 0:
            side.pop(ticks, None)
            return
        side[ticks] = size
        bid, ask = self.best_bid_ticks(), self.best_ask_ticks()
        if bid is not None and ask is not None and bid >= ask:
            self.counts["crossed_events"] += 1
            if is_bid:
                self._remove(self.asks, lambda k: k <= ticks, "crossed")
            else:
                self._remove(self.bids, lambda k: k >= ticks, "crossed")

    def _remove(self, side: dict[int, int], doomed: object, reason: str) -> None:
        assert callable(doomed)
        for k in [k for k in side if doomed(k)]:
            volume = side.pop(k)
            if reason == "stale":
                self.counts["stale_levels_cleared"] += 1
                self.counts["stale_volume_cleared"] += volume
            else:
                self.counts["crossed_levels_removed"] += 1
                self.counts["crossed_volume_removed"] += volume
