# cython: language_level=3
"""Overlap-study kernels (implementation); the interface is ``ind_overlap.pxd``.

Batch kernels take 1-D contiguous float64 arrays holding no leading NaN (the Python layer trims
them as the ``talib`` wrapper does) and return new float64 arrays of the same length with NaN
over TA-Lib's *lookback*. Each loop follows TA-Lib's algorithm and floating-point order (running
sums updated as TA-Lib does, EMA steps as ``fma(x - ema, k, ema)`` like the ta-lib 0.8 build), so
values agree with TA-Lib to rounding.

Streaming states (``SMAStream``, ``EMAStream``, ``BBandsStream``) replay the same recurrences one
value at a time; ``peek(x)`` returns what ``update(x)`` would, without changing the state.
"""

from libc.math cimport NAN, atan, fma, sqrt
from libc.stdlib cimport free, malloc
from libc.string cimport memset

import numpy as np

cdef extern from *:
    """
    #include <math.h>
    /* EMA recursion ema = fma(x - ema, k, ema). fma() rounds once on every platform, so the
       hardware-FMA variant (picked at run time on x86 GCC/Clang) returns the same bits as the
       libm call; it only removes a function call from the loop's dependency chain. */
    static void ovl_ema_libm(const double* x, Py_ssize_t from, Py_ssize_t n, double k,
                             double prev, double* out) {
        for (Py_ssize_t t = from; t < n; t++) { prev = fma(x[t] - prev, k, prev); out[t] = prev; }
    }
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __attribute__((target("fma")))
    static void ovl_ema_hw(const double* x, Py_ssize_t from, Py_ssize_t n, double k,
                           double prev, double* out) {
        for (Py_ssize_t t = from; t < n; t++) {
            prev = __builtin_fma(x[t] - prev, k, prev);
            out[t] = prev;
        }
    }
    static int ovl_fma_ok(void) {
        static int ok = -1;
        if (ok < 0) { __builtin_cpu_init(); ok = __builtin_cpu_supports("fma") ? 1 : 0; }
        return ok;
    }
    #else
    #define ovl_ema_hw ovl_ema_libm
    static int ovl_fma_ok(void) { return 0; }
    #endif
    static void ovl_ema(const double* x, Py_ssize_t from, Py_ssize_t n, double k, double prev,
                        double* out) {
        if (ovl_fma_ok()) ovl_ema_hw(x, from, n, k, prev, out);
        else ovl_ema_libm(x, from, n, k, prev, out);
    }
    """
    void ovl_ema(const double* x, Py_ssize_t start, Py_ssize_t n, double k, double prev,
                 double* out) noexcept nogil

cdef double HT_A = 0.0962
cdef double HT_B = 0.5769


def _nan(Py_ssize_t n):
    return np.full(n, np.nan)



# ---------------------------------------------------------------------------------------------
# Moving averages


cdef void _sma_into(const double* x, Py_ssize_t n, Py_ssize_t p, Py_ssize_t start,
                    double* out) noexcept nogil:
    """TA_INT_SMA: ``out[i]`` for ``i >= start + p - 1`` over values valid from ``start``."""
    cdef Py_ssize_t trailing = start
    cdef Py_ssize_t i = start
    cdef Py_ssize_t first = start + p - 1
    cdef double total = 0.0, tmp
    while i < first and i < n:
        total += x[i]
        i += 1
    while i < n:
        total += x[i]
        tmp = total
        total -= x[trailing]
        trailing += 1
        out[i] = tmp / p
        i += 1


cdef void _ema_into(const double* x, Py_ssize_t n, Py_ssize_t p, double k, Py_ssize_t start,
                    double* out) noexcept nogil:
    """TA_INT_EMA: seeded with the SMA of ``x[start:start+p]``, first value at ``start+p-1``."""
    cdef Py_ssize_t today = start
    cdef Py_ssize_t i
    cdef double total = 0.0, prev
    if start + p > n:
        return
    for i in range(p):
        total += x[today]
        today += 1
    prev = total / p
    out[today - 1] = prev
    ovl_ema(x, today, n, k, prev, out)


