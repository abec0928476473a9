# cython: language_level=3
"""Volume kernels (OBV, AD, ADOSC, VWAP) and the OBV/VWAP streaming states (interface)."""


cdef class OBVStream:
    cdef readonly Py_ssize_t count
    cdef double _prev
    cdef double _value
    cpdef double update(self, double price, double volume)
    cpdef double peek(self, double price, double volume)


cdef class VWAPStream:
    cdef readonly Py_ssize_t count
    cdef double _pv
    cdef double _vol
    cdef double _value
    cpdef void reset(self)
    cpdef double update(self, double high, double low, double close, double volume)
    cpdef double peek(self, double high, double low, double close, double volume)
