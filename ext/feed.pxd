# Interface of projectx._native.feed: market-hub messages -> per-contract native state.
from libc.stdint cimport int32_t, int64_t

from projectx._native.frames cimport FrameParser, MarketRec

# A bar close caused by the trade at record `rec` of the last feed: bit i = timeframe i.
cdef struct BarClose:
    int32_t contract
    int32_t rec
    int64_t mask

cdef class MarketFeed:
    cdef readonly FrameParser parser
    cdef list _engines                 # BarEngine or None, per contract index
    cdef list _books                   # OrderBook or None, per contract index
    cdef void** _engine_ptrs           # borrowed from _engines (NULL: no bars for it)
    cdef void** _book_ptrs             # borrowed from _books (NULL: no book for it)
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

    cdef int _dispatch(self) except -1
    cpdef Py_ssize_t feed(self, object data) except -1