def sma(const double[::1] x, Py_ssize_t period):
    """Simple moving average (TA_SMA)."""
    cdef Py_ssize_t n = x.shape[0]
    out = _nan(n)
    cdef double[::1] o = out
    if n:
        with nogil:
            _sma_into(&x[0], n, period, 0, &o[0])
    return out


def ema(const double[::1] x, Py_ssize_t period, double k=-1.0):
    """Exponential moving average (TA_EMA; ``k`` defaults to ``2 / (period + 1)``)."""
    cdef Py_ssize_t n = x.shape[0]
    out = _nan(n)
    cdef double[::1] o = out
    if k < 0.0:
        k = 2.0 / (period + 1)
    if n:
        with nogil:
            _ema_into(&x[0], n, period, k, 0, &o[0])
    return out


def ema_cascade(const double[::1] x, Py_ssize_t period, int depth, double vfactor=-1.0):
    """``depth`` EMAs applied in turn, each seeded on its input's first ``period`` values.

    Returns DEMA (depth 2), TEMA (depth 3) or, with ``vfactor >= 0`` and depth 6, T3.
    """
    cdef Py_ssize_t n = x.shape[0], i, d, start = 0
    cdef double k = 2.0 / (period + 1)
    cdef double c1, c2, c3, c4, v2
    out = _nan(n)
    cdef double[::1] o = out
    if n == 0:
        return out
    buf = np.full((depth, n), np.nan)
    cdef double[:, ::1] e = buf
    with nogil:
        _ema_into(&x[0], n, period, k, 0, &e[0, 0])
        start = period - 1
        for d in range(1, depth):
            if start >= n:
                break
            _ema_into(&e[d - 1, 0], n, period, k, start, &e[d, 0])
            start += period - 1
        if start < n:
            if depth == 2:
                for i in range(start, n):
                    o[i] = (2.0 * e[0, i]) - e[1, i]
            elif depth == 3:
                for i in range(start, n):
                    o[i] = e[2, i] + ((3.0 * e[0, i]) - (3.0 * e[1, i]))
            elif depth == 6:
                v2 = vfactor * vfactor
                c1 = -v2 * vfactor
                c2 = 3.0 * (v2 - c1)
                c3 = -6.0 * v2 - 3.0 * (vfactor - c1)
                c4 = 1.0 + 3.0 * vfactor - c1 + 3.0 * v2
                for i in range(start, n):
                    o[i] = c1 * e[5, i] + c2 * e[4, i] + c3 * e[3, i] + c4 * e[2, i]
            else:
                for i in range(start, n):
                    o[i] = e[depth - 1, i]
    return out


def wma(const double[::1] x, Py_ssize_t period):
    """Linearly weighted moving average (TA_WMA)."""
    cdef Py_ssize_t n = x.shape[0], i = 0, trailing = 0
    cdef double divider = (period * (period + 1)) >> 1
    cdef double sub = 0.0, total = 0.0, trailing_value = 0.0, v
    out = _nan(n)
    cdef double[::1] o = out
    if period == 1:
        out[:] = x
        return out
    with nogil:
        while i < period - 1 and i < n:
            v = x[i]
            sub += v
            total += v * (i + 1)
            i += 1
        while i < n:
            v = x[i]
            sub += v
            sub -= trailing_value
            total += v * period
            trailing_value = x[trailing]
            trailing += 1
            o[i] = total / divider
            total -= sub
            i += 1
    return out


