# cython: language_level=3
"""Multi-timeframe OHLCV bar engine (interface).

One ``BarEngine`` per contract updates every one of its timeframes on each trade. Bars are built
from trades only (OHLC, volume, trade count). Intraday bars (sec/min/hr) align to UTC epoch
multiples of their length, computed here in C. Day/week/month bars follow the CME trading
calendar; their period boundaries come from ``projectx.timeframes.calendar_period``, called
only when a calendar bar closes.

Per timeframe the engine keeps the forming bar and ``next_close_ns`` (the end of the forming
bar's period). A trade at or after ``next_close_ns`` closes the forming bar (appending it to the
timeframe's ``BarRing``) and opens a new bar at the period containing the trade; periods with no
trades produce no bar. A trade older than the forming bar's period start is *late*: it still
counts, into the forming bar, and is counted in ``late_trades``. Nothing is dropped.
"""

from libc.stdint cimport int64_t

from projectx._native.ring cimport RingIndex


ctypedef struct TfState:
    int64_t length_ns       # > 0: intraday bar length; 0: calendar (kind != 0)
    int kind                # projectx.timeframes.CalendarKind code
    int64_t start_ns        # forming bar's period start (inclusive)
    int64_t label_ns        # forming bar's timestamp: its open time
    int64_t next_close_ns   # forming bar's period end (exclusive); INT64_MIN: no bar yet
    double open
    double high
    double low
    double close
    int64_t volume
    int64_t trades
    bint forming            # a forming bar exists
    int64_t closed_bars     # bars closed into the ring (loaded history not counted)
    int64_t late_trades     # trades older than the forming bar's period start
    RingIndex* ring         # the timeframe's BarRing index and column pointers (borrowed;
    void** cols             # the engine keeps the ring objects alive)


cdef class BarEngine:
    cdef TfState* _tf
    cdef readonly int n_timeframes
    cdef readonly tuple timeframes      # canonical timeframe names, bit i of a mask = index i
    cdef list _rings                    # BarRing per timeframe
    cdef dict _index                    # name -> index
    cdef object _period                 # projectx.timeframes.calendar_period
    cdef readonly int64_t trades        # trades processed
    cdef readonly int64_t late_trades   # trades late for at least one timeframe
    cdef bint _in_batch                 # update_batch running without the GIL

    cdef int64_t on_trade(self, int64_t ts_ns, double price, int64_t volume) except -1
    cdef Py_ssize_t _run(self, TfState* tf, const int64_t* ts_ns, const double* price,
                         const int64_t* volume, Py_ssize_t begin, Py_ssize_t end,
                         unsigned char* late) except -1 nogil
    cdef int _calendar_roll(self, TfState* tf, int64_t ts_ns) except -1
    cdef Py_ssize_t _tf_index(self, object timeframe) except -1
    cdef dict _batch(self, const int64_t[::1] ts_ns, const double[::1] price,
                     const int64_t[::1] volume)
