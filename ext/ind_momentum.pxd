# cython: language_level=3
"""Momentum indicator kernels and their streaming states (interface).

The batch kernels (in ``ind_momentum.pyx``) follow TA-Lib's algorithms step for step, in the same
floating-point order, so that results agree with TA-Lib to the last bits. The streaming states
below replay exactly the same recurrences one bar at a time, so a stream fed bar by bar equals the
batch kernel on the same bars.
"""


cdef struct RollExt:
    # Rolling highest high / lowest low over the last ``period`` bars, TA-Lib style: remember
    # where the extreme is, rescan the window only when it drops out (amortized O(1)).
    Py_ssize_t period
    Py_ssize_t count          # bars seen
    Py_ssize_t hi_at          # absolute bar index of the current highest high (-1: none)
    Py_ssize_t lo_at
    double hi
    double lo
    double* highs             # rings of the last ``period`` highs and lows
    double* lows


cdef struct MAState:
    # A moving average fed one value at a time: matype 0 (SMA, running sum) or 1 (EMA seeded
    # with the SMA of its first ``period`` inputs). ``period == 1`` is the identity, as TA_MA.
    Py_ssize_t period
    int matype
    double k
    Py_ssize_t count
    Py_ssize_t slot           # SMA ring slot of the next value (count % period)
    double total
    double value
    double* ring              # last ``period`` inputs (SMA) / first ``period`` inputs (EMA)


cdef class RSIStream:
    cdef readonly Py_ssize_t period
    cdef readonly Py_ssize_t count
    cdef double _prev
    cdef double _gain
    cdef double _loss
    cdef double _inv
    cdef double _value
    cpdef double update(self, double close)
    cpdef double peek(self, double close)


cdef class MACDStream:
    cdef readonly Py_ssize_t fastperiod
    cdef readonly Py_ssize_t slowperiod
    cdef readonly Py_ssize_t signalperiod
    cdef readonly Py_ssize_t count
    cdef double _kfast
    cdef double _kslow
    cdef double _ksignal
    cdef double* _first          # first ``slowperiod`` closes (both EMA seeds)
    cdef double* _first_macd     # first ``signalperiod`` MACD values (signal seed)
    cdef Py_ssize_t _nmacd
    cdef double _fast
    cdef double _slow
    cdef double _signal
    cdef double _macd
    cdef double _hist
    cdef int _step(self, double close) noexcept nogil
    cpdef tuple update(self, double close)
    cpdef tuple peek(self, double close)


cdef class StochStream:
    cdef readonly Py_ssize_t fastk_period
    cdef readonly Py_ssize_t count
    cdef RollExt _ext
    cdef MAState _k
    cdef MAState _d
    cdef double _slowk
    cdef double _slowd
    cdef int _step(self, double high, double low, double close) noexcept nogil
    cpdef tuple update(self, double high, double low, double close)
    cpdef tuple peek(self, double high, double low, double close)


cdef class ADXStream:
    cdef readonly Py_ssize_t period
    cdef readonly Py_ssize_t count
    cdef double _ph
    cdef double _pl
    cdef double _pc
    cdef double _pdm
    cdef double _mdm
    cdef double _tr
    cdef double _sumdx
    cdef double _adx
    cdef double _value
    cpdef double update(self, double high, double low, double close)
    cpdef double peek(self, double high, double low, double close)