def kama(const double[::1] x, Py_ssize_t period):
    """Kaufman adaptive moving average (TA_KAMA: fast 2, slow 30)."""
    cdef Py_ssize_t n = x.shape[0], today = 0, trailing = 0, i
    cdef double fast = 2.0 / (2.0 + 1.0), slow = 2.0 / (30.0 + 1.0)
    cdef double diff = fast - slow
    cdef double roc_sum = 0.0, period_roc, prev, t, trailing_value
    out = _nan(n)
    cdef double[::1] o = out
    if n <= period:
        return out
    with nogil:
        for i in range(period):
            t = x[today]
            today += 1
            t -= x[today]
            roc_sum += abs(t)
        prev = x[today - 1]
        t = x[today]
        trailing_value = x[trailing]
        trailing += 1
        period_roc = t - trailing_value
        if roc_sum <= period_roc or (-1e-14 < roc_sum < 1e-14):
            t = 1.0
        else:
            t = abs(period_roc / roc_sum)
        t = (t * diff) + slow
        t *= t
        prev = ((x[today] - prev) * t) + prev
        o[today] = prev
        today += 1
        while today < n:
            t = x[today]
            period_roc = t - x[trailing]
            roc_sum -= abs(trailing_value - x[trailing])
            roc_sum += abs(t - x[today - 1])
            trailing_value = x[trailing]
            trailing += 1
            if roc_sum <= period_roc or (-1e-14 < roc_sum < 1e-14):
                t = 1.0
            else:
                t = abs(period_roc / roc_sum)
            t = (t * diff) + slow
            t *= t
            prev = ((x[today] - prev) * t) + prev
            o[today] = prev
            today += 1
    return out


# ---------------------------------------------------------------------------------------------
# Hilbert transform (MAMA, HT_TRENDLINE)


cdef inline double _ht(HilbertTerm* h, double inp, int idx, bint even, double adj) noexcept nogil:
    cdef double t = HT_A * inp
    cdef double v
    if even:
        v = -h.even[idx]
        h.even[idx] = t
        v += t
        v -= h.prev_even
        h.prev_even = HT_B * h.prev_in_even
        v += h.prev_even
        h.prev_in_even = inp
    else:
        v = -h.odd[idx]
        h.odd[idx] = t
        v += t
        v -= h.prev_odd
        h.prev_odd = HT_B * h.prev_in_odd
        v += h.prev_odd
        h.prev_in_odd = inp
    return v * adj


cdef struct PriceWMA:
    # TA-Lib's 4-bar weighted smoothing of the price (DO_PRICE_WMA)
    double sub
    double total
    double trailing_value
    Py_ssize_t trailing


cdef inline double _wma4(PriceWMA* w, const double* x, double v) noexcept nogil:
    cdef double out
    w.sub += v
    w.sub -= w.trailing_value
    w.total += v * 4.0
    w.trailing_value = x[w.trailing]
    w.trailing += 1
    out = w.total * 0.1
    w.total -= w.sub
    return out


cdef struct Phasor:
    # Homodyne discriminator state shared by the Hilbert-transform indicators
    HilbertTerm detrender
    HilbertTerm q1
    HilbertTerm ji
    HilbertTerm jq
    int idx
    double period
    double prev_i2
    double prev_q2
    double re
    double im
    double i1_odd_prev3
    double i1_even_prev3
    double i1_odd_prev2
    double i1_even_prev2
    double detrended
    double q1_value


cdef inline void _phasor_step(Phasor* s, double smoothed, bint even, double* i2,
                              double* q2) noexcept nogil:
    """One bar of the in-phase/quadrature computation (I1 of 3 bars ago, Q1, then I2/Q2)."""
    cdef double adj = (0.075 * s.period) + 0.54
    cdef double detrender, q1, ji, jq, i1_prev3
    if even:
        detrender = _ht(&s.detrender, smoothed, s.idx, True, adj)
        q1 = _ht(&s.q1, detrender, s.idx, True, adj)
        ji = _ht(&s.ji, s.i1_even_prev3, s.idx, True, adj)
        jq = _ht(&s.jq, q1, s.idx, True, adj)
        s.idx += 1
        if s.idx == 3:
            s.idx = 0
        i1_prev3 = s.i1_even_prev3
        q2[0] = (0.2 * (q1 + ji)) + (0.8 * s.prev_q2)
        i2[0] = (0.2 * (i1_prev3 - jq)) + (0.8 * s.prev_i2)
        s.i1_odd_prev3 = s.i1_odd_prev2
        s.i1_odd_prev2 = detrender
    else:
        detrender = _ht(&s.detrender, smoothed, s.idx, False, adj)
        q1 = _ht(&s.q1, detrender, s.idx, False, adj)
        ji = _ht(&s.ji, s.i1_odd_prev3, s.idx, False, adj)
        jq = _ht(&s.jq, q1, s.idx, False, adj)
        i1_prev3 = s.i1_odd_prev3
        q2[0] = (0.2 * (q1 + ji)) + (0.8 * s.prev_q2)
        i2[0] = (0.2 * (i1_prev3 - jq)) + (0.8 * s.prev_i2)
        s.i1_even_prev3 = s.i1_even_prev2
        s.i1_even_prev2 = detrender
    s.detrended = i1_prev3
    s.q1_value = q1


