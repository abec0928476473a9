# cython: language_level=3
"""Volatility kernels (TRANGE, ATR, NATR) and the ATR streaming state (interface)."""


cdef class ATRStream:
    cdef readonly Py_ssize_t period
    cdef readonly Py_ssize_t count
    cdef double _prev_close
    cdef double _total
    cdef double _value
    cdef double _calc(self, double high, double low, double close) noexcept nogil
    cpdef double update(self, double high, double low, double close)
    cpdef double peek(self, double high, double low, double close)
