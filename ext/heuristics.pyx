# cython: language_level=3
"""Native iceberg and spoofing heuristics over per-level history (bounded memory, O(1) per
update). The rules are those of ``projectx.orderbook.heuristics`` (its module docstring is the
specification; ``projectx.orderbook.heuristics.HeuristicTracker`` is this class with a
``HeuristicConfig``).

State: a table of ``max_levels`` level records keyed by (side, tick), found through a hash and
kept in a list from least to most recently touched; when the table is full, the least recently
touched record is forgotten to make room for a new one. Spoofing events go to a ring of
``max_events``. An update touches one record: O(1), no Python object.

Two ways in:

- in ticks, as the rules are written: ``on_level``, ``on_trade``, ``on_reset``;
- from a native ``OrderBook`` after it applied a GatewayDepth entry or taped a GatewayTrade:
  ``feed_depth`` / ``feed_trade`` (``MarketFeed`` calls their C versions per record). They map
  the DomType to a side (1 Ask, 3 BestAsk, 10 NewBestAsk: ask; 2 Bid, 4 BestBid, 9 NewBestBid:
  bid; 6 Reset: ``on_reset``; any other type: nothing), count an entry with a negative size or
  a price that has no tick as invalid, take the tick, the side's best tick after the update and
  the average size of the side's *other* levels from the book, and for a trade take the resting
  side from the aggressor (a buy lifts the asks, a sell hits the bids; unknown: the side a
  tracked level rests on at that tick, else the side the book shows there, else nothing) and
  the size resting there now.
"""

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.math cimport isfinite
from libc.stdint cimport int32_t, int64_t, uint64_t

from projectx._native.book cimport OrderBook

__all__ = ["HeuristicTracker"]

cdef Py_ssize_t _MAX_LEVELS = 1 << 24
cdef Py_ssize_t _MAX_EVENTS = 1 << 24


cdef inline uint64_t _hash(int side, int64_t tick) noexcept nogil:
    cdef uint64_t h = (<uint64_t>tick * 2 + <uint64_t>side) * <uint64_t>0x9E3779B97F4A7C15
    return h ^ (h >> 29)