cdef inline void _period_step(Phasor* s, double i2, double q2, double rad2deg) noexcept nogil:
    """Dominant-cycle period update from I2/Q2 (clamped as TA-Lib)."""
    cdef double prev_period, t
    s.re = (0.2 * ((i2 * s.prev_i2) + (q2 * s.prev_q2))) + (0.8 * s.re)
    s.im = (0.2 * ((i2 * s.prev_q2) - (q2 * s.prev_i2))) + (0.8 * s.im)
    s.prev_q2 = q2
    s.prev_i2 = i2
    prev_period = s.period
    if s.im != 0.0 and s.re != 0.0:
        s.period = 360.0 / (atan(s.im / s.re) * rad2deg)
    t = 1.5 * prev_period
    if s.period > t:
        s.period = t
    t = 0.67 * prev_period
    if s.period < t:
        s.period = t
    if s.period < 6:
        s.period = 6
    elif s.period > 50:
        s.period = 50
    s.period = (0.2 * s.period) + (0.8 * prev_period)


cdef inline void _wma4_init(PriceWMA* w, const double* x) noexcept nogil:
    w.sub = x[0]
    w.total = x[0]
    w.sub += x[1]
    w.total += x[1] * 2.0
    w.sub += x[2]
    w.total += x[2] * 3.0
    w.trailing_value = 0.0
    w.trailing = 0


def mama(const double[::1] x, double fastlimit, double slowlimit):
    """MESA adaptive moving average (TA_MAMA): returns ``(mama, fama)``, lookback 32."""
    cdef Py_ssize_t n = x.shape[0], today, i
    cdef double rad2deg = 180.0 / (4.0 * atan(1.0))
    cdef double v, smoothed, i2 = 0.0, q2 = 0.0, phase, t, prev_phase = 0.0
    cdef double m = 0.0, f = 0.0
    cdef PriceWMA w
    cdef Phasor s
    out_m = _nan(n)
    out_f = _nan(n)
    cdef double[::1] om = out_m
    cdef double[::1] of = out_f
    if n <= 32:
        return out_m, out_f
    with nogil:
        _wma4_init(&w, &x[0])
        today = 3
        for i in range(9):
            _wma4(&w, &x[0], x[today])
            today += 1
        memset(&s, 0, sizeof(Phasor))
        while today < n:
            v = x[today]
            smoothed = _wma4(&w, &x[0], v)
            _phasor_step(&s, smoothed, today % 2 == 0, &i2, &q2)
            if s.detrended != 0.0:
                phase = atan(s.q1_value / s.detrended) * rad2deg
            else:
                phase = 0.0
            t = prev_phase - phase
            prev_phase = phase
            if t < 1.0:
                t = 1.0
            if t > 1.0:
                t = fastlimit / t
                if t < slowlimit:
                    t = slowlimit
            else:
                t = fastlimit
            m = (t * v) + ((1 - t) * m)
            t *= 0.5
            f = (t * m) + ((1 - t) * f)
            if today >= 32:
                om[today] = m
                of[today] = f
            _period_step(&s, i2, q2, rad2deg)
            today += 1
    return out_m, out_f


