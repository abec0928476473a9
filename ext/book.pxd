# cython: language_level=3
"""Native level-2 order book: an integer-tick price ladder window that follows the touch, plus a
bounded sorted store per side for the levels outside the window (spec §5.5, §7.7.2).

The interface other native modules ``cimport``. Semantics of every DomType are documented in
``book.pyx`` (module docstring); this header is the contract:

- ``apply`` (``cpdef``: a plain C call from Cython) takes one GatewayDepth entry and returns
  ``BOOK_APPLIED``, ``BOOK_IGNORED`` (DomType 0 or out of range) or ``BOOK_INVALID``
  (non-finite or absurd price, negative volume). It never raises for bad market data: bad
  entries are counted in the stats instead. It raises ``RuntimeError`` (returns -1) only when
  the book is being updated concurrently by a GIL-free ``apply_batch`` in another thread.
- ``_apply`` is the same without the concurrency check, callable without the GIL.
"""

from libc.stdint cimport int8_t, int64_t

cdef enum:
    BOOK_APPLIED = 0
    BOOK_IGNORED = 1
    BOOK_INVALID = 2

cdef struct Outside:
    # levels of one side outside the ladder window, sorted by tick ascending (no zero sizes)
    int64_t* ticks
    int64_t* sizes
    Py_ssize_t n
    int64_t total


cdef enum:
    BOOK_DOM_TYPES = 12          # DomType values 0..11 (spec §5.5)
    TAPE_GATEWAY_TRADE = 100     # tape kind of a GatewayTrade (DomType 5/11 for depth trades)


