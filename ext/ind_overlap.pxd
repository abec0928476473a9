# cython: language_level=3
"""Overlap-study kernels (TA-Lib moving averages, Hilbert transform, SAR, variance) and the
streaming states of SMA, EMA and BBANDS (interface; implementation in ``ind_overlap.pyx``)."""


cdef struct HilbertTerm:
    # One of TA-Lib's Hilbert-transform filters (its HILBERT_VARIABLES): three-slot odd/even
    # delay lines and the previous output and input of each parity.
    double odd[3]
    double even[3]
    double prev_odd
    double prev_even
    double prev_in_odd
    double prev_in_even


cdef class SMAStream:
    cdef readonly Py_ssize_t period
    cdef readonly Py_ssize_t count
    cdef double* _ring
    cdef double _total
    cdef double _value
    cpdef double update(self, double x)
    cpdef double peek(self, double x)


cdef class EMAStream:
    cdef readonly Py_ssize_t period
    cdef readonly Py_ssize_t count
    cdef double _k
    cdef double _total
    cdef double _value
    cpdef double update(self, double x)
    cpdef double peek(self, double x)


cdef class BBandsStream:
    cdef readonly Py_ssize_t period
    cdef readonly Py_ssize_t count
    cdef double _nbdevup
    cdef double _nbdevdn
    cdef SMAStream _sma
    cdef double* _ring
    cdef double _k
    cdef double _s1
    cdef double _s2
    cdef double _upper
    cdef double _middle
    cdef double _lower
    cdef void _calc(self, double x, bint commit, double* up, double* mid, double* lo) noexcept
    cpdef tuple update(self, double x)
    cpdef tuple peek(self, double x)