def ht_trendline(const double[::1] x):
    """Hilbert-transform instantaneous trendline (TA_HT_TRENDLINE), lookback 63."""
    cdef Py_ssize_t n = x.shape[0], today, i, idx, dci
    cdef double rad2deg = 180.0 / (4.0 * atan(1.0))
    cdef double smoothed, i2 = 0.0, q2 = 0.0, t, t2, smooth_period = 0.0
    cdef double it1 = 0.0, it2 = 0.0, it3 = 0.0
    cdef PriceWMA w
    cdef Phasor s
    out = _nan(n)
    cdef double[::1] o = out
    if n <= 63:
        return out
    with nogil:
        _wma4_init(&w, &x[0])
        today = 3
        for i in range(34):
            _wma4(&w, &x[0], x[today])
            today += 1
        memset(&s, 0, sizeof(Phasor))
        while today < n:
            smoothed = _wma4(&w, &x[0], x[today])
            _phasor_step(&s, smoothed, today % 2 == 0, &i2, &q2)
            _period_step(&s, i2, q2, rad2deg)
            smooth_period = (0.33 * s.period) + (0.67 * smooth_period)
            dci = <Py_ssize_t>(smooth_period + 0.5)
            t = 0.0
            idx = today
            for i in range(dci):
                if idx < 0:
                    break
                t += x[idx]
                idx -= 1
            if dci > 0:
                t = t / <double>dci
            t2 = (4.0 * t + 3.0 * it1 + 2.0 * it2 + it3) / 10.0
            it3 = it2
            it2 = it1
            it1 = t
            if today >= 63:
                o[today] = t2
            today += 1
    return out


# ---------------------------------------------------------------------------------------------
# Variance, standard deviation, Bollinger bands


cdef inline void _anchor(const double* w, Py_ssize_t p, Py_ssize_t first,
                         double* k, double* s1, double* s2) noexcept nogil:
    """Re-anchor: ``k`` = mean of the window (ring ``w`` read in order from slot ``first``,
    wrapping), and the sums of ``x - k`` and ``(x - k)**2`` over it."""
    cdef Py_ssize_t i
    cdef double t = 0.0, d, m
    for i in range(first, p):
        t += w[i]
    for i in range(first):
        t += w[i]
    m = t / p
    t = 0.0
    d = 0.0
    for i in range(first, p):
        t += w[i] - m
        d += (w[i] - m) * (w[i] - m)
    for i in range(first):
        t += w[i] - m
        d += (w[i] - m) * (w[i] - m)
    k[0] = m
    s1[0] = t
    s2[0] = d


cdef inline double _var_of(double s1, double s2, double inv_p) noexcept nogil:
    cdef double m = s1 * inv_p
    cdef double v = s2 * inv_p - m * m
    return v if v > 0.0 else 0.0


def variance(const double[::1] x, Py_ssize_t period, bint root=False, double scale=1.0):
    """Rolling population variance over ``period`` values (NaN for the first ``period - 1``);
    with ``root``, the standard deviation times ``scale`` instead.

    Numerically stable (ta-lib 0.8 computes its variance stably, not from raw running sums of
    ``x`` and ``x*x``): sums of ``x - k`` and ``(x - k)**2`` around an anchor ``k`` reset to the
    window mean every ``period`` bars (amortized O(1) per bar); never negative.
    """
    cdef Py_ssize_t n = x.shape[0], i, p = period, left = 0
    cdef double k = 0.0, s1 = 0.0, s2 = 0.0, a, b, v, inv_p = 1.0 / period
    out = _nan(n)
    cdef double[::1] o = out
    if n < p:
        return out
    with nogil:
        for i in range(p - 1, n):
            if left == 0:
                _anchor(&x[i - p + 1], p, 0, &k, &s1, &s2)
                left = p
            else:
                a = x[i] - k
                b = x[i - p] - k
                s1 += a - b
                s2 += a * a - b * b
            left -= 1
            v = _var_of(s1, s2, inv_p)
            o[i] = sqrt(v) * scale if root else v
    return out


def bands(const double[::1] x, const double[::1] mid, Py_ssize_t period, double nbdevup,
          double nbdevdn):
    """``(mid + nbdevup * sd, mid - nbdevdn * sd)`` with ``sd`` the rolling population
    deviation of ``x`` computed as ``variance``; NaN where ``mid`` or ``sd`` is NaN."""
    cdef Py_ssize_t n = x.shape[0], i, p = period, left = 0
    cdef double k = 0.0, s1 = 0.0, s2 = 0.0, a, b, sd, inv_p = 1.0 / period
    upper = _nan(n)
    lower = _nan(n)
    cdef double[::1] up = upper
    cdef double[::1] lo = lower
    if n < p:
        return upper, lower
    with nogil:
        for i in range(p - 1, n):
            if left == 0:
                _anchor(&x[i - p + 1], p, 0, &k, &s1, &s2)
                left = p
            else:
                a = x[i] - k
                b = x[i - p] - k
                s1 += a - b
                s2 += a * a - b * b
            left -= 1
            sd = sqrt(_var_of(s1, s2, inv_p))
            up[i] = mid[i] + nbdevup * sd
            lo[i] = mid[i] - nbdevdn * sd
    return upper, lower


