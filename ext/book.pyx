# cython: language_level=3
"""Native level-2 order book: an integer-tick ladder window plus a store for the levels outside
it (spec §5.5, §7.7.2).

Prices become integer ticks: ``ticks = floor(price / tick_size + 0.5)`` (nearest tick, half
ticks round up). When ``1 / tick_size`` is an integer ``k`` (0.25, 0.1, 0.03125, 0.00005, ...),
``price * k`` is used instead and prices are rebuilt as ``ticks / k``, so a noisy
``0.30000000000000004`` with tick 0.1 is book level 3 and reads back as exactly ``0.3``. A price
more than 1e-6 tick (plus 1e-12 relative) away from the grid is still snapped, and counted as
``off_grid``. A price whose tick count would exceed 2**52 in magnitude, or that is not finite, is
invalid.

The ladder window holds ``levels`` consecutive ticks starting at ``base_ticks``; the levels
outside it live in a sorted store per side (``outside_capacity`` levels each). Sizes are int64;
zero means "no level". Every read (best levels and sizes, ``top``/``depth``, counts, totals,
``size_at``, the tape's aggressor) sees both, so the book is the same wherever the window is;
only ``bid_sizes``/``ask_sizes``/``ladder_prices`` show the window alone (``outside_levels`` the
rest). Window rules (each counted in ``stats``):

- A non-zero level update on an empty book (no level anywhere) anchors the window on it:
  ``base_ticks = ticks - levels // 2``. Not counted as a re-centre.
- Inside the window an update is O(1). Outside, a non-zero update goes to the store (binary
  search, one memmove of at most ``outside_capacity`` entries); a zero-size one removes the level
  from the store (a no-op if absent).
- After a non-zero update outside the window, if the touch of that side (its best level) is
  outside the window, the window moves to it (``recentres``): centred on the midpoint of the best
  bid and best ask when both then fit, else on that touch. A deep far level never moves the
  window, so the touch is never pushed out to hold a far level. Levels a move pushes out of the
  window go to the store; store levels inside the new window come back to it.
- A move costs O(levels + outside_capacity) and moves are at least ``max(1, levels // 4)`` entries
  apart (entries counted by ``updates``), so a peer alternating far prices costs O(1) amortised
  per entry. A move due sooner is deferred (``recentres_deferred``): the level stays in the store,
  the book stays exact, and a later update outside the window moves it.
- The store keeps, per side, the ``outside_capacity`` levels nearest the touch: when it is full,
  its deepest level (lowest bid, highest ask; possibly the one arriving) is lost
  (``levels_lost``, ``volume_lost``). The touch itself is never lost. A lost level is gone until
  the venue sends it again or a Reset rebuilds the book; any loss makes the book lossy, which the
  suite's health reports. ``levels_outside`` is how many levels the store holds now.

DomType semantics (``projectx.enums.DomType``):

- 0 Unknown, and any value outside 0..11: counted (``by_type[0]`` / ``out_of_range_types``),
  ignored; ``apply`` returns ``BOOK_IGNORED``.
- 1 Ask, 2 Bid: set the level at ``price`` on that side to ``volume`` (0 removes it).
- 3 BestAsk, 10 NewBestAsk / 4 BestBid, 9 NewBestBid: the entry says ``price`` is now the top of
  its side, so every level of that side strictly better than ``price`` is stale: it is cleared
  first (``stale_levels_cleared``, ``stale_volume_cleared``), then the level is set to ``volume``
  as for Ask/Bid (with ``volume`` 0 the side's top falls to the next level below/above).
- 5 Trade: appended to the trade tape (``ts_ns``, snapped price, ``volume``, ``current_volume``,
  aggressor, kind 5). The aggressor is inferred from the book *before* the trade: 0 (buy) if
  price >= best ask, 1 (sell) if price <= best bid, -1 if neither side says. Resting sizes are not
  changed (the venue sends the level updates itself). Sets ``last_trade_price``.
- 6 Reset: clears both sides (the tape, session low/high and counters are kept).
- 7 Low / 8 High: set ``session_low`` / ``session_high`` to the snapped price (the server's value,
  not a running min/max).
- 11 Fill (meaning not documented by the Gateway): appended to the tape like a trade with kind 11;
  it moves neither resting sizes nor ``last_trade_price``.

Invalid entries (``BOOK_INVALID``, counted in ``invalid``, no state change): a non-finite or
out-of-range price on any type but Unknown/Reset, or a negative ``volume`` on a level, Trade or
Fill entry. ``current_volume`` is stored on the tape as given and otherwise unused.

Crossed book: after a non-zero level update, if best bid >= best ask (a locked book counts), the
event is counted (``crossed_events``) and the side just updated wins: the other side's levels at
or through the updated price are removed (``crossed_levels_removed``, ``crossed_volume_removed``).
After every ``apply`` the book is therefore never crossed or locked.

Not thread-safe: use one book from one thread. A large ``apply_batch`` releases the GIL; meanwhile
every other method raises ``RuntimeError`` instead of reading a half-updated book.
"""

from libc.math cimport NAN, fabs, floor, isfinite
from libc.stdint cimport int8_t, int32_t, int64_t
from libc.string cimport memmove, memset

from cpython.buffer cimport (
    PyBUF_FORMAT,
    PyBUF_STRIDES,
    PyBUF_WRITABLE,
    PyBuffer_Release,
    PyObject_GetBuffer,
)

import sys

import numpy as np

__all__ = ["BOOK_APPLIED", "BOOK_IGNORED", "BOOK_INVALID", "TAPE_GATEWAY_TRADE", "OrderBook"]

globals()["BOOK_APPLIED"] = BOOK_APPLIED
globals()["BOOK_IGNORED"] = BOOK_IGNORED
globals()["TAPE_GATEWAY_TRADE"] = TAPE_GATEWAY_TRADE
globals()["BOOK_INVALID"] = BOOK_INVALID

cdef double _MAX_TICKS = 4503599627370496.0     # 2**52: beyond it ticks are not exact
cdef Py_ssize_t _MAX_LEVELS = 1 << 24
cdef Py_ssize_t _MAX_TAPE = 1 << 26
cdef Py_ssize_t _GIL_FREE_BATCH = 2048          # batches at least this long release the GIL
cdef bint _LITTLE_ENDIAN = sys.byteorder == "little"

cdef object _np_empty = np.empty
cdef object _F64 = np.dtype(np.float64)
cdef object _I64 = np.dtype(np.int64)

_TYPE_NAMES = (
    "unknown", "ask", "bid", "best_ask", "best_bid", "trade", "reset", "low", "high",
    "new_best_bid", "new_best_ask", "fill",
)
_TAPE_COLUMNS = ("ts_ns", "price", "volume", "current_volume", "aggressor", "kind")


# ----------------------------------------------------------------------------- buffer helpers

cdef bint _format_ok(const char* fmt, char kind, Py_ssize_t itemsize, Py_ssize_t want) noexcept:
    """Whether a 1-D buffer's struct format is a native signed int ('i') or float64 ('f')."""
    cdef char c
    if fmt == NULL:
        return False
    c = fmt[0]
    if c == b"@" or c == b"=":
        fmt += 1
    elif c == b"<":
        if not _LITTLE_ENDIAN:
            return False
        fmt += 1
    elif c == b">" or c == b"!":
        if _LITTLE_ENDIAN:
            return False
        fmt += 1
    c = fmt[0]
    if c == 0 or fmt[1] != 0:
        return False
    if kind == b"f":
        return c == b"d" and itemsize == 8
    if not (c == b"b" or c == b"h" or c == b"i" or c == b"l" or c == b"q"):
        return False
    if want == 0:                       # dom_type: int32 or int64
        return itemsize == 4 or itemsize == 8
    return itemsize == want


