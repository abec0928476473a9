# cython: language_level=3
"""Fixed-capacity columnar ring buffers (interface).

A ring holds up to ``capacity`` rows in one 1-D C-contiguous NumPy array per column. Appending
overwrites the oldest row once full, so memory is bounded by the capacity. Rows are read newest-
last: a window of the latest ``n`` rows is a zero-copy slice when it does not wrap around the end
of the arrays, and exactly one copy (per column) when it does.

C code appends with ``ring_claim`` (which slot to write) and then stores into the column pointers;
``BarRing.push`` / ``TickRing.push`` do both and are ``nogil``. The raw ``RingIndex`` and
``cols`` pointers may be kept by another native object (the bar engine does) as long as it also
keeps a reference to the ring that owns them.
"""

from libc.stdint cimport int64_t, int8_t


ctypedef struct RingIndex:
    Py_ssize_t capacity   # rows the arrays hold (>= 1)
    Py_ssize_t head       # slot of the next write
    Py_ssize_t size       # valid rows (<= capacity)
    int64_t total         # rows ever appended


cdef inline Py_ssize_t ring_claim(RingIndex* r) noexcept nogil:
    """Advance the ring by one row and return the slot to write it to (O(1))."""
    cdef Py_ssize_t slot = r.head
    r.head = slot + 1
    if r.head == r.capacity:
        r.head = 0
    if r.size < r.capacity:
        r.size += 1
    r.total += 1
    return slot


cdef inline void bar_write(RingIndex* r, void** cols, int64_t ts_ns, double open, double high,
                           double low, double close, int64_t volume,
                           int64_t trades) noexcept nogil:
    """Append one bar row to a ring laid out as ``BarRing`` (ts, o, h, l, c, volume, trades)."""
    cdef Py_ssize_t slot = ring_claim(r)
    (<int64_t*>cols[0])[slot] = ts_ns
    (<double*>cols[1])[slot] = open
    (<double*>cols[2])[slot] = high
    (<double*>cols[3])[slot] = low
    (<double*>cols[4])[slot] = close
    (<int64_t*>cols[5])[slot] = volume
    (<int64_t*>cols[6])[slot] = trades


cdef class ColumnRing:
    """Generic ring: named columns of fixed dtypes sharing one ``RingIndex``."""
    cdef RingIndex idx
    cdef void* cols[8]             # data pointers of the column arrays (at most 8 columns)
    cdef readonly tuple names      # column names, ``names[0]`` is the int64 ns time column
    cdef readonly tuple arrays     # the backing NumPy arrays (length ``capacity``)
    cdef readonly tuple time_columns  # columns exported as Datetime("ns", "UTC")

    cpdef void clear(self)
    cdef Py_ssize_t _window(self, object n, Py_ssize_t* start, Py_ssize_t* end) except -1
    cdef object _column(self, Py_ssize_t i, object n, bint copy)


cdef class BarRing(ColumnRing):
    """Columns ``ts`` (int64 ns), ``open high low close`` (float64), ``volume trades`` (int64)."""
    cdef void push(self, int64_t ts_ns, double open, double high, double low, double close,
                   int64_t volume, int64_t trades) noexcept nogil


cdef class TickRing(ColumnRing):
    """Columns ``ts`` (int64 ns), ``price`` (float64), ``volume`` (int64), ``side`` (int8)."""
    cdef void push(self, int64_t ts_ns, double price, int64_t volume, int8_t side) noexcept nogil