cdef class OrderBook:
    # configuration
    cdef readonly double tick_size
    cdef readonly Py_ssize_t levels
    cdef readonly Py_ssize_t tape_capacity
    cdef readonly Py_ssize_t outside_capacity   # levels per side the outside store holds
    cdef double _ticks_per_unit       # exact integer 1/tick_size when _exact_inverse, else 0
    cdef bint _exact_inverse
    cdef Py_ssize_t _half

    # ladder: index i holds the level at tick (_base_ticks + i); zero = no level
    cdef object _bid_owner
    cdef object _ask_owner
    cdef int64_t* _bid
    cdef int64_t* _ask
    cdef int64_t _base_ticks
    cdef Py_ssize_t _best_bid_idx     # -1 when the bid side is empty
    cdef Py_ssize_t _best_ask_idx     # levels when the ask side is empty
    cdef Py_ssize_t _bid_count
    cdef Py_ssize_t _ask_count
    cdef int64_t _bid_total
    cdef int64_t _ask_total           # (counts and totals above: window only)

    # levels outside the window; _spare is the scratch a window move builds the new store in
    cdef object _outside_owners
    cdef Outside _out_bid
    cdef Outside _out_ask
    cdef Outside _spare
    cdef Py_ssize_t _move_gap         # entries that must pass between two window moves
    cdef int64_t _last_move_at        # _n_updates at the last window move

    # session statistics (NaN until seen)
    cdef double _session_low
    cdef double _session_high
    cdef double _last_trade_price

    # trade tape ring (Trade and Fill entries)
    cdef object _tape_owners          # tuple of the NumPy arrays backing the columns
    cdef int64_t* _tape_ts
    cdef double* _tape_price
    cdef int64_t* _tape_volume
    cdef int64_t* _tape_current
    cdef int8_t* _tape_aggressor
    cdef int8_t* _tape_kind
    cdef Py_ssize_t _tape_head        # next slot to write
    cdef int64_t _tape_total          # records ever appended
    cdef int64_t _gateway_trades      # ... of them GatewayTrade records (record_trade)

    # spread history (off while _sp_cap == 0): the touch's spread at each distinct update time,
    # kept when it differs from the previous kept one; the latest time's value is pending
    cdef object _sp_owners            # (ts, spread) NumPy arrays backing the history
    cdef Py_ssize_t _sp_users         # holders through acquire_spread_history
    cdef bint _sp_pinned              # started by keep_spread_history: holders never stop it
    cdef int64_t* _sp_ts
    cdef double* _sp_val
    cdef Py_ssize_t _sp_cap
    cdef Py_ssize_t _sp_head
    cdef int64_t _sp_total            # samples ever kept
    cdef int64_t _sp_seen             # updates that looked at the spread
    cdef int64_t _sp_pend_ts
    cdef double _sp_pend              # NaN: nothing pending
    cdef double _sp_last              # the last kept spread (NaN: none)

    # counters
    cdef int64_t _n_updates
    cdef int64_t _n_invalid
    cdef int64_t _n_out_of_range
    cdef int64_t _n_off_grid
    cdef int64_t _n_crossed
    cdef int64_t _n_crossed_levels
    cdef int64_t _n_crossed_volume
    cdef int64_t _n_stale_levels
    cdef int64_t _n_stale_volume
    cdef int64_t _n_recentres
    cdef int64_t _n_recentres_deferred
    cdef int64_t _n_levels_lost
    cdef int64_t _n_volume_lost
    cdef int64_t _by_type[BOOK_DOM_TYPES]

    cdef bint _busy                   # a GIL-free apply_batch is running

    # cpdef (not cdef) only so that the Python wrapper can share the name; from Cython it is a
    # direct C call through the vtable, exactly like a cdef method.
    cpdef int apply(self, int dom_type, double price, int64_t volume, int64_t current_volume,
                    int64_t ts_ns) except -1
    cpdef int record_trade(self, double price, int64_t volume, int aggressor,
                           int64_t ts_ns) except -1
    cdef int _apply(self, int dom_type, double price, int64_t volume, int64_t current_volume,
                    int64_t ts_ns) noexcept nogil

    cdef double _price_of(self, int64_t ticks) noexcept nogil
    cdef int _to_ticks(self, double price, int64_t* ticks) noexcept nogil
    cdef void _set_level(self, bint bid, int64_t ticks, int64_t size) noexcept nogil
    cdef void _set_bid(self, Py_ssize_t idx, int64_t size) noexcept nogil
    cdef void _set_ask(self, Py_ssize_t idx, int64_t size) noexcept nogil
    cdef void _clear_better(self, bint bid, int64_t ticks, int64_t* n_levels,
                            int64_t* n_volume) noexcept nogil
    cdef void _clear_window_better(self, bint bid, int64_t idx, int64_t* n_levels,
                                   int64_t* n_volume) noexcept nogil
    cdef bint _top(self, bint bid, int64_t* ticks) noexcept nogil
    cdef int64_t _size_of(self, bint bid, int64_t ticks) noexcept nogil
    cdef Py_ssize_t _side_levels(self, bint bid) noexcept nogil
    cdef int64_t _side_total(self, bint bid) noexcept nogil
    cdef bint _is_empty(self) noexcept nogil
    cdef void _clear_spread(self) noexcept nogil
    cdef int _size_spread(self, Py_ssize_t capacity) except -1
    cdef void _note_spread(self, int64_t ts_ns) noexcept nogil
    cdef void _offer_spread(self, int64_t ts_ns, double spread) noexcept nogil
    cdef void _set_far(self, bint bid, int64_t ticks, int64_t size) noexcept nogil
    cdef void _uncross(self, bint bid, int64_t ticks) noexcept nogil
    cdef void _cross(self, bint bid, int64_t ticks) noexcept nogil
    cdef void _set_outside(self, bint bid, int64_t ticks, int64_t size) noexcept nogil
    cdef void _lose(self, int64_t size) noexcept nogil
    cdef void _follow_touch(self, bint bid) noexcept nogil
    cdef void _move_window(self, int64_t new_base) noexcept nogil
    cdef void _move_side(self, bint bid, int64_t new_base) noexcept nogil
    cdef Py_ssize_t _keep_outside(self, bint bid, int64_t ticks, int64_t size, int64_t new_base,
                                  Py_ssize_t kept) noexcept nogil
    cdef void _rescan(self) noexcept nogil
    cdef void _clear_book(self) noexcept nogil
    cdef void _tape_append(self, int kind, int64_t ticks, int64_t volume,
                           int64_t current_volume, int64_t ts_ns) noexcept nogil
    cdef Py_ssize_t _fill_side(self, bint bid, char* pbuf, Py_ssize_t pstride, char* sbuf,
                               Py_ssize_t sstride, Py_ssize_t m) noexcept nogil
    cdef Py_ssize_t _run_batch(self, Py_ssize_t n, char* pt, Py_ssize_t st, bint is32,
                               char* pp, Py_ssize_t sp, char* pv, Py_ssize_t sv, char* pc,
                               Py_ssize_t sc, char* ps, Py_ssize_t ss) noexcept nogil
    cdef void _reset_all(self) noexcept
    cdef int _check_idle(self) except -1