cdef int _acquire(object obj, Py_buffer* view, char kind, Py_ssize_t want, bint writable,
                  str name) except -1:
    """Get a 1-D buffer of the expected element type from ``obj`` or raise ``TypeError``."""
    cdef int flags = PyBUF_FORMAT | PyBUF_STRIDES
    if writable:
        flags |= PyBUF_WRITABLE
    try:
        PyObject_GetBuffer(obj, view, flags)
    except (TypeError, ValueError, BufferError) as exc:
        raise TypeError(f"{name}: expected a 1-D {_describe(kind, want, writable)} array "
                        f"({exc})") from None
    if view.ndim != 1 or not _format_ok(view.format, kind, view.itemsize, want):
        ndim = view.ndim
        fmt = (<bytes>view.format).decode("ascii", "replace") if view.format != NULL else "?"
        PyBuffer_Release(view)
        raise TypeError(f"{name}: expected a 1-D {_describe(kind, want, writable)} array, got "
                        f"ndim={ndim} format={fmt!r}")
    return 0


cdef str _describe(char kind, Py_ssize_t want, bint writable):
    cdef str what
    if kind == b"f":
        what = "float64"
    elif want == 0:
        what = "int32 or int64"
    else:
        what = "int64"
    return ("writable " if writable else "") + what


# ----------------------------------------------------------------------------- outside store

cdef void _bind(Outside* o, object ticks, object sizes) except *:
    """Point an empty store at two int64 arrays the book owns for its whole life."""
    o.ticks = _data_i64(ticks)
    o.sizes = _data_i64(sizes)
    o.n = 0
    o.total = 0


cdef inline Py_ssize_t _lower(const Outside* o, int64_t ticks) noexcept nogil:
    """First index of the store whose tick is >= ``ticks`` (``o.n`` if none)."""
    cdef Py_ssize_t lo = 0, hi = o.n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if o.ticks[mid] < ticks:
            lo = mid + 1
        else:
            hi = mid
    return lo


cdef inline void _erase(Outside* o, Py_ssize_t i, Py_ssize_t k) noexcept nogil:
    """Remove ``k`` entries of the store from index ``i`` (their total is the caller's)."""
    memmove(o.ticks + i, o.ticks + i + k, (o.n - i - k) * sizeof(int64_t))
    memmove(o.sizes + i, o.sizes + i + k, (o.n - i - k) * sizeof(int64_t))
    o.n -= k


cdef inline void _put(char* pbuf, Py_ssize_t pstride, char* sbuf, Py_ssize_t sstride,
                      Py_ssize_t j, double price, int64_t size) noexcept nogil:
    (<double*>(pbuf + j * pstride))[0] = price
    (<int64_t*>(sbuf + j * sstride))[0] = size


# ----------------------------------------------------------------------------- the book

