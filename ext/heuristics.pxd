# cython: language_level=3
"""Native iceberg/spoofing heuristics over per-level history (``projectx._native.heuristics``).

The interface other native modules ``cimport`` (``MarketFeed`` drives a tracker per contract).
Semantics are in ``heuristics.pyx`` (module docstring) and ``projectx.orderbook.heuristics``;
this header is the contract:

- ``_on_level`` / ``_on_trade``: one level update / one trade in ticks, O(1), no Python object.
- ``_book_depth`` / ``_book_trade``: one GatewayDepth entry / one GatewayTrade, after the native
  ``OrderBook`` applied (and taped) it; they read the book (side of the DomType, tick, best
  tick, average size of the side's other levels, resting size) and call the two above.
"""

from libc.stdint cimport int32_t, int64_t, uint64_t

from projectx._native.book cimport OrderBook

# One remembered price level (side, tick); a slot of the tracker's level table.
cdef struct Level:
    int64_t tick
    int64_t size
    int64_t display         # size shown when the level appeared or was last re-displayed
    int64_t traded          # traded at the level since then
    int64_t refills
    int64_t executed        # traded volume of completed refills
    int64_t first_ns
    int64_t last_ns
    int64_t depleted_ns     # when trades emptied the display; -1: not depleted
    int64_t spoof_ns        # when the level was armed; -1: not armed
    int64_t spoof_size
    int64_t spoof_base
    int64_t spoof_dist
    int32_t side            # 0 bid, 1 ask
    int32_t older           # LRU list: previous (older) slot, -1 at the oldest
    int32_t newer           # ... next (newer) slot, -1 at the newest; free list link
    int32_t chain           # next slot in the same hash bucket, -1 at the end

# One spoofing event (a slot of the events ring).
cdef struct SpoofEvent:
    int64_t side
    int64_t tick
    int64_t size            # the size added when the level was armed
    int64_t dist            # its distance from the best level of its side, in ticks
    int64_t armed_ns
    int64_t gone_ns


cdef class HeuristicTracker:
    # configuration
    cdef readonly Py_ssize_t max_levels
    cdef readonly Py_ssize_t max_events
    cdef readonly double iceberg_tolerance
    cdef readonly int64_t iceberg_max_refill_ns
    cdef readonly int64_t spoof_min_size
    cdef readonly double spoof_size_multiple
    cdef readonly int64_t spoof_min_distance_ticks
    cdef readonly int64_t spoof_max_lifetime_ns

    # level table: max_levels slots, a hash over (side, tick), an LRU list oldest -> newest
    cdef Level* _slots
    cdef int32_t* _buckets            # head slot per bucket, -1: empty
    cdef uint64_t _mask                 # buckets - 1 (a power of two)
    cdef int32_t _oldest
    cdef int32_t _newest
    cdef int32_t _free                # head of the free slot list (linked through ``newer``)
    cdef Py_ssize_t _n_levels

    # events ring
    cdef SpoofEvent* _events
    cdef Py_ssize_t _ev_head          # next slot to write
    cdef Py_ssize_t _n_events         # held (<= max_events)

    # counters
    cdef readonly int64_t level_updates
    cdef readonly int64_t trade_updates
    cdef readonly int64_t depth_entries     # GatewayDepth entries seen by _book_depth
    cdef readonly int64_t invalid_entries   # ... of them unusable (bad price, negative size)
    cdef readonly int64_t last_ts_ns        # latest time seen by _book_depth/_book_trade

    cdef int32_t _find(self, int side, int64_t tick) noexcept nogil
    cdef int32_t _take(self, int side, int64_t tick, int64_t ts_ns) noexcept nogil
    cdef void _unlink(self, int32_t slot) noexcept nogil
    cdef void _append(self, int32_t slot) noexcept nogil
    cdef void _forget(self, int32_t slot) noexcept nogil
    cdef void _on_level(self, int side, int64_t tick, int64_t size, int64_t ts_ns,
                        bint have_best, int64_t best_tick, double avg_size) noexcept nogil
    cdef void _on_trade(self, int side, int64_t tick, int64_t volume, int64_t ts_ns,
                        int64_t resting) noexcept nogil
    cdef int _resting_side(self, int64_t tick) noexcept nogil
    cdef void _on_reset(self) noexcept nogil
    cdef void _clear(self) noexcept nogil
    cdef void _book_depth(self, OrderBook book, int dom_type, double price, int64_t volume,
                          int64_t ts_ns) noexcept
    cdef void _book_trade(self, OrderBook book, double price, int64_t volume, int aggressor,
                          int64_t ts_ns) noexcept
    cdef int _ready(self) except -1