@cython.auto_pickle(False)
cdef class HeuristicTracker:
    """Per-level history feeding the iceberg and spoofing heuristics (thresholds: see
    ``projectx.orderbook.heuristics.HeuristicConfig``, whose fields are the arguments)."""

    def __cinit__(self, *args, **kwargs):
        self._slots = NULL
        self._buckets = NULL
        self._events = NULL
        self.max_levels = 0
        self.max_events = 0
        # empty lists until __init__ allocates (a zero-filled object would point at slot 0)
        self._oldest = -1
        self._newest = -1
        self._free = -1
        self._n_levels = 0
        self._n_events = 0
        self._ev_head = 0

    def __init__(self, Py_ssize_t max_levels=4096, Py_ssize_t max_events=1024,
                 double iceberg_tolerance=0.1, int64_t iceberg_max_refill_ns=50_000_000,
                 int64_t spoof_min_size=1, double spoof_size_multiple=5.0,
                 int64_t spoof_min_distance_ticks=2,
                 int64_t spoof_max_lifetime_ns=2_000_000_000):
        cdef Py_ssize_t nb = 1
        if not (1 <= max_levels <= _MAX_LEVELS and 1 <= max_events <= _MAX_EVENTS):
            raise ValueError(f"max_levels and max_events must be in [1, {_MAX_LEVELS}]")
        if not (0.0 <= iceberg_tolerance < 1.0):
            raise ValueError(f"iceberg_tolerance must be in [0, 1): {iceberg_tolerance}")
        if spoof_min_size < 1 or not (spoof_size_multiple >= 0.0):
            raise ValueError("spoof_min_size must be >= 1 and spoof_size_multiple >= 0")
        if iceberg_max_refill_ns <= 0:
            raise ValueError(f"iceberg_max_refill_ns must be > 0: {iceberg_max_refill_ns}")
        if spoof_min_distance_ticks < 0 or spoof_max_lifetime_ns <= 0:
            raise ValueError(
                "spoof_min_distance_ticks must be >= 0 and spoof_max_lifetime_ns > 0")
        while nb < 2 * max_levels:
            nb *= 2
        slots = <Level*>PyMem_Malloc(max_levels * sizeof(Level))
        buckets = <int32_t*>PyMem_Malloc(nb * sizeof(int32_t))
        events = <SpoofEvent*>PyMem_Malloc(max_events * sizeof(SpoofEvent))
        if slots == NULL or buckets == NULL or events == NULL:
            PyMem_Free(slots)
            PyMem_Free(buckets)
            PyMem_Free(events)
            raise MemoryError()
        PyMem_Free(self._slots)
        PyMem_Free(self._buckets)
        PyMem_Free(self._events)
        self._slots = slots
        self._buckets = buckets
        self._events = events
        self._mask = <uint64_t>(nb - 1)
        self.max_levels = max_levels
        self.max_events = max_events
        self.iceberg_tolerance = iceberg_tolerance
        self.iceberg_max_refill_ns = iceberg_max_refill_ns
        self.spoof_min_size = spoof_min_size
        self.spoof_size_multiple = spoof_size_multiple
        self.spoof_min_distance_ticks = spoof_min_distance_ticks
        self.spoof_max_lifetime_ns = spoof_max_lifetime_ns
        self.level_updates = 0
        self.trade_updates = 0
        self.depth_entries = 0
        self.invalid_entries = 0
        self.last_ts_ns = 0
        self._clear()

    def __dealloc__(self):
        PyMem_Free(self._slots)
        PyMem_Free(self._buckets)
        PyMem_Free(self._events)

    # ------------------------------------------------------------------ C level: the table

    cdef int32_t _find(self, int side, int64_t tick) noexcept nogil:
        """The slot of (side, tick), or -1."""
        cdef int32_t s = self._buckets[_hash(side, tick) & self._mask]
        while s >= 0:
            if self._slots[s].tick == tick and self._slots[s].side == side:
                return s
            s = self._slots[s].chain
        return -1

    cdef void _unlink(self, int32_t slot) noexcept nogil:
        """Take a slot out of the LRU list (it stays in the hash)."""
        cdef Level* st = &self._slots[slot]
        if st.older >= 0:
            self._slots[st.older].newer = st.newer
        else:
            self._oldest = st.newer
        if st.newer >= 0:
            self._slots[st.newer].older = st.older
        else:
            self._newest = st.older
        st.older = -1
        st.newer = -1

    cdef void _append(self, int32_t slot) noexcept nogil:
        """Put an unlinked slot at the newest end of the LRU list."""
        cdef Level* st = &self._slots[slot]
        st.older = self._newest
        st.newer = -1
        if self._newest >= 0:
            self._slots[self._newest].newer = slot
        else:
            self._oldest = slot
        self._newest = slot

    cdef void _forget(self, int32_t slot) noexcept nogil:
        """Remove an unlinked slot from the hash and free it."""
        cdef Level* st = &self._slots[slot]
        cdef uint64_t b = _hash(st.side, st.tick) & self._mask
        cdef int32_t s = self._buckets[b]
        if s == slot:
            self._buckets[b] = st.chain
        else:
            while self._slots[s].chain != slot:
                s = self._slots[s].chain
            self._slots[s].chain = st.chain
        st.newer = self._free
        self._free = slot
        self._n_levels -= 1

    cdef int32_t _take(self, int side, int64_t tick, int64_t ts_ns) noexcept nogil:
        """The level's slot, out of the LRU list (the caller appends it as newest or forgets
        it); a new record, after forgetting the oldest if the table is full, if unknown."""
        cdef int32_t s = self._find(side, tick)
        cdef Level* st
        cdef uint64_t b
        if s >= 0:
            self._unlink(s)
            return s
        if self._n_levels >= self.max_levels:
            s = self._oldest
            self._unlink(s)
            self._forget(s)
        s = self._free
        st = &self._slots[s]
        self._free = st.newer
        st.tick = tick
        st.side = side
        st.size = 0
        st.display = 0
        st.traded = 0
        st.refills = 0
        st.executed = 0
        st.first_ns = ts_ns
        st.last_ns = ts_ns
        st.depleted_ns = -1
        st.spoof_ns = -1
        st.spoof_size = 0
        st.spoof_base = 0
        st.spoof_dist = 0
        st.older = -1
        st.newer = -1
        b = _hash(side, tick) & self._mask
        st.chain = self._buckets[b]
        self._buckets[b] = s
        self._n_levels += 1
        return s

    cdef void _clear(self) noexcept nogil:
        cdef Py_ssize_t i
        for i in range(<Py_ssize_t>self._mask + 1):
            self._buckets[i] = -1
        for i in range(self.max_levels):
            self._slots[i].newer = <int32_t>(i + 1) if i + 1 < self.max_levels else -1
        self._free = 0 if self.max_levels > 0 else -1
        self._oldest = -1
        self._newest = -1
        self._n_levels = 0
        self._ev_head = 0
        self._n_events = 0

    # ------------------------------------------------------------------ C level: the rules

    cdef void _on_level(self, int side, int64_t tick, int64_t size, int64_t ts_ns,
                        bint have_best, int64_t best_tick, double avg_size) noexcept nogil:
        cdef int32_t s
        cdef Level* st
        cdef int64_t prev, added, dist
        cdef double threshold
        cdef SpoofEvent* ev
        if self.max_levels == 0:
            return
        self.level_updates += 1
        if size == 0 and self._find(side, tick) < 0:
            return
        s = self._take(side, tick, ts_ns)
        st = &self._slots[s]
        prev = st.size
        if size > prev:
            added = size - prev
            dist = 0
            if have_best:
                dist = best_tick - tick if side == 0 else tick - best_tick
            threshold = self.spoof_size_multiple * avg_size  # max(min_size, that), as Python
            if not (threshold > <double>self.spoof_min_size):
                threshold = <double>self.spoof_min_size
            if dist >= self.spoof_min_distance_ticks and <double>added >= threshold:
                st.spoof_ns = ts_ns
                st.spoof_size = added
                st.spoof_base = prev
                st.spoof_dist = dist
            if st.depleted_ns >= 0:
                if (ts_ns - st.depleted_ns <= self.iceberg_max_refill_ns
                        and <double>(size - st.display if size >= st.display
                                     else st.display - size)
                        <= self.iceberg_tolerance * <double>st.display):
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
                if ts_ns - st.spoof_ns <= self.spoof_max_lifetime_ns:
                    ev = &self._events[self._ev_head]
                    ev.side = side
                    ev.tick = tick
                    ev.size = st.spoof_size
                    ev.dist = st.spoof_dist
                    ev.armed_ns = st.spoof_ns
                    ev.gone_ns = ts_ns
                    self._ev_head += 1
                    if self._ev_head == self.max_events:
                        self._ev_head = 0
                    if self._n_events < self.max_events:
                        self._n_events += 1
                st.spoof_ns = -1
            if (st.traded > 0 and st.depleted_ns < 0
                    and <double>size <= self.iceberg_tolerance * <double>st.display):
                st.depleted_ns = ts_ns
        st.size = size
        st.last_ns = ts_ns
        if size == 0 and st.refills == 0 and st.traded == 0 and st.spoof_ns < 0:
            self._forget(s)  # a plain cancel: forget the level
            return
        self._append(s)

    cdef void _on_trade(self, int side, int64_t tick, int64_t volume, int64_t ts_ns,
                        int64_t resting) noexcept nogil:
        cdef int32_t s
        cdef Level* st
        if self.max_levels == 0:
            return
        self.trade_updates += 1
        s = self._take(side, tick, ts_ns)
        st = &self._slots[s]
        if st.size == 0 and st.display == 0:
            st.size = resting
            st.display = resting + volume
        st.traded += volume
        st.spoof_ns = -1
        if st.depleted_ns < 0 and <double>st.size <= self.iceberg_tolerance * <double>st.display:
            st.depleted_ns = ts_ns
        st.last_ns = ts_ns
        self._append(s)

    cdef int _resting_side(self, int64_t tick) noexcept nogil:
        """0 or 1: the side a tracked level at ``tick`` rests on (bids first); -1: none."""
        cdef int side
        cdef int32_t s
        if self.max_levels == 0:
            return -1
        for side in range(2):
            s = self._find(side, tick)
            if s >= 0 and self._slots[s].size > 0:
                return side
        return -1

    cdef void _on_reset(self) noexcept nogil:
        cdef int32_t s = self._oldest
        cdef Level* st
        if self.max_levels == 0:
            return
        while s >= 0:
            st = &self._slots[s]
            st.size = 0
            st.traded = 0
            st.spoof_ns = -1
            st.depleted_ns = -1
            s = st.newer

    # ------------------------------------------------------------------ C level: from a book

    cdef void _book_depth(self, OrderBook book, int dom_type, double price, int64_t volume,
                          int64_t ts_ns) noexcept:
        cdef int side
        cdef bint bid, have_best
        cdef int64_t tick = 0, best = 0, total
        cdef Py_ssize_t count
        if ts_ns > self.last_ts_ns:
            self.last_ts_ns = ts_ns
        self.depth_entries += 1
        if dom_type == 6:
            self._on_reset()
            return
        if dom_type == 1 or dom_type == 3 or dom_type == 10:
            side = 1
        elif dom_type == 2 or dom_type == 4 or dom_type == 9:
            side = 0
        else:
            return
        if volume < 0 or not isfinite(price) or book._to_ticks(price, &tick) == 0:
            self.invalid_entries += 1
            return
        bid = side == 0
        count = book._side_levels(bid)
        total = book._side_total(bid)
        have_best = book._top(bid, &best)
        if volume > 0:  # average size of the *other* levels of the side
            count -= 1
            total -= volume
        self._on_level(side, tick, volume, ts_ns, have_best, best,
                       <double>total / <double>count if count > 0 else 0.0)

    cdef void _book_trade(self, OrderBook book, double price, int64_t volume, int aggressor,
                          int64_t ts_ns) noexcept:
        cdef int side
        cdef int64_t tick = 0
        if ts_ns > self.last_ts_ns:
            self.last_ts_ns = ts_ns
        if book._to_ticks(price, &tick) == 0:
            return
        if aggressor == 0:
            side = 1  # a buy lifts the asks
        elif aggressor == 1:
            side = 0  # a sell hits the bids
        else:
            side = self._resting_side(tick)
            if side < 0:
                if book._size_of(True, tick):
                    side = 0
                elif book._size_of(False, tick):
                    side = 1
                else:
                    return
        self._on_trade(side, tick, volume, ts_ns, book._size_of(side == 0, tick))

    # ------------------------------------------------------------------ Python API

    cdef int _ready(self) except -1:
        if self.max_levels == 0:
            raise RuntimeError("HeuristicTracker.__init__ was not called")
        return 0

    @property
    def tracked_levels(self):
        """Levels currently remembered (<= ``max_levels``)."""
        return self._n_levels

    @property
    def spoofing_events(self):
        """Spoofing events currently held (<= ``max_events``)."""
        return self._n_events

    def on_level(self, int side, int64_t tick, int64_t size, int64_t ts_ns, best_tick,
                 double avg_size):
        """A level of ``side`` (0 bid, 1 ask) at ``tick`` now rests ``size``; ``best_tick`` is
        the best level of that side after the update (None: side empty), ``avg_size`` the
        average size of the side's other levels."""
        self._ready()
        if side != 0 and side != 1:
            raise ValueError(f"side must be 0 (bid) or 1 (ask), got {side}")
        if best_tick is None:
            self._on_level(side, tick, size, ts_ns, False, 0, avg_size)
        else:
            self._on_level(side, tick, size, ts_ns, True, best_tick, avg_size)

    def on_trade(self, int side, int64_t tick, int64_t volume, int64_t ts_ns, int64_t resting):
        """``volume`` traded against the resting ``side`` at ``tick``; ``resting`` is the size
        the book shows there now (used as a first estimate when the level is new)."""
        self._ready()
        if side != 0 and side != 1:
            raise ValueError(f"side must be 0 (bid) or 1 (ask), got {side}")
        self._on_trade(side, tick, volume, ts_ns, resting)

    def resting_side(self, int64_t tick):
        """Which side a tracked level at ``tick`` rests on (bids first), if any."""
        cdef int side = self._resting_side(tick)
        return None if side < 0 else side

    def on_reset(self):
        """The book was cleared: sizes to 0, pending trades and armed levels dropped."""
        self._ready()
        self._on_reset()

    def clear(self):
        """Forget all history and events (the counters are kept)."""
        if self.max_levels:
            self._clear()

    def feed_depth(self, OrderBook book not None, int dom_type, double price, int64_t volume,
                   int64_t ts_ns):
        """One GatewayDepth entry, after ``book`` applied it (what ``MarketFeed`` does natively
        for an attached tracker): counted in ``depth_entries`` (and ``invalid_entries``)."""
        self._ready()
        book._check_idle()
        self._book_depth(book, dom_type, price, volume, ts_ns)

    def feed_trade(self, OrderBook book not None, double price, int64_t volume, int aggressor,
                   int64_t ts_ns):
        """One trade (``aggressor`` 0 buy, 1 sell, else unknown) at ``price``, read against
        ``book`` as it is now (what ``MarketFeed`` does natively after taping a trade)."""
        self._ready()
        book._check_idle()
        self._book_trade(book, price, volume, aggressor, ts_ns)

    def icebergs(self, int64_t min_refills, since_ns=None, side=None):
        """Levels refilled at least ``min_refills`` times (last seen at/after ``since_ns``),
        most refills first, then most executed volume (dicts of ``IcebergLevel``'s keys)."""
        cdef int32_t s = self._oldest
        cdef Level* st
        cdef int64_t since = 0
        cdef bint any_time = since_ns is None
        cdef int want = -1 if side is None else side
        self._ready()
        if not any_time:
            since = since_ns
        out = []
        while s >= 0:
            st = &self._slots[s]
            s = st.newer
            if st.refills < min_refills or (want >= 0 and st.side != want):
                continue
            if not any_time and st.last_ns < since:
                continue
            out.append({
                "side": st.side,
                "tick": st.tick,
                "refills": st.refills,
                "display_size": st.display,
                "executed_volume": st.executed + st.traded,
                "current_size": st.size,
                "first_seen_ns": st.first_ns,
                "last_seen_ns": st.last_ns,
            })
        out.sort(key=lambda r: (-r["refills"], -r["executed_volume"], r["tick"]))
        return out

    def spoofs(self, int64_t min_occurrences, since_ns=None, side=None):
        """Spoofing events (withdrawn at/after ``since_ns``) aggregated per level, most
        occurrences first, then most recent (dicts of ``SpoofingLevel``'s keys)."""
        cdef Py_ssize_t k, i
        cdef SpoofEvent* ev
        cdef int64_t since = 0
        cdef bint any_time = since_ns is None
        cdef int want = -1 if side is None else side
        cdef list a
        if not any_time:
            since = since_ns
        agg = {}
        for k in range(self._n_events):
            i = self._ev_head - self._n_events + k
            if i < 0:
                i += self.max_events
            ev = &self._events[i]
            if (want >= 0 and ev.side != want) or (not any_time and ev.gone_ns < since):
                continue
            key = (ev.side, ev.tick)
            a = agg.get(key)
            if a is None:
                agg[key] = [1, ev.size, ev.size, ev.gone_ns - ev.armed_ns, ev.dist, ev.gone_ns]
            else:
                a[0] += 1
                a[1] += ev.size
                a[2] = max(a[2], ev.size)
                a[3] += ev.gone_ns - ev.armed_ns
                a[4] = min(a[4], ev.dist)
                a[5] = max(a[5], ev.gone_ns)
        out = [
            {
                "side": where[0],
                "tick": where[1],
                "occurrences": v[0],
                "total_size": v[1],
                "max_size": v[2],
                "average_lifetime_ns": v[3] / v[0],
                "min_distance_ticks": v[4],
                "last_seen_ns": v[5],
            }
            for where, v in agg.items()
            if v[0] >= min_occurrences
        ]
        out.sort(key=lambda r: (-r["occurrences"], -r["last_seen_ns"], r["tick"]))
        return out

    def __repr__(self):
        return (f"HeuristicTracker(levels={self._n_levels}/{self.max_levels}, "
                f"events={self._n_events}/{self.max_events})")