cdef class OrderBook:
    """Level-2 book of one contract: integer-tick ladder, best levels, trade tape, stats.

    Args:
        tick_size: the contract's tick (``tickSize``), > 0.
        levels: ticks held by the ladder window (>= 2), which follows the touch.
        tape_capacity: trades/fills kept by the tape ring (>= 1).
        outside_capacity: levels per side kept outside the window (>= 1); beyond it the
            deepest are lost (counted).
    """

    def __cinit__(self, double tick_size, Py_ssize_t levels=4096,
                  Py_ssize_t tape_capacity=16384, Py_ssize_t outside_capacity=1024):
        cdef double inv, k
        if not (tick_size > 0.0 and tick_size < 1e300):
            raise ValueError(f"tick_size must be a positive finite number, got {tick_size!r}")
        if levels < 2 or levels > _MAX_LEVELS:
            raise ValueError(f"levels must be in [2, {_MAX_LEVELS}], got {levels}")
        if tape_capacity < 1 or tape_capacity > _MAX_TAPE:
            raise ValueError(f"tape_capacity must be in [1, {_MAX_TAPE}], got {tape_capacity}")
        if outside_capacity < 1 or outside_capacity > _MAX_LEVELS:
            raise ValueError(f"outside_capacity must be in [1, {_MAX_LEVELS}], "
                             f"got {outside_capacity}")
        self.tick_size = tick_size
        self.levels = levels
        self.tape_capacity = tape_capacity
        self.outside_capacity = outside_capacity
        self._half = levels // 2
        self._move_gap = levels // 4 if levels >= 4 else 1
        inv = 1.0 / tick_size
        k = floor(inv + 0.5)
        self._exact_inverse = k >= 1.0 and k <= _MAX_TICKS and fabs(inv - k) <= 1e-9 * k
        self._ticks_per_unit = k if self._exact_inverse else 0.0

        bid = np.zeros(levels, dtype=np.int64)
        ask = np.zeros(levels, dtype=np.int64)
        self._bid_owner = bid
        self._ask_owner = ask
        self._bid = _data_i64(bid)
        self._ask = _data_i64(ask)
        self._outside_owners = tuple(np.zeros(outside_capacity, dtype=np.int64)
                                     for _ in range(6))
        _bind(&self._out_bid, self._outside_owners[0], self._outside_owners[1])
        _bind(&self._out_ask, self._outside_owners[2], self._outside_owners[3])
        _bind(&self._spare, self._outside_owners[4], self._outside_owners[5])

        ts = np.zeros(tape_capacity, dtype=np.int64)
        px = np.zeros(tape_capacity, dtype=np.float64)
        vol = np.zeros(tape_capacity, dtype=np.int64)
        cur = np.zeros(tape_capacity, dtype=np.int64)
        agg = np.zeros(tape_capacity, dtype=np.int8)
        kind = np.zeros(tape_capacity, dtype=np.int8)
        self._tape_owners = (ts, px, vol, cur, agg, kind)
        self._tape_ts = _data_i64(ts)
        self._tape_price = <double*><char*>_data_ptr(px)
        self._tape_volume = _data_i64(vol)
        self._tape_current = _data_i64(cur)
        self._tape_aggressor = <int8_t*><char*>_data_ptr(agg)
        self._tape_kind = <int8_t*><char*>_data_ptr(kind)
        self._sp_owners = None
        self._sp_cap = 0
        self._sp_users = 0
        self._sp_pinned = False
        self._reset_all()

    cdef void _reset_all(self) noexcept:
        self._clear_book()
        self._base_ticks = 0
        self._session_low = NAN
        self._session_high = NAN
        self._last_trade_price = NAN
        self._tape_head = 0
        self._tape_total = 0
        self._gateway_trades = 0
        self._clear_spread()
        self._n_updates = 0
        self._n_invalid = 0
        self._n_out_of_range = 0
        self._n_off_grid = 0
        self._n_crossed = 0
        self._n_crossed_levels = 0
        self._n_crossed_volume = 0
        self._n_stale_levels = 0
        self._n_stale_volume = 0
        self._n_recentres = 0
        self._n_recentres_deferred = 0
        self._n_levels_lost = 0
        self._n_volume_lost = 0
        self._last_move_at = -self._move_gap
        memset(self._by_type, 0, sizeof(self._by_type))
        self._busy = False

    # ------------------------------------------------------------------ C level

    cdef int _check_idle(self) except -1:
        if self._busy:
            raise RuntimeError("OrderBook is being updated by apply_batch in another thread")
        return 0

    cdef double _price_of(self, int64_t ticks) noexcept nogil:
        if self._exact_inverse:
            return <double>ticks / self._ticks_per_unit
        return <double>ticks * self.tick_size

    cdef int _to_ticks(self, double price, int64_t* ticks) noexcept nogil:
        """0: invalid price; 1: on the tick grid; 2: snapped from off the grid."""
        cdef double x, r, ax
        if self._exact_inverse:
            x = price * self._ticks_per_unit
        else:
            x = price / self.tick_size
        ax = fabs(x)
        if not (ax <= _MAX_TICKS):          # also false for NaN
            return 0
        r = floor(x + 0.5)
        ticks[0] = <int64_t>r
        if fabs(x - r) > 1e-6 + 1e-12 * ax:
            return 2
        return 1

    cpdef int apply(self, int dom_type, double price, int64_t volume, int64_t current_volume,
                    int64_t ts_ns) except -1:
        """Apply one GatewayDepth entry; returns BOOK_APPLIED, BOOK_IGNORED or BOOK_INVALID."""
        if self._busy:
            self._check_idle()
        return self._apply(dom_type, price, volume, current_volume, ts_ns)

    cpdef int record_trade(self, double price, int64_t volume, int aggressor,
                           int64_t ts_ns) except -1:
        """Record one ``GatewayTrade`` in the tape (kind ``TAPE_GATEWAY_TRADE``) with the venue's
        aggressor (0 buy, 1 sell; anything else becomes -1). Sets ``last_trade_price``; returns
        BOOK_APPLIED, or BOOK_INVALID for a non-finite price or a negative volume."""
        cdef int64_t ticks = 0
        cdef Py_ssize_t slot
        if self._to_ticks(price, &ticks) == 0 or volume < 0:
            self._n_invalid += 1
            return BOOK_INVALID
        slot = self._tape_head
        self._tape_ts[slot] = ts_ns
        self._tape_price[slot] = self._price_of(ticks)
        self._tape_volume[slot] = volume
        self._tape_current[slot] = 0
        self._tape_aggressor[slot] = <int8_t>(aggressor if aggressor == 0 or aggressor == 1 else -1)
        self._tape_kind[slot] = TAPE_GATEWAY_TRADE
        slot += 1
        if slot == self.tape_capacity:
            slot = 0
        self._tape_head = slot
        self._tape_total += 1
        self._gateway_trades += 1
        self._last_trade_price = self._price_of(ticks)
        return BOOK_APPLIED

    cdef int _apply(self, int dom_type, double price, int64_t volume, int64_t current_volume,
                    int64_t ts_ns) noexcept nogil:
        cdef int64_t ticks = 0
        cdef int grid
        self._n_updates += 1
        if dom_type <= 0 or dom_type >= BOOK_DOM_TYPES:
            if dom_type == 0:
                self._by_type[0] += 1
            else:
                self._n_out_of_range += 1
            return BOOK_IGNORED
        if dom_type == 6:
            self._clear_book()
            self._by_type[6] += 1
            if self._sp_cap:
                self._note_spread(ts_ns)
            return BOOK_APPLIED
        grid = self._to_ticks(price, &ticks)
        if grid == 0 or (volume < 0 and dom_type != 7 and dom_type != 8):
            self._n_invalid += 1
            return BOOK_INVALID
        if dom_type == 1:
            self._set_level(False, ticks, volume)
        elif dom_type == 2:
            self._set_level(True, ticks, volume)
        elif dom_type == 3 or dom_type == 10:
            self._clear_better(False, ticks, &self._n_stale_levels, &self._n_stale_volume)
            self._set_level(False, ticks, volume)
        elif dom_type == 4 or dom_type == 9:
            self._clear_better(True, ticks, &self._n_stale_levels, &self._n_stale_volume)
            self._set_level(True, ticks, volume)
        elif dom_type == 5:
            self._tape_append(5, ticks, volume, current_volume, ts_ns)
            self._last_trade_price = self._price_of(ticks)
        elif dom_type == 11:
            self._tape_append(11, ticks, volume, current_volume, ts_ns)
        elif dom_type == 7:
            self._session_low = self._price_of(ticks)
        else:  # 8
            self._session_high = self._price_of(ticks)
        self._by_type[dom_type] += 1
        if grid == 2:
            self._n_off_grid += 1
        if self._sp_cap:
            self._note_spread(ts_ns)
        return BOOK_APPLIED

    # ------------------------------------------------------------------ spread history

    cdef void _clear_spread(self) noexcept nogil:
        """Forget the spread samples (the history stays on or off as it is)."""
        self._sp_head = 0
        self._sp_total = 0
        self._sp_seen = 0
        self._sp_pend_ts = -1
        self._sp_pend = NAN
        self._sp_last = NAN

    cdef void _note_spread(self, int64_t ts_ns) noexcept nogil:
        """After an applied entry: offer the touch's spread now (NaN while a side is empty)."""
        cdef int64_t b = 0, a = 0
        cdef double spread = NAN
        if self._top(True, &b) and self._top(False, &a):
            spread = self._price_of(a) - self._price_of(b)
        self._offer_spread(ts_ns, spread)

    cdef void _offer_spread(self, int64_t ts_ns, double spread) noexcept nogil:
        """The spread at ``ts_ns``: a later time commits the pending one (kept when finite and
        different from the last kept), the same or an earlier time (entries need not arrive in
        time order) replaces it, so the samples' times never go backwards."""
        cdef Py_ssize_t slot
        self._sp_seen += 1
        if not isfinite(spread):
            spread = NAN
        if ts_ns > self._sp_pend_ts:
            if self._sp_pend == self._sp_pend and self._sp_pend != self._sp_last:
                slot = self._sp_head
                self._sp_ts[slot] = self._sp_pend_ts
                self._sp_val[slot] = self._sp_pend
                slot += 1
                self._sp_head = 0 if slot == self._sp_cap else slot
                self._sp_total += 1
                self._sp_last = self._sp_pend
            self._sp_pend_ts = ts_ns
        self._sp_pend = spread

    cdef void _set_level(self, bint bid, int64_t ticks, int64_t size) noexcept nogil:
        cdef int64_t idx = ticks - self._base_ticks
        if not (0 <= idx < self.levels):
            self._set_far(bid, ticks, size)
            return
        if bid:
            self._set_bid(<Py_ssize_t>idx, size)
            if size != 0 and self._out_ask.n == 0:          # the common case, inline
                if self._ask_count > 0 and idx >= self._best_ask_idx:
                    self._cross(True, ticks)
                return
        else:
            self._set_ask(<Py_ssize_t>idx, size)
            if size != 0 and self._out_bid.n == 0:
                if self._bid_count > 0 and idx <= self._best_bid_idx:
                    self._cross(False, ticks)
                return
        if size != 0:
            self._uncross(bid, ticks)

    cdef void _set_far(self, bint bid, int64_t ticks, int64_t size) noexcept nogil:
        """A level update outside the window: anchor an empty book on it, or keep it in the
        store and let the window follow the touch."""
        if size != 0 and self._is_empty():
            self._base_ticks = ticks - self._half
            self._set_level(bid, ticks, size)
            return
        self._set_outside(bid, ticks, size)
        if size != 0:
            self._uncross(bid, ticks)
            self._follow_touch(bid)

    cdef bint _is_empty(self) noexcept nogil:
        return (self._bid_count == 0 and self._ask_count == 0 and self._out_bid.n == 0
                and self._out_ask.n == 0)

    cdef bint _top(self, bint bid, int64_t* ticks) noexcept nogil:
        """Best tick of a side, window or store, into ``ticks``; False when the side is empty."""
        cdef Outside* o
        cdef bint have
        cdef int64_t t
        if bid:
            o = &self._out_bid
            have = self._bid_count > 0
            if have:
                ticks[0] = self._base_ticks + self._best_bid_idx
            if o.n > 0:
                t = o.ticks[o.n - 1]
                if not have or t > ticks[0]:
                    ticks[0] = t
                    have = True
        else:
            o = &self._out_ask
            have = self._ask_count > 0
            if have:
                ticks[0] = self._base_ticks + self._best_ask_idx
            if o.n > 0:
                t = o.ticks[0]
                if not have or t < ticks[0]:
                    ticks[0] = t
                    have = True
        return have

    cdef int64_t _size_of(self, bint bid, int64_t ticks) noexcept nogil:
        """Resting size of one side at ``ticks`` (0: no level)."""
        cdef int64_t idx = ticks - self._base_ticks
        cdef Outside* o = &self._out_bid if bid else &self._out_ask
        cdef Py_ssize_t i
        if 0 <= idx < self.levels:
            return self._bid[idx] if bid else self._ask[idx]
        i = _lower(o, ticks)
        if i < o.n and o.ticks[i] == ticks:
            return o.sizes[i]
        return 0

    cdef Py_ssize_t _side_levels(self, bint bid) noexcept nogil:
        """Non-empty levels of one side (window and store), as ``bid_levels``/``ask_levels``."""
        if bid:
            return self._bid_count + self._out_bid.n
        return self._ask_count + self._out_ask.n

    cdef int64_t _side_total(self, bint bid) noexcept nogil:
        """Summed size of one side, as ``total_bid_size``/``total_ask_size``."""
        if bid:
            return self._bid_total + self._out_bid.total
        return self._ask_total + self._out_ask.total

    cdef void _uncross(self, bint bid, int64_t ticks) noexcept nogil:
        """After a level was set at ``ticks``: the other side's levels at or through it go."""
        cdef int64_t other = 0
        if bid:
            if self._top(False, &other) and other <= ticks:
                self._cross(True, ticks)
        elif self._top(True, &other) and other >= ticks:
            self._cross(False, ticks)

    cdef void _cross(self, bint bid, int64_t ticks) noexcept nogil:
        """Count a crossed book and remove the other side's levels at or through ``ticks``."""
        self._n_crossed += 1
        if bid:
            self._clear_better(False, ticks + 1, &self._n_crossed_levels, &self._n_crossed_volume)
        else:
            self._clear_better(True, ticks - 1, &self._n_crossed_levels, &self._n_crossed_volume)

    cdef void _lose(self, int64_t size) noexcept nogil:
        self._n_levels_lost += 1
        self._n_volume_lost += size

    cdef void _set_outside(self, bint bid, int64_t ticks, int64_t size) noexcept nogil:
        """Set a level outside the window in the store; when the store is full, its deepest
        level (lowest bid / highest ask, maybe this one) is lost."""
        cdef Outside* o = &self._out_bid if bid else &self._out_ask
        cdef Py_ssize_t i = _lower(o, ticks)
        if i < o.n and o.ticks[i] == ticks:
            if size == 0:
                o.total -= o.sizes[i]
                _erase(o, i, 1)
            else:
                o.total += size - o.sizes[i]
                o.sizes[i] = size
            return
        if size == 0:
            return
        if o.n == self.outside_capacity:
            if bid:
                if i == 0:                       # below every stored bid: the deepest
                    self._lose(size)
                    return
                self._lose(o.sizes[0])
                o.total -= o.sizes[0]
                _erase(o, 0, 1)
                i -= 1
            else:
                if i == o.n:                     # above every stored ask: the deepest
                    self._lose(size)
                    return
                self._lose(o.sizes[o.n - 1])
                o.total -= o.sizes[o.n - 1]
                o.n -= 1
        memmove(o.ticks + i + 1, o.ticks + i, (o.n - i) * sizeof(int64_t))
        memmove(o.sizes + i + 1, o.sizes + i, (o.n - i) * sizeof(int64_t))
        o.ticks[i] = ticks
        o.sizes[i] = size
        o.n += 1
        o.total += size

    cdef void _set_bid(self, Py_ssize_t idx, int64_t size) noexcept nogil:
        cdef int64_t old = self._bid[idx]
        cdef Py_ssize_t i
        if old == size:
            return
        self._bid[idx] = size
        self._bid_total += size - old
        if old == 0:
            self._bid_count += 1
            if idx > self._best_bid_idx:
                self._best_bid_idx = idx
        elif size == 0:
            self._bid_count -= 1
            if idx == self._best_bid_idx:
                if self._bid_count == 0:
                    self._best_bid_idx = -1
                else:
                    i = idx - 1
                    while self._bid[i] == 0:
                        i -= 1
                    self._best_bid_idx = i

    cdef void _set_ask(self, Py_ssize_t idx, int64_t size) noexcept nogil:
        cdef int64_t old = self._ask[idx]
        cdef Py_ssize_t i
        if old == size:
            return
        self._ask[idx] = size
        self._ask_total += size - old
        if old == 0:
            self._ask_count += 1
            if idx < self._best_ask_idx:
                self._best_ask_idx = idx
        elif size == 0:
            self._ask_count -= 1
            if idx == self._best_ask_idx:
                if self._ask_count == 0:
                    self._best_ask_idx = self.levels
                else:
                    i = idx + 1
                    while self._ask[i] == 0:
                        i += 1
                    self._best_ask_idx = i

    cdef void _clear_better(self, bint bid, int64_t ticks, int64_t* n_levels,
                            int64_t* n_volume) noexcept nogil:
        """Remove bids above ``ticks`` (``bid``) or asks below it, window and store, counting."""
        cdef Outside* o = &self._out_bid if bid else &self._out_ask
        cdef Py_ssize_t i, j
        self._clear_window_better(bid, ticks - self._base_ticks, n_levels, n_volume)
        if o.n == 0:
            return
        if bid:
            if o.ticks[o.n - 1] <= ticks:
                return
            i = _lower(o, ticks + 1)
            for j in range(i, o.n):
                n_levels[0] += 1
                n_volume[0] += o.sizes[j]
                o.total -= o.sizes[j]
            o.n = i
        else:
            if o.ticks[0] >= ticks:
                return
            i = _lower(o, ticks)
            for j in range(i):
                n_levels[0] += 1
                n_volume[0] += o.sizes[j]
                o.total -= o.sizes[j]
            _erase(o, 0, i)

    cdef void _clear_window_better(self, bint bid, int64_t idx, int64_t* n_levels,
                                   int64_t* n_volume) noexcept nogil:
        """Remove bids above window index ``idx`` (``bid``) or asks below it, counting them."""
        cdef Py_ssize_t i, lo, hi
        cdef int64_t s
        if bid:
            if self._bid_count == 0 or self._best_bid_idx <= idx:
                return
            lo = <Py_ssize_t>(idx + 1) if idx + 1 > 0 else 0
            for i in range(lo, self._best_bid_idx + 1):
                s = self._bid[i]
                if s != 0:
                    n_levels[0] += 1
                    n_volume[0] += s
                    self._bid_total -= s
                    self._bid_count -= 1
                    self._bid[i] = 0
            if self._bid_count == 0:
                self._best_bid_idx = -1
            else:
                i = lo - 1
                while self._bid[i] == 0:
                    i -= 1
                self._best_bid_idx = i
        else:
            if self._ask_count == 0 or self._best_ask_idx >= idx:
                return
            hi = <Py_ssize_t>(idx - 1) if idx - 1 < self.levels - 1 else self.levels - 1
            for i in range(self._best_ask_idx, hi + 1):
                s = self._ask[i]
                if s != 0:
                    n_levels[0] += 1
                    n_volume[0] += s
                    self._ask_total -= s
                    self._ask_count -= 1
                    self._ask[i] = 0
            if self._ask_count == 0:
                self._best_ask_idx = self.levels
            else:
                i = hi + 1
                while self._ask[i] == 0:
                    i += 1
                self._best_ask_idx = i

    cdef void _follow_touch(self, bint bid) noexcept nogil:
        """Move the window to the touch of a side when the touch is outside it (see the module
        docstring: midpoint of both touches when they fit, rate-limited)."""
        cdef int64_t t = 0, other = 0, lo, hi, mid, nb
        cdef int64_t centre
        if not self._top(bid, &t):
            return
        if 0 <= t - self._base_ticks < self.levels:
            return
        if self._n_updates - self._last_move_at < self._move_gap:
            self._n_recentres_deferred += 1
            return
        centre = t
        if self._top(not bid, &other):
            lo = t if t < other else other
            hi = other if t < other else t
            mid = lo + (hi - lo) // 2
            nb = mid - self._half
            if nb <= lo and hi < nb + self.levels:
                centre = mid
        self._move_window(centre - self._half)

    cdef void _move_window(self, int64_t new_base) noexcept nogil:
        """Re-base the window at ``new_base``: O(levels + outside_capacity)."""
        self._n_recentres += 1
        self._last_move_at = self._n_updates
        self._move_side(True, new_base)
        self._move_side(False, new_base)
        self._base_ticks = new_base
        self._rescan()

    cdef void _move_side(self, bint bid, int64_t new_base) noexcept nogil:
        """One side of a window move. Every level of the side outside the new window is offered
        to the spare store from the touch outwards (so the nearest are kept), the window is
        shifted, the old store's levels inside the new window are written into it, and the
        spare becomes the store."""
        cdef Outside* o = &self._out_bid if bid else &self._out_ask
        cdef int64_t* w = self._bid if bid else self._ask
        cdef int64_t old_base = self._base_ticks, shift = new_base - old_base, t
        cdef Py_ssize_t n = self.levels, cap = self.outside_capacity
        cdef Py_ssize_t split = _lower(o, old_base), kept = 0, i, s
        cdef bint window_empty = (self._bid_count if bid else self._ask_count) == 0
        cdef int64_t* swap
        self._spare.total = 0
        if bid:                                  # descending: above, window, below
            for i in range(o.n - 1, split - 1, -1):
                kept = self._keep_outside(True, o.ticks[i], o.sizes[i], new_base, kept)
            if not window_empty:
                for i in range(n - 1, -1, -1):
                    if w[i] != 0:
                        kept = self._keep_outside(True, old_base + i, w[i], new_base, kept)
            for i in range(split - 1, -1, -1):
                kept = self._keep_outside(True, o.ticks[i], o.sizes[i], new_base, kept)
        else:                                    # ascending: below, window, above
            for i in range(split):
                kept = self._keep_outside(False, o.ticks[i], o.sizes[i], new_base, kept)
            if not window_empty:
                for i in range(n):
                    if w[i] != 0:
                        kept = self._keep_outside(False, old_base + i, w[i], new_base, kept)
            for i in range(split, o.n):
                kept = self._keep_outside(False, o.ticks[i], o.sizes[i], new_base, kept)
        if window_empty:
            pass
        elif shift >= n or shift <= -n:
            memset(w, 0, n * sizeof(int64_t))
        elif shift > 0:
            s = <Py_ssize_t>shift
            memmove(w, w + s, (n - s) * sizeof(int64_t))
            memset(w + n - s, 0, s * sizeof(int64_t))
        elif shift < 0:
            s = <Py_ssize_t>(-shift)
            memmove(w + s, w, (n - s) * sizeof(int64_t))
            memset(w, 0, s * sizeof(int64_t))
        for i in range(o.n):
            t = o.ticks[i] - new_base
            if 0 <= t < n:
                w[t] = o.sizes[i]
        if bid and kept < cap:                   # bids were filled from the top end
            memmove(self._spare.ticks, self._spare.ticks + cap - kept, kept * sizeof(int64_t))
            memmove(self._spare.sizes, self._spare.sizes + cap - kept, kept * sizeof(int64_t))
        swap = o.ticks
        o.ticks = self._spare.ticks
        self._spare.ticks = swap
        swap = o.sizes
        o.sizes = self._spare.sizes
        self._spare.sizes = swap
        o.n = kept
        o.total = self._spare.total

    cdef Py_ssize_t _keep_outside(self, bint bid, int64_t ticks, int64_t size, int64_t new_base,
                                  Py_ssize_t kept) noexcept nogil:
        """Offer one level to the spare store during a move; returns the new kept count."""
        cdef Py_ssize_t slot
        if new_base <= ticks < new_base + self.levels:
            return kept                          # it is (or goes back) in the window
        if kept == self.outside_capacity:
            self._lose(size)
            return kept
        slot = self.outside_capacity - 1 - kept if bid else kept
        self._spare.ticks[slot] = ticks
        self._spare.sizes[slot] = size
        self._spare.total += size
        return kept + 1

    cdef void _rescan(self) noexcept nogil:
        """Recompute counts, totals and best indices from the arrays (O(levels), rare)."""
        cdef Py_ssize_t i, n = self.levels
        self._bid_count = 0
        self._ask_count = 0
        self._bid_total = 0
        self._ask_total = 0
        self._best_bid_idx = -1
        self._best_ask_idx = n
        for i in range(n):
            if self._bid[i] != 0:
                self._bid_count += 1
                self._bid_total += self._bid[i]
                self._best_bid_idx = i
            if self._ask[i] != 0:
                self._ask_count += 1
                self._ask_total += self._ask[i]
                if self._best_ask_idx == n:
                    self._best_ask_idx = i

    cdef void _clear_book(self) noexcept nogil:
        memset(self._bid, 0, self.levels * sizeof(int64_t))
        memset(self._ask, 0, self.levels * sizeof(int64_t))
        self._bid_count = 0
        self._ask_count = 0
        self._bid_total = 0
        self._ask_total = 0
        self._best_bid_idx = -1
        self._best_ask_idx = self.levels
        self._out_bid.n = 0
        self._out_bid.total = 0
        self._out_ask.n = 0
        self._out_ask.total = 0

    cdef void _tape_append(self, int kind, int64_t ticks, int64_t volume,
                           int64_t current_volume, int64_t ts_ns) noexcept nogil:
        cdef Py_ssize_t slot = self._tape_head
        cdef int8_t aggressor = -1
        cdef int64_t best = 0
        if self._top(False, &best) and ticks >= best:
            aggressor = 0
        elif self._top(True, &best) and ticks <= best:
            aggressor = 1
        self._tape_ts[slot] = ts_ns
        self._tape_price[slot] = self._price_of(ticks)
        self._tape_volume[slot] = volume
        self._tape_current[slot] = current_volume
        self._tape_aggressor[slot] = aggressor
        self._tape_kind[slot] = <int8_t>kind
        slot += 1
        if slot == self.tape_capacity:
            slot = 0
        self._tape_head = slot
        self._tape_total += 1

    cdef Py_ssize_t _fill_side(self, bint bid, char* pbuf, Py_ssize_t pstride, char* sbuf,
                               Py_ssize_t sstride, Py_ssize_t m) noexcept nogil:
        """Write the best ``m`` levels of a side (padding with NaN/0); return how many exist.

        Price order is store levels beyond the window's better edge, the window, then store
        levels beyond its worse edge; each part is walked from the touch outwards."""
        cdef Outside* o = &self._out_bid if bid else &self._out_ask
        cdef Py_ssize_t split = _lower(o, self._base_ticks)   # o[:split] below the window
        cdef Py_ssize_t j = 0, i, k, c, count
        if bid:
            count = self._bid_count
            k = count + o.n if count + o.n < m else m
            i = o.n - 1
            while j < k and i >= split:
                _put(pbuf, pstride, sbuf, sstride, j, self._price_of(o.ticks[i]), o.sizes[i])
                i -= 1
                j += 1
            i = self._best_bid_idx
            c = 0
            while j < k and c < count:
                while self._bid[i] == 0:
                    i -= 1
                _put(pbuf, pstride, sbuf, sstride, j, self._price_of(self._base_ticks + i),
                     self._bid[i])
                i -= 1
                c += 1
                j += 1
            i = split - 1
            while j < k:
                _put(pbuf, pstride, sbuf, sstride, j, self._price_of(o.ticks[i]), o.sizes[i])
                i -= 1
                j += 1
        else:
            count = self._ask_count
            k = count + o.n if count + o.n < m else m
            i = 0
            while j < k and i < split:
                _put(pbuf, pstride, sbuf, sstride, j, self._price_of(o.ticks[i]), o.sizes[i])
                i += 1
                j += 1
            i = self._best_ask_idx
            c = 0
            while j < k and c < count:
                while self._ask[i] == 0:
                    i += 1
                _put(pbuf, pstride, sbuf, sstride, j, self._price_of(self._base_ticks + i),
                     self._ask[i])
                i += 1
                c += 1
                j += 1
            i = split
            while j < k:
                _put(pbuf, pstride, sbuf, sstride, j, self._price_of(o.ticks[i]), o.sizes[i])
                i += 1
                j += 1
        for j in range(k, m):
            _put(pbuf, pstride, sbuf, sstride, j, NAN, 0)
        return k

    cdef Py_ssize_t _run_batch(self, Py_ssize_t n, char* pt, Py_ssize_t st, bint is32,
                               char* pp, Py_ssize_t sp, char* pv, Py_ssize_t sv, char* pc,
                               Py_ssize_t sc, char* ps, Py_ssize_t ss) noexcept nogil:
        cdef Py_ssize_t i, applied = 0
        cdef int64_t d
        for i in range(n):
            if is32:
                d = (<int32_t*>(pt + i * st))[0]
            else:
                d = (<int64_t*>(pt + i * st))[0]
            if d < 0 or d >= BOOK_DOM_TYPES:
                d = -1
            if self._apply(<int>d, (<double*>(pp + i * sp))[0], (<int64_t*>(pv + i * sv))[0],
                           (<int64_t*>(pc + i * sc))[0],
                           (<int64_t*>(ps + i * ss))[0]) == BOOK_APPLIED:
                applied += 1
        return applied

    # ------------------------------------------------------------------ Python API: updates

    def apply_batch(self, dom_type, price, volume, current_volume, ts_ns):
        """Apply many depth entries from 1-D arrays, in order; returns how many were applied.

        ``dom_type`` is int32 or int64, ``price`` float64, the others int64, all the same
        length (any stride). Exactly equivalent to calling ``apply`` per entry; ignored and
        invalid entries are counted in ``stats``. Batches of 2048+ entries release the GIL.
        """
        cdef Py_buffer views[5]
        cdef int got = 0
        cdef Py_ssize_t n, i, applied = 0
        cdef char* pt
        cdef char* pp
        cdef char* pv
        cdef char* pc
        cdef char* ps
        cdef Py_ssize_t st, sp, sv, sc, ss
        cdef bint is32
        self._check_idle()
        try:
            _acquire(dom_type, &views[0], b"i", 0, False, "dom_type")
            got = 1
            _acquire(price, &views[1], b"f", 8, False, "price")
            got = 2
            _acquire(volume, &views[2], b"i", 8, False, "volume")
            got = 3
            _acquire(current_volume, &views[3], b"i", 8, False, "current_volume")
            got = 4
            _acquire(ts_ns, &views[4], b"i", 8, False, "ts_ns")
            got = 5
            n = views[0].shape[0]
            for i in range(1, 5):
                if views[i].shape[0] != n:
                    raise ValueError(
                        "apply_batch: columns differ in length: "
                        f"{[views[j].shape[0] for j in range(5)]}"
                    )
            pt = <char*>views[0].buf
            st = views[0].strides[0]
            is32 = views[0].itemsize == 4
            pp = <char*>views[1].buf
            sp = views[1].strides[0]
            pv = <char*>views[2].buf
            sv = views[2].strides[0]
            pc = <char*>views[3].buf
            sc = views[3].strides[0]
            ps = <char*>views[4].buf
            ss = views[4].strides[0]
            if n >= _GIL_FREE_BATCH:
                self._busy = True
                with nogil:
                    applied = self._run_batch(n, pt, st, is32, pp, sp, pv, sv, pc, sc, ps, ss)
                self._busy = False
            else:
                applied = self._run_batch(n, pt, st, is32, pp, sp, pv, sv, pc, sc, ps, ss)
        finally:
            for i in range(got):
                PyBuffer_Release(&views[i])
        return applied

    def reset(self):
        """Return to the freshly constructed state: empty book and tape, no stats, counters 0."""
        self._check_idle()
        self._reset_all()

    # ------------------------------------------------------------------ Python API: reads

    @property
    def best_bid(self):
        """Best bid price, or NaN when the bid side is empty."""
        cdef int64_t t = 0
        return self._price_of(t) if self._top(True, &t) else NAN

    @property
    def best_ask(self):
        """Best ask price, or NaN when the ask side is empty."""
        cdef int64_t t = 0
        return self._price_of(t) if self._top(False, &t) else NAN

    @property
    def best_bid_size(self):
        """Size at the best bid (0 when empty)."""
        cdef int64_t t = 0
        return self._size_of(True, t) if self._top(True, &t) else 0

    @property
    def best_ask_size(self):
        """Size at the best ask (0 when empty)."""
        cdef int64_t t = 0
        return self._size_of(False, t) if self._top(False, &t) else 0

    @property
    def spread(self):
        """Best ask minus best bid, or NaN unless both sides have a level."""
        cdef int64_t b = 0, a = 0
        if not (self._top(True, &b) and self._top(False, &a)):
            return NAN
        return self._price_of(a) - self._price_of(b)

    @property
    def mid(self):
        """Midpoint of best bid and best ask, or NaN unless both sides have a level."""
        cdef int64_t b = 0, a = 0
        if not (self._top(True, &b) and self._top(False, &a)):
            return NAN
        return 0.5 * (self._price_of(a) + self._price_of(b))

    @property
    def bid_levels(self):
        """Number of non-empty bid levels (window and outside store)."""
        return self._bid_count + self._out_bid.n

    @property
    def ask_levels(self):
        """Number of non-empty ask levels (window and outside store)."""
        return self._ask_count + self._out_ask.n

    @property
    def total_bid_size(self):
        """Sum of all bid level sizes."""
        return self._bid_total + self._out_bid.total

    @property
    def total_ask_size(self):
        """Sum of all ask level sizes."""
        return self._ask_total + self._out_ask.total

    @property
    def levels_outside(self):
        """Levels held now outside the window, in the store (both sides)."""
        return self._out_bid.n + self._out_ask.n

    @property
    def levels_lost(self):
        """Levels the book could not hold (store full) since construction or ``reset()``."""
        return self._n_levels_lost

    @property
    def recentres(self):
        """Window moves since construction or ``reset()``."""
        return self._n_recentres

    def outside_levels(self, int side):
        """Levels of one side (0 bid, 1 ask) held outside the window: ``(ticks, sizes)`` as
        fresh int64 arrays, ascending by tick (price = ticks x ``tick_size``)."""
        cdef Outside* o
        cdef Py_ssize_t i
        self._check_idle()
        if side != 0 and side != 1:
            raise ValueError(f"side must be 0 (bid) or 1 (ask), got {side}")
        o = &self._out_bid if side == 0 else &self._out_ask
        ticks = np.empty(o.n, dtype=np.int64)
        sizes = np.empty(o.n, dtype=np.int64)
        for i in range(o.n):
            ticks[i] = o.ticks[i]
            sizes[i] = o.sizes[i]
        return ticks, sizes

    @property
    def base_ticks(self):
        """Tick of ladder index 0 (``bid_sizes[i]`` is the level at ``base_ticks + i``)."""
        return self._base_ticks

    @property
    def session_low(self):
        """Last DomType Low price, NaN until one arrives."""
        return self._session_low

    @property
    def session_high(self):
        """Last DomType High price, NaN until one arrives."""
        return self._session_high

    @property
    def last_trade_price(self):
        """Price of the last DomType Trade, NaN until one arrives."""
        return self._last_trade_price

    @property
    def bid_sizes(self):
        """Read-only view of the bid ladder window (aliases the book; moves on re-centre).

        Levels outside the window are not in it: see ``outside_levels``."""
        view = self._bid_owner.view()
        view.flags.writeable = False
        return view

    @property
    def ask_sizes(self):
        """Read-only view of the ask ladder window (aliases the book; moves on re-centre).

        Levels outside the window are not in it: see ``outside_levels``."""
        view = self._ask_owner.view()
        view.flags.writeable = False
        return view

    def ladder_prices(self):
        """Prices of every ladder index, as a fresh float64 array (pairs with ``bid_sizes``)."""
        ticks = np.arange(self._base_ticks, self._base_ticks + self.levels, dtype=np.int64)
        if self._exact_inverse:
            return ticks / self._ticks_per_unit
        return ticks * self.tick_size

    def top(self, Py_ssize_t n=10):
        """Best ``n`` levels of both sides as fresh arrays.

        Returns ``(bid_prices, bid_sizes, ask_prices, ask_sizes)``: float64 prices and int64
        sizes, best first, each side as long as ``min(n, levels on that side)``.
        """
        cdef Py_buffer bp, bs, ap, as_
        cdef Py_ssize_t nb, na
        self._check_idle()
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        nb = self.bid_levels if self.bid_levels < n else n
        na = self.ask_levels if self.ask_levels < n else n
        bid_prices = _np_empty(nb, _F64)
        bid_sizes = _np_empty(nb, _I64)
        ask_prices = _np_empty(na, _F64)
        ask_sizes = _np_empty(na, _I64)
        PyObject_GetBuffer(bid_prices, &bp, PyBUF_WRITABLE)
        PyObject_GetBuffer(bid_sizes, &bs, PyBUF_WRITABLE)
        PyObject_GetBuffer(ask_prices, &ap, PyBUF_WRITABLE)
        PyObject_GetBuffer(ask_sizes, &as_, PyBUF_WRITABLE)
        self._fill_side(True, <char*>bp.buf, 8, <char*>bs.buf, 8, nb)
        self._fill_side(False, <char*>ap.buf, 8, <char*>as_.buf, 8, na)
        PyBuffer_Release(&bp)
        PyBuffer_Release(&bs)
        PyBuffer_Release(&ap)
        PyBuffer_Release(&as_)
        return bid_prices, bid_sizes, ask_prices, ask_sizes

    def top_into(self, bid_prices, bid_sizes, ask_prices, ask_sizes):
        """Fill caller-provided arrays with the best levels (no allocation).

        Bid arrays must have equal length, as must ask arrays (float64 prices, int64 sizes,
        writable, any stride). Slots past the existing levels get NaN / 0. Returns
        ``(bid_count, ask_count)``: how many levels were written per side.
        """
        cdef Py_buffer views[4]
        cdef int got = 0
        cdef Py_ssize_t nb, na, i
        self._check_idle()
        try:
            _acquire(bid_prices, &views[0], b"f", 8, True, "bid_prices")
            got = 1
            _acquire(bid_sizes, &views[1], b"i", 8, True, "bid_sizes")
            got = 2
            _acquire(ask_prices, &views[2], b"f", 8, True, "ask_prices")
            got = 3
            _acquire(ask_sizes, &views[3], b"i", 8, True, "ask_sizes")
            got = 4
            if views[0].shape[0] != views[1].shape[0] or views[2].shape[0] != views[3].shape[0]:
                raise ValueError("top_into: price and size arrays of a side differ in length")
            nb = self._fill_side(True, <char*>views[0].buf, views[0].strides[0],
                                 <char*>views[1].buf, views[1].strides[0], views[0].shape[0])
            na = self._fill_side(False, <char*>views[2].buf, views[2].strides[0],
                                 <char*>views[3].buf, views[3].strides[0], views[2].shape[0])
        finally:
            for i in range(got):
                PyBuffer_Release(&views[i])
        return nb, na

    def depth(self, int side, Py_ssize_t n=10):
        """Best ``n`` levels of one side: ``side`` 0 = bid, 1 = ask (``OrderSide``).

        Returns ``(prices, sizes)`` as fresh float64 / int64 arrays, best first.
        """
        cdef Py_buffer bp, bs
        cdef Py_ssize_t k, count
        self._check_idle()
        if side != 0 and side != 1:
            raise ValueError(f"side must be 0 (bid) or 1 (ask), got {side}")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        count = self.bid_levels if side == 0 else self.ask_levels
        k = count if count < n else n
        prices = _np_empty(k, _F64)
        sizes = _np_empty(k, _I64)
        PyObject_GetBuffer(prices, &bp, PyBUF_WRITABLE)
        PyObject_GetBuffer(sizes, &bs, PyBUF_WRITABLE)
        self._fill_side(side == 0, <char*>bp.buf, 8, <char*>bs.buf, 8, k)
        PyBuffer_Release(&bp)
        PyBuffer_Release(&bs)
        return prices, sizes

    def size_at(self, double price, side=None):
        """Resting size at ``price``: of one side (0 bid / 1 ask) or, by default, of whichever
        side holds it (a book is never crossed, so at most one does). Raises ``ValueError`` on
        a non-finite or out-of-range price."""
        cdef int64_t ticks = 0, b, a
        self._check_idle()
        if self._to_ticks(price, &ticks) == 0:
            raise ValueError(f"price {price!r} is not a finite price on this tick grid")
        if side is not None and side != 0 and side != 1:
            raise ValueError(f"side must be None, 0 (bid) or 1 (ask), got {side!r}")
        b = self._size_of(True, ticks)
        a = self._size_of(False, ticks)
        if side is None:
            return b + a
        return b if side == 0 else a

    @property
    def tape_len(self):
        """Records currently held by the tape (at most ``tape_capacity``)."""
        return self._tape_total if self._tape_total < self.tape_capacity else self.tape_capacity

    @property
    def tape_total(self):
        """Trade and fill records ever appended (including those overwritten)."""
        return self._tape_total

    @property
    def gateway_trades(self):
        """``GatewayTrade`` records ever appended by ``record_trade`` (overwritten included)."""
        return self._gateway_trades

    def keep_spread_history(self, Py_ssize_t capacity):
        """Keep the touch's spread over time in a ring of ``capacity`` samples (0: stop and
        forget). After every applied entry the spread is looked at; the value at each distinct
        update time is the one after its last entry (a message's intermediate states are not
        samples), and it is kept when both sides have a level and it differs from the previous
        kept spread. No Python runs per entry."""
        self._check_idle()
        if capacity < 0:
            raise ValueError(f"capacity must be >= 0, got {capacity}")
        self._sp_pinned = capacity > 0
        if capacity == 0:
            self._sp_users = 0
        self._size_spread(capacity)

    def acquire_spread_history(self, Py_ssize_t capacity):
        """Hold the spread history: the first holder starts it with ``capacity`` samples (a
        history already kept goes on as it is); :meth:`release_spread_history` lets go."""
        self._check_idle()
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        if not self._sp_cap:
            self._size_spread(capacity)
        self._sp_users += 1

    def release_spread_history(self):
        """Let go of the spread history: the last holder stops it and forgets the samples,
        unless :meth:`keep_spread_history` started it."""
        self._check_idle()
        if self._sp_users > 0:
            self._sp_users -= 1
            if self._sp_users == 0 and not self._sp_pinned:
                self._size_spread(0)

    cdef int _size_spread(self, Py_ssize_t capacity) except -1:
        """(Re)allocate the spread ring for ``capacity`` samples (0: none) and clear it."""
        if capacity == 0:
            self._sp_owners = None
            self._sp_ts = NULL
            self._sp_val = NULL
        else:
            ts = np.zeros(capacity, dtype=np.int64)
            val = np.zeros(capacity, dtype=np.float64)
            self._sp_owners = (ts, val)
            self._sp_ts = _data_i64(ts)
            self._sp_val = <double*><char*>_data_ptr(val)
        self._sp_cap = capacity
        self._clear_spread()
        return 0

    def record_spread(self, int64_t ts_ns, double spread):
        """Offer a spread sample by hand (the same rules as the book's own samples)."""
        self._check_idle()
        if not self._sp_cap:
            raise RuntimeError("no spread history is kept (keep_spread_history first)")
        self._offer_spread(ts_ns, spread)

    @property
    def spread_capacity(self):
        """Samples the spread history holds (0: not kept)."""
        return self._sp_cap

    @property
    def spread_seen(self):
        """Updates that looked at the spread since ``keep_spread_history`` (0 while off)."""
        return self._sp_seen

    def spread_history(self):
        """``(ts_ns, spread)`` arrays (int64, float64) of the kept samples, oldest first, the
        latest time's value included when it would be kept; copies."""
        cdef Py_ssize_t held, start, cap = self._sp_cap
        if not cap:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        held = self._sp_total if self._sp_total < cap else cap
        start = self._sp_head - held
        if start < 0:
            start += cap
        ts_owner, val_owner = self._sp_owners
        if start + held <= cap:
            ts = ts_owner[start:start + held].copy()
            val = val_owner[start:start + held].copy()
        else:
            ts = np.concatenate((ts_owner[start:], ts_owner[:start + held - cap]))
            val = np.concatenate((val_owner[start:], val_owner[:start + held - cap]))
        if self._sp_pend == self._sp_pend and self._sp_pend != self._sp_last:
            if held == cap:  # the pending sample will overwrite the oldest
                ts, val = ts[1:], val[1:]
            ts = np.append(ts, self._sp_pend_ts)
            val = np.append(val, self._sp_pend)
        return ts, val

    def tape(self, n=None):
        """The latest ``n`` (default all held) tape records, oldest first.

        Returns a dict of arrays ``ts_ns`` (int64), ``price`` (float64), ``volume``,
        ``current_volume`` (int64), ``aggressor`` (int8: 0 buy, 1 sell, -1 unknown) and ``kind``
        (int8 DomType: 5 trade, 11 fill). When the records are contiguous in the ring they are
        read-only views that later appends overwrite (``.copy()`` to keep); when they wrap they
        are copies. Trades recorded with :meth:`record_trade` (the ``GatewayTrade`` stream, fed
        by ``MarketFeed``) have kind ``TAPE_GATEWAY_TRADE`` (100) and the venue's aggressor.
        """
        cdef Py_ssize_t held, m, start, cap = self.tape_capacity
        self._check_idle()
        held = self._tape_total if self._tape_total < cap else cap
        if n is None:
            m = held
        else:
            m = n
            if m < 0:
                raise ValueError(f"n must be >= 0, got {n}")
            if m > held:
                m = held
        start = self._tape_head - m
        if start < 0:
            start += cap
        out = {}
        for name, owner in zip(_TAPE_COLUMNS, self._tape_owners):
            if start + m <= cap:
                col = owner[start:start + m]
                col.flags.writeable = False
            else:
                col = np.concatenate((owner[start:], owner[:start + m - cap]))
            out[name] = col
        return out

    @property
    def stats(self):
        """Counters since construction or ``reset()`` (see the module docstring)."""
        cdef int k
        by_type = {_TYPE_NAMES[k]: self._by_type[k] for k in range(BOOK_DOM_TYPES)}
        ignored = self._by_type[0] + self._n_out_of_range
        return {
            "updates": self._n_updates,
            "applied": self._n_updates - ignored - self._n_invalid,
            "ignored": ignored,
            "invalid": self._n_invalid,
            "out_of_range_types": self._n_out_of_range,
            "off_grid": self._n_off_grid,
            "by_type": by_type,
            "crossed_events": self._n_crossed,
            "crossed_levels_removed": self._n_crossed_levels,
            "crossed_volume_removed": self._n_crossed_volume,
            "stale_levels_cleared": self._n_stale_levels,
            "stale_volume_cleared": self._n_stale_volume,
            "recentres": self._n_recentres,
            "recentres_deferred": self._n_recentres_deferred,
            "levels_outside": self._out_bid.n + self._out_ask.n,
            "levels_lost": self._n_levels_lost,
            "volume_lost": self._n_volume_lost,
        }

    def __repr__(self):
        return (f"OrderBook(tick_size={self.tick_size!r}, levels={self.levels}, "
                f"best_bid={self.best_bid!r}x{self.best_bid_size}, "
                f"best_ask={self.best_ask!r}x{self.best_ask_size}, "
                f"bid_levels={self.bid_levels}, ask_levels={self.ask_levels})")

    def __reduce__(self):
        raise TypeError("OrderBook cannot be pickled")


cdef int64_t* _data_i64(object arr) except NULL:
    return <int64_t*><char*>_data_ptr(arr)


cdef void* _data_ptr(object arr) except NULL:
    """Data pointer of a C-contiguous array the book owns for its whole life."""
    cdef Py_buffer view
    cdef void* ptr
    PyObject_GetBuffer(arr, &view, PyBUF_WRITABLE)
    ptr = view.buf
    PyBuffer_Release(&view)
    return ptr
