# Interface of projectx._native.frames: SignalR JSON records -> native market records.
from libc.stdint cimport int32_t, int64_t, uint32_t

# What a MarketRec holds.
cdef enum RecKind:
    REC_TRADE = 1
    REC_DEPTH = 2
    REC_QUOTE = 3

# Presence bits of MarketRec.fields (a key absent or null on the wire leaves its bit clear).
cdef enum QuoteField:
    Q_LAST = 1
    Q_BID = 2
    Q_ASK = 4
    Q_CHANGE = 8
    Q_CHANGE_PCT = 16
    Q_OPEN = 32
    Q_HIGH = 64
    Q_LOW = 128
    Q_VOLUME = 256
    Q_TIMESTAMP = 512
    Q_UPDATED = 1024

# One market event item. Trades: type = TradeLogType (-1 when absent), price, volume, ts_ns.
# Depth: type = DomType, price, volume, current_volume (-1 when absent), ts_ns.
# Quotes: price = lastPrice and the quote_* fields, valid where `fields` has the bit.
cdef struct MarketRec:
    int32_t kind
    int32_t contract          # index into FrameParser's contract table
    int32_t type
    uint32_t fields
    int64_t ts_ns
    double price
    int64_t volume
    int64_t current_volume
    double bid
    double ask
    double change
    double change_pct
    double open
    double high
    double low
    double session_volume
    int64_t updated_ns

# What one message held: the hub's per-message bookkeeping in one read. One object per parser,
# rewritten by every feed(); MarketFeed fills the market fields (FrameParser leaves them 0).
cdef class FeedResult:
    cdef readonly Py_ssize_t records     # complete records kept (native + handed back)
    cdef readonly Py_ssize_t native      # records parsed into market records
    cdef readonly Py_ssize_t others      # records handed back as bytes (``others``)
    cdef readonly Py_ssize_t truncated   # partial records dropped (their rest never came)
    cdef readonly Py_ssize_t oversized   # records dropped for exceeding max_tail
    cdef readonly Py_ssize_t lost        # truncated + oversized
    cdef readonly Py_ssize_t handback    # lost + others: what the hub handles in Python
    cdef readonly Py_ssize_t fallback    # market records the spec-following fallback parsed
    cdef readonly Py_ssize_t trades      # applied, by kind (MarketFeed)
    cdef readonly Py_ssize_t depth
    cdef readonly Py_ssize_t quotes
    cdef readonly Py_ssize_t anomalies   # refused or held (MarketFeed)
    cdef readonly Py_ssize_t flags       # applied but flagged (MarketFeed)
    cdef readonly Py_ssize_t n_closes    # bar closes (MarketFeed)
    cdef readonly bint attention         # anomalies, flags or closes: look closer
    cdef readonly bint wake              # the hub's native handlers have work in this message
    # cumulative over the messages given to receive() (what a hub connection counts)
    cdef readonly int64_t messages_total
    cdef readonly int64_t chars_total          # len() of each message (str: code points)
    cdef readonly int64_t records_total        # records kept
    cdef readonly int64_t native_total
    cdef readonly double last_message_monotonic  # time.monotonic() at the last receive()
    cdef readonly double last_market_monotonic   # ... at the last one with native records

    cdef int _arrive(self, object data) except -1
    cdef int _count(self) noexcept

cdef class FrameParser:
    cdef readonly FeedResult result      # what the last feed() held
    # Records of the last feed(), in wire order.
    cdef MarketRec* recs
    cdef Py_ssize_t n_recs
    cdef Py_ssize_t cap_recs
    # Records not parsed natively, as bytes, with the number of MarketRecs that precede each.
    cdef public list others
    cdef list _other_positions
    cdef bytearray _tail
    cdef bint _skipping                 # inside an oversized record: drop bytes until 0x1E
    cdef dict _contract_index
    cdef list _contract_ids
    cdef bytes _contract_blob
    cdef int64_t* _contract_offsets
    cdef readonly int64_t records_total
    cdef readonly int64_t records_native
    cdef readonly int64_t records_fallback
    cdef readonly int64_t records_oversized   # records dropped for exceeding max_tail
    cdef readonly int64_t records_truncated   # partial records dropped: their rest never came
    cdef readonly int64_t bytes_total
    cdef readonly Py_ssize_t max_tail

    cdef int _push(self, MarketRec* rec) except -1
    cdef int _parse_args(self, const unsigned char** pp, const unsigned char* end,
                         int target) except -1
    cdef int _parse_record(self, const unsigned char* start, const unsigned char* end) except -1
    cdef int _parse_buffer(self, const unsigned char* buf, Py_ssize_t n) except -1
    cdef int _one_record(self, const unsigned char* start, const unsigned char* end) except -1
    cdef int _complete_tail(self, const unsigned char* buf, Py_ssize_t head) except -1
    cdef int _recover_embedded(self, const unsigned char* start,
                               const unsigned char* end) except -1
    cdef int _lookup_contract(self, const unsigned char* s, Py_ssize_t n) noexcept
    cdef int _settle(self, int64_t before, int64_t truncated, int64_t oversized) except -1
    cdef Py_ssize_t _feed(self, object data) except -1
    cpdef Py_ssize_t feed(self, object data) except -1