# ---------------------------------------------------------------------------------------------
# Parabolic SAR


def sar(const double[::1] high, const double[::1] low, double startvalue,
        double offsetonreverse, double init_long, double acc_long, double max_long,
        double init_short, double acc_short, double max_short, bint signed):
    """TA_SAREXT (``signed``: short values negative) / TA_SAR (symmetric, unsigned)."""
    cdef Py_ssize_t n = high.shape[0], today = 1
    cdef bint is_long
    cdef double af_long, af_short, ep, s, new_high, new_low, prev_high, prev_low, diff_p, diff_m
    out = _nan(n)
    cdef double[::1] o = out
    if n < 2:
        return out
    with nogil:
        af_long = init_long
        af_short = init_short
        if af_long > max_long:
            af_long = init_long = max_long
        if acc_long > max_long:
            acc_long = max_long
        if af_short > max_short:
            af_short = init_short = max_short
        if acc_short > max_short:
            acc_short = max_short
        if startvalue == 0.0:
            diff_p = high[1] - high[0]
            diff_m = low[0] - low[1]
            is_long = not (diff_m > 0 and diff_p < diff_m)
        else:
            is_long = startvalue > 0
        new_high = high[0]
        new_low = low[0]
        if startvalue == 0.0:
            if is_long:
                ep = high[1]
                s = new_low
            else:
                ep = low[1]
                s = new_high
        elif startvalue > 0:
            ep = high[1]
            s = startvalue
        else:
            ep = low[1]
            s = -startvalue
        new_low = low[1]
        new_high = high[1]
        while today < n:
            prev_low = new_low
            prev_high = new_high
            new_low = low[today]
            new_high = high[today]
            if is_long:
                if new_low <= s:
                    is_long = False
                    s = ep
                    if s < prev_high:
                        s = prev_high
                    if s < new_high:
                        s = new_high
                    if offsetonreverse != 0.0:
                        s += s * offsetonreverse
                    o[today] = -s if signed else s
                    af_short = init_short
                    ep = new_low
                    s = s + af_short * (ep - s)
                    if s < prev_high:
                        s = prev_high
                    if s < new_high:
                        s = new_high
                else:
                    o[today] = s
                    if new_high > ep:
                        ep = new_high
                        af_long += acc_long
                        if af_long > max_long:
                            af_long = max_long
                    s = s + af_long * (ep - s)
                    if s > prev_low:
                        s = prev_low
                    if s > new_low:
                        s = new_low
            else:
                if new_high >= s:
                    is_long = True
                    s = ep
                    if s > prev_low:
                        s = prev_low
                    if s > new_low:
                        s = new_low
                    if offsetonreverse != 0.0:
                        s -= s * offsetonreverse
                    o[today] = s
                    af_long = init_long
                    ep = new_high
                    s = s + af_long * (ep - s)
                    if s > prev_low:
                        s = prev_low
                    if s > new_low:
                        s = new_low
                else:
                    o[today] = -s if signed else s
                    if new_low < ep:
                        ep = new_low
                        af_short += acc_short
                        if af_short > max_short:
                            af_short = max_short
                    s = s + af_short * (ep - s)
                    if s < prev_high:
                        s = prev_high
                    if s < new_high:
                        s = new_high
            today += 1
    return out


# ---------------------------------------------------------------------------------------------
# Streaming states


