# cython: language_level=3
"""Volume kernels (implementation; interface in ``ind_volume.pxd``).

OBV, AD and ADOSC follow TA-Lib step for step (OBV starts at the first bar's volume; AD adds
``((close - low) - (high - close)) / (high - low) * volume`` on bars with a range; ADOSC is
``EMA(AD, fast) - EMA(AD, slow)`` with both EMAs seeded on the first AD value). VWAP is the
cumulative ``sum(typical * volume) / sum(volume)`` restarted where ``reset`` is set; NaN while
the cumulated volume is 0. The streaming states replay the same arithmetic.
"""

from libc.math cimport NAN

import numpy as np


def obv(const double[::1] price, const double[::1] volume):
    """On-balance volume (TA_OBV)."""
    cdef Py_ssize_t n = price.shape[0], i
    cdef double total, prev
    out = np.full(n, np.nan)
    cdef double[::1] o = out
    if n == 0:
        return out
    with nogil:
        total = volume[0]
        prev = price[0]
        o[0] = total
        for i in range(1, n):
            if price[i] > prev:
                total += volume[i]
            elif price[i] < prev:
                total -= volume[i]
            o[i] = total
            prev = price[i]
    return out


cdef inline double _ad_step(double ad, double h, double l, double c, double v) noexcept nogil:
    cdef double rng = h - l
    if rng > 0.0:
        ad += (((c - l) - (h - c)) / rng) * v
    return ad


def ad(const double[::1] high, const double[::1] low, const double[::1] close,
       const double[::1] volume):
    """Chaikin accumulation/distribution line (TA_AD)."""
    cdef Py_ssize_t n = high.shape[0], i
    cdef double total = 0.0
    out = np.full(n, np.nan)
    cdef double[::1] o = out
    with nogil:
        for i in range(n):
            total = _ad_step(total, high[i], low[i], close[i], volume[i])
            o[i] = total
    return out


def adosc(const double[::1] high, const double[::1] low, const double[::1] close,
          const double[::1] volume, Py_ssize_t fastperiod, Py_ssize_t slowperiod):
    """Chaikin A/D oscillator (TA_ADOSC), lookback ``max(fast, slow) - 1``."""
    cdef Py_ssize_t n = high.shape[0], i
    cdef Py_ssize_t lookback = (fastperiod if fastperiod > slowperiod else slowperiod) - 1
    cdef double fk = 2.0 / (fastperiod + 1), sk = 2.0 / (slowperiod + 1)
    cdef double total = 0.0, fast, slow
    out = np.full(n, np.nan)
    cdef double[::1] o = out
    if n <= lookback:
        return out
    with nogil:
        total = _ad_step(total, high[0], low[0], close[0], volume[0])
        fast = total
        slow = total
        if lookback == 0:
            o[0] = 0.0
        for i in range(1, n):
            total = _ad_step(total, high[i], low[i], close[i], volume[i])
            fast = (fk * total) + ((1.0 - fk) * fast)
            slow = (sk * total) + ((1.0 - sk) * slow)
            if i >= lookback:
                o[i] = fast - slow
    return out


def vwap(const double[::1] high, const double[::1] low, const double[::1] close,
         const double[::1] volume, const unsigned char[::1] reset, const unsigned char[::1] active):
    """Cumulative VWAP of the typical price, restarted where ``reset``; NaN where not
    ``active`` or while the cumulated volume is 0."""
    cdef Py_ssize_t n = high.shape[0], i
    cdef double pv = 0.0, vol = 0.0, tp
    out = np.full(n, np.nan)
    cdef double[::1] o = out
    with nogil:
        for i in range(n):
            if reset[i]:
                pv = 0.0
                vol = 0.0
            if not active[i]:
                continue
            tp = (high[i] + low[i] + close[i]) / 3.0
            pv += tp * volume[i]
            vol += volume[i]
            if vol != 0.0:
                o[i] = pv / vol
    return out


cdef class OBVStream:
    """Incremental TA_OBV: ``update(price, volume)``."""

    def __cinit__(self):
        self.count = 0
        self._prev = NAN
        self._value = NAN

    cpdef double peek(self, double price, double volume):
        if self.count == 0:
            return volume
        if price > self._prev:
            return self._value + volume
        if price < self._prev:
            return self._value - volume
        return self._value

    cpdef double update(self, double price, double volume):
        self._value = self.peek(price, volume)
        self._prev = price
        self.count += 1
        return self._value

    @property
    def value(self):
        """The latest OBV (NaN before the first bar)."""
        return self._value


cdef class VWAPStream:
    """Incremental cumulative VWAP of the typical price; ``reset()`` starts a new anchor."""

    def __cinit__(self):
        self.count = 0
        self._pv = 0.0
        self._vol = 0.0
        self._value = NAN

    cpdef void reset(self):
        self._pv = 0.0
        self._vol = 0.0
        self._value = NAN

    cpdef double peek(self, double high, double low, double close, double volume):
        cdef double tp = (high + low + close) / 3.0
        cdef double vol = self._vol + volume
        if vol == 0.0:
            return NAN
        return (self._pv + tp * volume) / vol

    cpdef double update(self, double high, double low, double close, double volume):
        cdef double tp = (high + low + close) / 3.0
        self._pv += tp * volume
        self._vol += volume
        self.count += 1
        self._value = self._pv / self._vol if self._vol != 0.0 else NAN
        return self._value

    @property
    def value(self):
        """The latest VWAP (NaN before any volume since the anchor)."""
        return self._value
