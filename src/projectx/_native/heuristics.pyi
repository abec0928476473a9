"""Types of ``projectx._native.heuristics``: iceberg/spoofing heuristics over per-level history
(see ``ext/heuristics.pyx`` and ``projectx.orderbook.heuristics``)."""

from typing import Any

from typing_extensions import disjoint_base

from projectx._native.book import OrderBook

__all__ = ["HeuristicTracker"]

@disjoint_base
class HeuristicTracker:
    """Per-level history feeding the iceberg and spoofing heuristics: an LRU table of at most
    ``max_levels`` levels keyed by (side, tick) and a ring of ``max_events`` spoofing events."""

    def __init__(
        self,
        max_levels: int = 4096,
        max_events: int = 1024,
        iceberg_tolerance: float = 0.1,
        iceberg_max_refill_ns: int = 50_000_000,
        spoof_min_size: int = 1,
        spoof_size_multiple: float = 5.0,
        spoof_min_distance_ticks: int = 2,
        spoof_max_lifetime_ns: int = 2_000_000_000,
    ) -> None: ...
    @property
    def max_levels(self) -> int: ...
    @property
    def max_events(self) -> int: ...
    @property
    def iceberg_tolerance(self) -> float: ...
    @property
    def iceberg_max_refill_ns(self) -> int: ...
    @property
    def spoof_min_size(self) -> int: ...
    @property
    def spoof_size_multiple(self) -> float: ...
    @property
    def spoof_min_distance_ticks(self) -> int: ...
    @property
    def spoof_max_lifetime_ns(self) -> int: ...
    @property
    def level_updates(self) -> int:
        """Level updates seen (``on_level`` calls, native ones included)."""
    @property
    def trade_updates(self) -> int:
        """Trades seen (``on_trade`` calls, native ones included)."""
    @property
    def depth_entries(self) -> int:
        """GatewayDepth entries seen from a book (``feed_depth``, ``MarketFeed``)."""
    @property
    def invalid_entries(self) -> int:
        """... of them unusable (negative size, a price without a tick)."""
    @property
    def last_ts_ns(self) -> int:
        """Latest event time seen from a book (0: none)."""
    @property
    def tracked_levels(self) -> int:
        """Levels currently remembered (<= ``max_levels``)."""
    @property
    def spoofing_events(self) -> int:
        """Spoofing events currently held (<= ``max_events``)."""
    def on_level(
        self, side: int, tick: int, size: int, ts_ns: int, best_tick: int | None, avg_size: float
    ) -> None:
        """A level of ``side`` at ``tick`` now rests ``size``."""
    def on_trade(self, side: int, tick: int, volume: int, ts_ns: int, resting: int) -> None:
        """``volume`` traded against the resting ``side`` at ``tick``."""
    def resting_side(self, tick: int) -> int | None:
        """Which side a tracked level at ``tick`` rests on (bids first), if any."""
    def on_reset(self) -> None:
        """The book was cleared."""
    def clear(self) -> None:
        """Forget all history and events (the counters are kept)."""
    def feed_depth(
        self, book: OrderBook, dom_type: int, price: float, volume: int, ts_ns: int
    ) -> None:
        """One GatewayDepth entry, after ``book`` applied it."""
    def feed_trade(
        self, book: OrderBook, price: float, volume: int, aggressor: int, ts_ns: int
    ) -> None:
        """One trade, read against ``book`` as it is now."""
    def icebergs(
        self, min_refills: int, since_ns: int | None = None, side: int | None = None
    ) -> list[Any]:
        """Suspected icebergs (dicts with ``IcebergLevel``'s keys), most refills first."""
    def spoofs(
        self, min_occurrences: int, since_ns: int | None = None, side: int | None = None
    ) -> list[Any]:
        """Spoofing events aggregated per level (``SpoofingLevel``'s keys)."""