cdef class SMAStream:
    """Incremental TA_SMA: ``update(x)`` returns the SMA of the last ``period`` values (NaN for
    the first ``period - 1``); ``peek(x)`` the value ``update(x)`` would return."""

    def __cinit__(self, Py_ssize_t period):
        if period < 1:
            raise ValueError("period must be >= 1")
        self.period = period
        self.count = 0
        self._total = 0.0
        self._value = NAN
        self._ring = <double*>malloc(period * sizeof(double))
        if self._ring == NULL:
            raise MemoryError()

    def __dealloc__(self):
        free(self._ring)

    cpdef double update(self, double x):
        cdef Py_ssize_t p = self.period, c = self.count
        self._ring[c % p] = x
        self._total += x
        self.count = c + 1
        if c < p - 1:
            return NAN
        self._value = self._total / p
        self._total -= self._ring[(c + 1) % p]
        return self._value

    cpdef double peek(self, double x):
        if self.count < self.period - 1:
            return NAN
        return (self._total + x) / self.period

    @property
    def value(self):
        """The latest SMA (NaN during warm-up)."""
        return self._value


cdef class EMAStream:
    """Incremental TA_EMA (seeded with the SMA of the first ``period`` values, then
    ``fma(x - ema, k, ema)``); ``k`` defaults to ``2 / (period + 1)``."""

    def __cinit__(self, Py_ssize_t period, double k=-1.0):
        if period < 1:
            raise ValueError("period must be >= 1")
        self.period = period
        self.count = 0
        self._k = k if k >= 0.0 else 2.0 / (period + 1)
        self._total = 0.0
        self._value = NAN

    cpdef double update(self, double x):
        self._value = self.peek(x)
        if self.count < self.period:
            self._total += x
        self.count += 1
        return self._value

    cpdef double peek(self, double x):
        cdef Py_ssize_t c = self.count, p = self.period
        if c >= p:
            return fma(x - self._value, self._k, self._value)
        if c < p - 1:
            return NAN
        return (self._total + x) / p

    @property
    def value(self):
        """The latest EMA (NaN during warm-up)."""
        return self._value


cdef class BBandsStream:
    """Incremental TA_BBANDS with an SMA middle band: ``update(x)`` returns
    ``(upper, middle, lower)``; the deviation is the population one, computed as ``variance``."""

    def __cinit__(self, Py_ssize_t period, double nbdevup, double nbdevdn):
        if period < 1:
            raise ValueError("period must be >= 1")
        self.period = period
        self.count = 0
        self._nbdevup = nbdevup
        self._nbdevdn = nbdevdn
        self._sma = SMAStream(period)
        self._k = 0.0
        self._s1 = 0.0
        self._s2 = 0.0
        self._upper = NAN
        self._middle = NAN
        self._lower = NAN
        self._ring = <double*>malloc(period * sizeof(double))
        if self._ring == NULL:
            raise MemoryError()

    def __dealloc__(self):
        free(self._ring)

    cdef void _calc(self, double x, bint commit, double* up, double* mid,
                    double* lo) noexcept:
        cdef Py_ssize_t p = self.period, c = self.count, slot = c % p
        cdef double k = self._k, s1 = self._s1, s2 = self._s2, old, a, b, sd
        old = self._ring[slot]
        self._ring[slot] = x
        if (c - (p - 1)) % p == 0:
            _anchor(self._ring, p, (c + 1) % p, &k, &s1, &s2)
        else:
            a = x - k
            b = old - k
            s1 += a - b
            s2 += a * a - b * b
        sd = sqrt(_var_of(s1, s2, 1.0 / p))
        if commit:
            mid[0] = self._sma.update(x)
            self._k = k
            self._s1 = s1
            self._s2 = s2
        else:
            mid[0] = self._sma.peek(x)
            self._ring[slot] = old
        up[0] = mid[0] + self._nbdevup * sd
        lo[0] = mid[0] - self._nbdevdn * sd

    cpdef tuple update(self, double x):
        cdef Py_ssize_t c = self.count
        if c < self.period - 1:
            self._ring[c] = x
            self._sma.update(x)
            self.count = c + 1
            return (NAN, NAN, NAN)
        self._calc(x, True, &self._upper, &self._middle, &self._lower)
        self.count = c + 1
        return (self._upper, self._middle, self._lower)

    cpdef tuple peek(self, double x):
        cdef double up, mid, lo
        if self.count < self.period - 1:
            return (NAN, NAN, NAN)
        self._calc(x, False, &up, &mid, &lo)
        return (up, mid, lo)

    @property
    def value(self):
        """The latest ``(upper, middle, lower)`` (NaNs during warm-up)."""
        return (self._upper, self._middle, self._lower)
