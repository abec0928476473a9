# cython: language_level=3
"""Volatility kernels (implementation; interface in ``ind_volatility.pxd``).

Batch kernels take NaN-free contiguous float64 arrays and return arrays of the same length with
NaN over TA-Lib's lookback. ATR follows TA_ATR: the first value (bar ``period``) is the SMA of
the true ranges of bars ``1..period``, then Wilder's ``(atr * (period - 1) + tr) / period``,
evaluated as ``fma(atr, (period - 1) / period, tr / period)`` (one fused multiply-add on the
dependency chain: ~8x faster than the textbook form, within 1e-15 of ta-lib's rounding).
``ATRStream`` replays the same recurrence one bar at a time.
"""

from libc.math cimport NAN, fabs, fma

import numpy as np

cdef extern from *:
    """
    #include <math.h>
    /* Wilder step atr = fma(atr, (p - 1) / p, tr / p); fma() rounds once everywhere, so the
       hardware-FMA variant (run-time choice on x86 GCC/Clang) gives the libm call's bits. */
    #define VOL_TR(h, l, pc, out) do { double _t; out = (h) - (l); \
        _t = fabs((pc) - (h)); if (_t > out) out = _t; \
        _t = fabs((pc) - (l)); if (_t > out) out = _t; } while (0)
    static void vol_atr_libm(const double* h, const double* l, const double* c, Py_ssize_t from,
                             Py_ssize_t n, double keep, double inv, double prev, double* out) {
        for (Py_ssize_t t = from; t < n; t++) {
            double tr; VOL_TR(h[t], l[t], c[t - 1], tr);
            prev = fma(prev, keep, tr * inv); out[t] = prev;
        }
    }
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __attribute__((target("fma")))
    static void vol_atr_hw(const double* h, const double* l, const double* c, Py_ssize_t from,
                           Py_ssize_t n, double keep, double inv, double prev, double* out) {
        for (Py_ssize_t t = from; t < n; t++) {
            double tr; VOL_TR(h[t], l[t], c[t - 1], tr);
            prev = __builtin_fma(prev, keep, tr * inv); out[t] = prev;
        }
    }
    static int vol_fma_ok(void) {
        static int ok = -1;
        if (ok < 0) { __builtin_cpu_init(); ok = __builtin_cpu_supports("fma") ? 1 : 0; }
        return ok;
    }
    #else
    #define vol_atr_hw vol_atr_libm
    static int vol_fma_ok(void) { return 0; }
    #endif
    static void vol_atr(const double* h, const double* l, const double* c, Py_ssize_t from,
                        Py_ssize_t n, double keep, double inv, double prev, double* out) {
        if (vol_fma_ok()) vol_atr_hw(h, l, c, from, n, keep, inv, prev, out);
        else vol_atr_libm(h, l, c, from, n, keep, inv, prev, out);
    }
    """
    void vol_atr(const double* h, const double* l, const double* c, Py_ssize_t start,
                 Py_ssize_t n, double keep, double inv, double prev, double* out) noexcept nogil


cdef inline double _true_range(double h, double l, double prev_close) noexcept nogil:
    cdef double out = h - l
    cdef double t = fabs(prev_close - h)
    if t > out:
        out = t
    t = fabs(prev_close - l)
    if t > out:
        out = t
    return out


def trange(const double[::1] high, const double[::1] low, const double[::1] close):
    """True range (TA_TRANGE), NaN at bar 0."""
    cdef Py_ssize_t n = high.shape[0], i
    out = np.full(n, np.nan)
    cdef double[::1] o = out
    with nogil:
        for i in range(1, n):
            o[i] = _true_range(high[i], low[i], close[i - 1])
    return out


def atr(const double[::1] high, const double[::1] low, const double[::1] close,
        Py_ssize_t period, bint normalized=False):
    """Average true range (TA_ATR), or with ``normalized`` NATR (``atr / close * 100``, 0 where
    the close is ~0)."""
    cdef Py_ssize_t n = high.shape[0], i
    cdef double total = 0.0, c
    out = np.full(n, np.nan)
    cdef double[::1] o = out
    if period == 1 and not normalized:
        return trange(high, low, close)
    if n <= period:
        return out
    with nogil:
        for i in range(1, period + 1):
            total += _true_range(high[i], low[i], close[i - 1])
        o[period] = total / period
        vol_atr(&high[0], &low[0], &close[0], period + 1, n, (period - 1.0) / period,
                1.0 / period, o[period], &o[0])
        if normalized:
            for i in range(period, n):
                c = close[i]
                o[i] = (o[i] / c) * 100.0 if not (-1e-8 < c < 1e-8) else 0.0
    return out


cdef class ATRStream:
    """Incremental TA_ATR: ``update(high, low, close)`` returns the ATR (NaN for the first
    ``period`` bars); ``peek`` the value ``update`` would return, state unchanged."""

    def __cinit__(self, Py_ssize_t period):
        if period < 1:
            raise ValueError("period must be >= 1")
        self.period = period
        self.count = 0
        self._total = 0.0
        self._value = NAN
        self._prev_close = NAN

    cdef double _calc(self, double high, double low, double close) noexcept nogil:
        cdef Py_ssize_t c = self.count, p = self.period
        cdef double tr
        if c == 0:
            return NAN
        tr = _true_range(high, low, self._prev_close)
        if p == 1:
            return tr
        if c < p:
            return NAN
        if c == p:
            return (self._total + tr) / p
        return fma(self._value, (p - 1.0) / p, tr * (1.0 / p))

    cpdef double update(self, double high, double low, double close):
        cdef double v = self._calc(high, low, close)
        if self.count > 0 and self.count < self.period:
            self._total += _true_range(high, low, self._prev_close)
        self._prev_close = close
        self.count += 1
        if v == v:
            self._value = v
        return v

    cpdef double peek(self, double high, double low, double close):
        return self._calc(high, low, close)

    @property
    def value(self):
        """The latest ATR (NaN during warm-up)."""
        return self._value
