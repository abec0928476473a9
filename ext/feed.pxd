# Interface of projectx._native.feed: market-hub messages -> per-contract native state.
from libc.stdint cimport int32_t, int64_t

from projectx._native.frames cimport FeedResult, FrameParser, MarketRec
from projectx._native.heuristics cimport HeuristicTracker

# A bar close caused by the trade at record `rec` of the last feed: bit i = timeframe i.
cdef struct BarClose:
    int32_t contract
    int32_t rec
    int64_t mask

# Why a record was refused, held or flagged (index into MarketFeed's anomaly counters).
cdef enum Anomaly:
    AN_NONE = 0
    AN_BAD_PRICE = 1        # not finite or <= 0: refused
    AN_BAD_VOLUME = 2       # trade < 1 or depth < 0, over the plausible maximum, fractional
    AN_BAD_TIME = 3         # missing, unparseable or outside 2000-2100: refused
    AN_BAD_TYPE = 4         # a DomType the spec does not define: refused
    AN_BAD_QUOTE = 5        # a quote field not finite (prices <= 0): refused
    AN_OFF_TICK_GRID = 6    # off the contract's tick grid: refused
    AN_OFF_MARKET = 7       # trade far outside the band around the market: held
    AN_FUTURE_TIME = 8      # ahead of clock and stream: held; past max_skew_ns: refused
    AN_LATE_TIME = 9        # trade stamped far behind the stream: refused
    AN_ENGINE_ERROR = 10    # applying the record raised: refused
    AN_BAD_ITEM = 11        # an item that is not an object: refused
    AN_BAD_ARGUMENTS = 12   # a market invocation without its data argument: refused
    AN_EXTRA_ARGUMENTS = 13  # arguments beyond (contractId, data): applied, counted
    AN_UNKNOWN_SIDE = 14    # a TradeLogType the spec does not define: applied without a side
    AN_COUNT = 15

# Per-contract plausibility state of the guard (see MarketFeed's docstring).
cdef struct Guard:
    double tick_size
    double ref_price        # last accepted trade price (NaN: none yet)
    int64_t ref_ts_ns       # newest accepted trade time (0: none yet)
    double last_price       # last applied trade price (NaN: none yet)
    int32_t pending_reason  # AN_* of the held trade (AN_NONE: nothing held)
    MarketRec pending

cdef class MarketFeed:
    cdef readonly FrameParser parser
    cdef list _engines                 # BarEngine or None, per contract index
    cdef list _books                   # OrderBook or None, per contract index
    cdef void** _engine_ptrs           # borrowed from _engines (NULL: no bars for it)
    cdef void** _book_ptrs             # borrowed from _books (NULL: no book for it)
    cdef list _trackers                # HeuristicTracker or None, per contract index
    cdef void** _tracker_ptrs          # borrowed from _trackers (NULL: no heuristics)
    cdef MarketRec* _quotes           # merged quote per contract (fields accumulate)
    cdef int64_t* _quote_updates
    cdef Py_ssize_t _n_contracts
    cdef BarClose* _closes
    cdef Py_ssize_t _n_closes
    cdef Py_ssize_t _cap_closes
    cdef readonly int64_t trades
    cdef readonly int64_t depth_updates
    cdef readonly int64_t quotes
    cdef readonly int64_t messages
    cdef readonly int64_t trades_last    # records of each kind in the last feed()
    cdef readonly int64_t depth_last
    cdef readonly int64_t quotes_last
    cdef readonly int64_t last_ts_ns   # event time of the last market record applied (0: none)
    cdef Guard* _guards                # per contract
    cdef unsigned char* _price_wanted  # per contract: an owner wants its trade prices
    cdef Py_ssize_t _wanted_trades     # trades of such contracts applied by the last feed()
    cdef public bint wake_every        # every message with native records wakes the handlers
    cdef int64_t[AN_COUNT] _anomalies
    cdef readonly int64_t anomalies_last   # records refused or held in the last feed()
    cdef readonly int64_t flags_last       # applied but flagged (extra arguments, no side)
    cdef MarketRec* _out                   # the records applied by the last feed(), in order
    cdef readonly Py_ssize_t n_out
    cdef Py_ssize_t _cap_out
    cdef readonly int64_t held             # trades held so far (quarantined)
    cdef readonly int64_t corroborated     # held trades released by a corroborating trade
    cdef readonly int64_t held_refused     # held trades refused (the market did not follow)
    cdef readonly int64_t fallback_records  # records parsed by the spec-following fallback
    cdef public double band_fraction       # trade band around the reference price
    cdef public int64_t band_min_ticks     # ... but never narrower than this many ticks
    cdef public int64_t future_ns          # trade times allowed ahead of clock and stream
    cdef public int64_t late_ns            # trades further behind the newest: refused
    cdef public int64_t max_skew_ns        # trades further ahead of the wall clock: refused
    cdef public int64_t max_volume         # largest plausible trade/level size
    cdef public bint wall_clock            # compare trade times with the system clock
    cdef object _fallback_parse
    cdef dict _contract_index
    cdef Py_ssize_t _cursor
    cdef int64_t _now_ns

    cdef int _note(self, int reason) except -1
    cdef int _emit(self, MarketRec* r) except -1
    cdef int _rescue_others(self) except -1
    cdef int _apply_trade(self, MarketRec* r) except -1
    cdef int _hard_trade(self, MarketRec* r) noexcept
    cdef int _suspect(self, Guard* g, double ref_price, int64_t ref_ts, MarketRec* r) noexcept
    cdef int _hard_depth(self, Guard* g, MarketRec* r) noexcept
    cdef int _hard_quote(self, MarketRec* r) noexcept
    cdef int _guard_trade(self, MarketRec* r) except -1
    cdef bint _refused(self, int reason, MarketRec* r) except -1
    cdef Py_ssize_t _dispatch_from(self, Py_ssize_t start) except -1
    cdef int _dispatch(self) except -1
    cdef int _begin(self) except -1
    cdef int _finish(self, int64_t fallback_before) except -1
    cpdef Py_ssize_t feed(self, object data) except -1
