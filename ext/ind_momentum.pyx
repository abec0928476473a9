# cython: language_level=3
"""Momentum indicator kernels (implementation); the interface is ``ind_momentum.pxd``.

Batch kernels take 1-D float64 arrays that hold no leading NaN (the Python layer trims them) and
return new float64 arrays of the same length, NaN over the warm-up (TA-Lib's *lookback*). Each
loop reproduces TA-Lib's recurrence and its floating-point order, including its quirks:
``TA_IS_ZERO`` (|v| < 1e-8) guards, Wilder sums seeded over ``period - 1`` bars, DX repeating its
previous value when the ranges vanish, MFI treating a flow total below 1.0 as zero.

Where the installed ta-lib 0.8 build differs from the classic C sources, its form is followed,
since that is the reference the tests compare against:

* RSI multiplies its Wilder averages by ``1 / period`` (CMO still divides);
* %K and %R are ``100 * (a / range)``; %R is clamped to [-100, 0], %K is not;
* %K, %R and MFI call two values equal when they are within ~1e-14 relative (``_flat``);
* MFI clamps to [0, 100] and restarts its running sums after a window without flow;
* APO/PPO run both averages from their natural start (MACD still seeds both at ``slow - 1``);
* EMA steps are one fused multiply-add ``fma(x - ema, k, ema)``, as that build was compiled.
  The batch EMA loops use the FMA instruction when the CPU has it (chosen at run time) and
  libm's ``fma`` otherwise: the same bits either way.

Streaming states (``RSIStream``, ``MACDStream``, ``StochStream``, ``ADXStream``) replay the same
recurrences one bar at a time, so their values equal the batch kernels on the same bars.
"""

from libc.math cimport NAN, fabs
from libc.stdlib cimport free, malloc

import numpy as np

cdef extern from *:
    """
    #include <math.h>
    /* EMA steps with a fused multiply-add, fma(x - ema, k, ema): one rounding, as the ta-lib 0.8
       build. fma() is exact-rounded everywhere, so every path below gives identical bits; on
       x86 with GCC/Clang the loops get an FMA-instruction version chosen at run time. */
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    #define PX_FMA_DISPATCH 1
    #endif

    #define PX_EMA_LOOP(FMA) \
        for (Py_ssize_t t = from; t < n; t++) { prev = FMA(x[t] - prev, k, prev); out[t] = prev; }

    #define PX_MACD_LOOP(FMA) \
        double slow = st[0], fast = st[1], sig = st[2]; \
        for (Py_ssize_t t = from; t < n; t++) { \
            double xt = x[t], mv; \
            slow = FMA(xt - slow, ks, slow); \
            fast = FMA(xt - fast, kf, fast); \
            mv = fast - slow; \
            sig = FMA(mv - sig, kg, sig); \
            mo[t] = mv; so[t] = sig; ho[t] = mv - sig; \
        } \
        st[0] = slow; st[1] = fast; st[2] = sig;

    static void px_ema_generic(const double* x, Py_ssize_t from, Py_ssize_t n, double k,
                               double prev, double* out) { PX_EMA_LOOP(fma) }
    static void px_macd_generic(const double* x, Py_ssize_t from, Py_ssize_t n, double ks,
                                double kf, double kg, double* st, double* mo, double* so,
                                double* ho) { PX_MACD_LOOP(fma) }
    #ifdef PX_FMA_DISPATCH
    __attribute__((target("fma")))
    static void px_ema_hw(const double* x, Py_ssize_t from, Py_ssize_t n, double k,
                          double prev, double* out) { PX_EMA_LOOP(__builtin_fma) }
    __attribute__((target("fma")))
    static void px_macd_hw(const double* x, Py_ssize_t from, Py_ssize_t n, double ks,
                           double kf, double kg, double* st, double* mo, double* so,
                           double* ho) { PX_MACD_LOOP(__builtin_fma) }
    static int px_has_fma(void) {
        static int has = -1;
        if (has < 0) { __builtin_cpu_init(); has = __builtin_cpu_supports("fma") ? 1 : 0; }
        return has;
    }
    #else
    static int px_has_fma(void) { return 0; }
    #define px_ema_hw px_ema_generic
    #define px_macd_hw px_macd_generic
    #endif

    static void px_ema_loop(const double* x, Py_ssize_t from, Py_ssize_t n, double k,
                            double prev, double* out) {
        if (px_has_fma()) px_ema_hw(x, from, n, k, prev, out);
        else px_ema_generic(x, from, n, k, prev, out);
    }
    static void px_macd_loop(const double* x, Py_ssize_t from, Py_ssize_t n, double ks,
                             double kf, double kg, double* st, double* mo, double* so,
                             double* ho) {
        if (px_has_fma()) px_macd_hw(x, from, n, ks, kf, kg, st, mo, so, ho);
        else px_macd_generic(x, from, n, ks, kf, kg, st, mo, so, ho);
    }
    """
    double fma(double x, double y, double z) nogil
    void px_ema_loop(const double* x, Py_ssize_t start, Py_ssize_t n, double k, double prev,
                     double* out) noexcept nogil
    void px_macd_loop(const double* x, Py_ssize_t start, Py_ssize_t n, double ks, double kf,
                      double kg, double* state, double* mo, double* so, double* ho) noexcept nogil

cdef inline bint is_zero(double v) noexcept nogil:
    return -1e-8 < v < 1e-8


cdef inline double true_range(double h, double l, double prev_close) noexcept nogil:
    cdef double out = h - l
    cdef double t = fabs(h - prev_close)
    if t > out:
        out = t
    t = fabs(l - prev_close)
    if t > out:
        out = t
    return out


def _nan(Py_ssize_t n):
    return np.full(n, np.nan)


def _out(Py_ssize_t n, Py_ssize_t first):
    """An output array whose kernel writes every value from ``first`` on: NaN before (skips
    filling the whole array; ``first >= n`` gives all NaN)."""
    a = np.empty(n)
    a[:first] = np.nan
    return a


def find_nan(const double[::1] x, Py_ssize_t start=0):
    """Index of the first NaN at or after ``start``, or -1 (no allocation, early exit)."""
    cdef Py_ssize_t i, n = x.shape[0], found = -1
    with nogil:
        for i in range(start, n):
            if x[i] != x[i]:
                found = i
                break
    return found


# ---------------------------------------------------------------------------------------------
# Moving averages used inside momentum indicators (TA-Lib INT_SMA / INT_EMA)


cdef void _sma_into(const double* x, Py_ssize_t n, Py_ssize_t period, Py_ssize_t start,
                    double* out) noexcept nogil:
    cdef Py_ssize_t trailing = start - (period - 1)
    cdef Py_ssize_t i = trailing
    cdef double total = 0.0, tmp
    while i < start:
        total += x[i]
        i += 1
    while i < n:
        total += x[i]
        i += 1
        tmp = total
        total -= x[trailing]
        trailing += 1
        out[i - 1] = tmp / period


cdef void _ema_into(const double* x, Py_ssize_t n, Py_ssize_t period, double k, Py_ssize_t start,
                    double* out) noexcept nogil:
    cdef Py_ssize_t today = start - (period - 1)
    cdef Py_ssize_t i
    cdef double total = 0.0, prev
    for i in range(period):
        total += x[today]
        today += 1
    prev = total / period
    out[start] = prev
    px_ema_loop(x, today, n, k, prev, out)


def sma(const double[::1] x, Py_ssize_t period, Py_ssize_t start=-1):
    """TA-Lib SMA whose first output is at ``start`` (default ``period - 1``)."""
    cdef Py_ssize_t n = x.shape[0]
    if start < 0:
        start = period - 1
    out = _out(n, start) if period >= 1 and period - 1 <= start else _nan(n)
    cdef double[::1] o = out
    if period >= 1 and period - 1 <= start < n:
        with nogil:
            _sma_into(&x[0], n, period, start, &o[0])
    return out


def ema(const double[::1] x, Py_ssize_t period, double k=-1.0, Py_ssize_t start=-1):
    """TA-Lib EMA (seeded with an SMA) whose first output is at ``start`` (default
    ``period - 1``); ``k`` defaults to ``2 / (period + 1)``."""
    cdef Py_ssize_t n = x.shape[0]
    if start < 0:
        start = period - 1
    if k < 0.0:
        k = 2.0 / (period + 1)
    out = _out(n, start) if period >= 1 and period - 1 <= start else _nan(n)
    cdef double[::1] o = out
    if period >= 1 and period - 1 <= start < n:
        with nogil:
            _ema_into(&x[0], n, period, k, start, &o[0])
    return out


def macd(const double[::1] x, Py_ssize_t fastperiod, Py_ssize_t slowperiod,
         Py_ssize_t signalperiod, double kfast=-1.0, double kslow=-1.0):
    """TA-Lib MACD in one pass: both EMAs seeded at bar ``slow - 1`` (the fast one over its last
    ``fast`` closes), the signal EMA seeded with the mean of the first ``signal`` MACD values.

    Returns ``(macd, signal, hist)``, NaN until the signal exists. Periods are swapped when
    ``slow < fast``; ``kfast``/``kslow`` override the smoothing factors (MACDFIX).
    """
    cdef Py_ssize_t n = x.shape[0], i, t, start, first
    if slowperiod < fastperiod:
        fastperiod, slowperiod = slowperiod, fastperiod
        kfast, kslow = kslow, kfast
    if kfast < 0.0:
        kfast = 2.0 / (fastperiod + 1)
    if kslow < 0.0:
        kslow = 2.0 / (slowperiod + 1)
    cdef double ksig = 2.0 / (signalperiod + 1)
    start = slowperiod - 1
    first = start + signalperiod - 1
    m_a = _out(n, first)
    s_a = _out(n, first)
    h_a = _out(n, first)
    cdef double[::1] mo = m_a, so = s_a, ho = h_a
    cdef double fast = 0.0, slow = 0.0, sig = 0.0, mv
    cdef double state[3]
    if fastperiod < 1 or signalperiod < 1 or n <= first:
        return m_a, s_a, h_a
    with nogil:
        for i in range(slowperiod):
            slow += x[i]
        slow /= slowperiod
        for i in range(slowperiod - fastperiod, slowperiod):
            fast += x[i]
        fast /= fastperiod
        mo[start] = fast - slow     # provisional MACD values feed the signal seed
        for t in range(start + 1, first + 1):
            slow = fma(x[t] - slow, kslow, slow)
            fast = fma(x[t] - fast, kfast, fast)
            mo[t] = fast - slow
        for t in range(start, first + 1):
            sig += mo[t]
        sig /= signalperiod
        for t in range(start, first):
            mo[t] = NAN
        mv = fast - slow
        mo[first] = mv
        so[first] = sig
        ho[first] = mv - sig
        state[0] = slow
        state[1] = fast
        state[2] = sig
        px_macd_loop(&x[0], first + 1, n, kslow, kfast, ksig, state, &mo[0], &so[0], &ho[0])
    return m_a, s_a, h_a


# ---------------------------------------------------------------------------------------------
# RSI / CMO (Wilder-smoothed average gain and loss)


cdef void _gain_loss_into(const double* x, Py_ssize_t n, Py_ssize_t period, bint cmo,
                          double* out) noexcept nogil:
    # Wilder averages of gains and losses, seeded with their plain means over ``period`` moves.
    # ta-lib 0.8 multiplies RSI's averages by 1/period but divides CMO's: same here, bit for bit.
    # Branch-free form of "if d < 0: loss -= d else: gain += d" (adding 0.0 changes nothing).
    # (Interior NaNs never reach these kernels: the Python layer rejects them.)
    cdef double prev = x[0], gain = 0.0, loss = 0.0, d, s, up, dn
    cdef double inv = 1.0 / period, keep = <double>(period - 1), dp = <double>period
    cdef Py_ssize_t t
    for t in range(1, period + 1):
        d = x[t] - prev
        prev = x[t]
        if d < 0:
            loss -= d
        else:
            gain += d
    if cmo:
        loss /= dp
        gain /= dp
        s = gain + loss
        out[period] = 0.0 if is_zero(s) else 100.0 * ((gain - loss) / s)
        for t in range(period + 1, n):
            d = x[t] - prev
            prev = x[t]
            up = d if d > 0.0 else 0.0
            dn = -d if d < 0.0 else 0.0
            loss = (loss * keep + dn) / dp
            gain = (gain * keep + up) / dp
            s = gain + loss
            out[t] = 0.0 if is_zero(s) else 100.0 * ((gain - loss) / s)
    else:
        loss *= inv
        gain *= inv
        s = gain + loss
        out[period] = 0.0 if is_zero(s) else 100.0 * (gain / s)
        for t in range(period + 1, n):
            d = x[t] - prev
            prev = x[t]
            up = d if d > 0.0 else 0.0
            dn = -d if d < 0.0 else 0.0
            loss = (loss * keep + dn) * inv
            gain = (gain * keep + up) * inv
            s = gain + loss
            out[t] = 0.0 if is_zero(s) else 100.0 * (gain / s)


def rsi(const double[::1] x, Py_ssize_t period):
    """TA-Lib RSI (lookback ``period``)."""
    cdef Py_ssize_t n = x.shape[0]
    out = _out(n, period if period >= 2 else n)
    cdef double[::1] o = out
    if period >= 2 and n > period:
        with nogil:
            _gain_loss_into(&x[0], n, period, False, &o[0])
    return out


def cmo(const double[::1] x, Py_ssize_t period):
    """TA-Lib CMO (lookback ``period``)."""
    cdef Py_ssize_t n = x.shape[0]
    out = _out(n, period if period >= 2 else n)
    cdef double[::1] o = out
    if period >= 2 and n > period:
        with nogil:
            _gain_loss_into(&x[0], n, period, True, &o[0])
    return out


# ---------------------------------------------------------------------------------------------
# Directional movement: PLUS_DM, MINUS_DM, PLUS_DI, MINUS_DI, DX, ADX in one Wilder pass

cdef enum:
    K_DM_PLUS = 0
    K_DM_MINUS = 1
    K_DI_PLUS = 2
    K_DI_MINUS = 3
    K_DX = 4
    K_ADX = 5

DM_PLUS = K_DM_PLUS
DM_MINUS = K_DM_MINUS
DI_PLUS = K_DI_PLUS
DI_MINUS = K_DI_MINUS
DX = K_DX
ADX = K_ADX


cdef void _dmi_into(const double* h, const double* l, const double* c, Py_ssize_t n,
                    Py_ssize_t period, int which, double* out) noexcept nogil:
    cdef double ph = h[0], pl = l[0], pc = c[0]
    cdef double pdm = 0.0, mdm = 0.0, tr = 0.0, dp, dm, pdi, mdi, s, v
    cdef double sumdx = 0.0, adx = 0.0, prev_dx = 0.0
    cdef bint ok
    cdef Py_ssize_t t
    for t in range(1, n):
        dp = h[t] - ph
        ph = h[t]
        dm = pl - l[t]
        pl = l[t]
        if t < period:
            # seed: plain sums over the first period - 1 moves
            if dm > 0 and dp < dm:
                mdm += dm
            elif dp > 0 and dp > dm:
                pdm += dp
            tr += true_range(ph, pl, pc)
            pc = c[t]
            if t == period - 1:
                if which == K_DM_PLUS:
                    out[t] = pdm
                elif which == K_DM_MINUS:
                    out[t] = mdm
            continue
        mdm -= mdm / period
        pdm -= pdm / period
        if dm > 0 and dp < dm:
            mdm += dm
        elif dp > 0 and dp > dm:
            pdm += dp
        tr = tr - (tr / period) + true_range(ph, pl, pc)
        pc = c[t]
        if which == K_DM_PLUS:
            out[t] = pdm
        elif which == K_DM_MINUS:
            out[t] = mdm
        elif which == K_DI_PLUS:
            out[t] = 0.0 if is_zero(tr) else 100.0 * (pdm / tr)
        elif which == K_DI_MINUS:
            out[t] = 0.0 if is_zero(tr) else 100.0 * (mdm / tr)
        elif which == K_DX:
            v = prev_dx if t > period else 0.0
            if not is_zero(tr):
                mdi = 100.0 * (mdm / tr)
                pdi = 100.0 * (pdm / tr)
                s = mdi + pdi
                if not is_zero(s):
                    v = 100.0 * (fabs(mdi - pdi) / s)
            out[t] = v
            prev_dx = v
        else:  # ADX: a bar whose ranges vanish adds no DX term
            ok = False
            if not is_zero(tr):
                mdi = 100.0 * (mdm / tr)
                pdi = 100.0 * (pdm / tr)
                s = mdi + pdi
                if not is_zero(s):
                    v = 100.0 * (fabs(mdi - pdi) / s)
                    ok = True
            if t < 2 * period:
                if ok:
                    sumdx += v
                if t == 2 * period - 1:
                    adx = sumdx / period
                    out[t] = adx
            else:
                if ok:
                    adx = ((adx * (period - 1)) + v) / period
                out[t] = adx


cdef void _dmi1_into(const double* h, const double* l, const double* c, Py_ssize_t n,
                     int which, double* out) noexcept nogil:
    # period 1: raw (unsmoothed) directional movement / indicator
    cdef double dp, dm, r
    cdef Py_ssize_t t
    for t in range(1, n):
        dp = h[t] - h[t - 1]
        dm = l[t - 1] - l[t]
        if which == K_DM_PLUS or which == K_DI_PLUS:
            if dp > 0 and dp > dm:
                if which == K_DM_PLUS:
                    out[t] = dp
                else:
                    r = true_range(h[t], l[t], c[t - 1])
                    out[t] = 0.0 if is_zero(r) else dp / r
            else:
                out[t] = 0.0
        else:
            if dm > 0 and dp < dm:
                if which == K_DM_MINUS:
                    out[t] = dm
                else:
                    r = true_range(h[t], l[t], c[t - 1])
                    out[t] = 0.0 if is_zero(r) else dm / r
            else:
                out[t] = 0.0


def dmi(const double[::1] high, const double[::1] low, const double[::1] close,
        Py_ssize_t period, int which):
    """One of PLUS_DM, MINUS_DM, PLUS_DI, MINUS_DI, DX, ADX (``which``: the module constants)."""
    cdef Py_ssize_t n = high.shape[0]
    out = _nan(n)
    cdef double[::1] o = out
    if n < 2 or period < 1 or low.shape[0] != n or close.shape[0] != n:
        return out
    with nogil:
        if period == 1:
            _dmi1_into(&high[0], &low[0], &close[0], n, which, &o[0])
        else:
            _dmi_into(&high[0], &low[0], &close[0], n, period, which, &o[0])
    return out


# ---------------------------------------------------------------------------------------------
# Rolling extremes: STOCHF %K, WILLR, AROON


cdef void _roll_ext_into(const double* h, const double* l, Py_ssize_t n, Py_ssize_t period,
                         double* hi_out, double* lo_out) noexcept nogil:
    cdef Py_ssize_t today, i, trailing, hi_at = -1, lo_at = -1
    cdef double hi = 0.0, lo = 0.0, v
    if period <= 16:
        # short windows: a branch-free scan beats tracking the extreme (unpredictable branches)
        for today in range(period - 1, n):
            trailing = today - period + 1
            hi = h[trailing]
            lo = l[trailing]
            for i in range(trailing + 1, today + 1):
                v = h[i]
                hi = v if v > hi else hi
                v = l[i]
                lo = v if v < lo else lo
            hi_out[today] = hi
            lo_out[today] = lo
        return
    for today in range(period - 1, n):
        trailing = today - period + 1
        if lo_at < trailing:
            lo_at = trailing
            lo = l[trailing]
            for i in range(trailing + 1, today + 1):
                if l[i] < lo:
                    lo = l[i]
                    lo_at = i
        elif l[today] <= lo:
            lo = l[today]
            lo_at = today
        if hi_at < trailing:
            hi_at = trailing
            hi = h[trailing]
            for i in range(trailing + 1, today + 1):
                if h[i] > hi:
                    hi = h[i]
                    hi_at = i
        elif h[today] >= hi:
            hi = h[today]
            hi_at = today
        hi_out[today] = hi
        lo_out[today] = lo


cdef inline bint _flat(double hi, double lo, double diff) noexcept nogil:
    # ta-lib 0.8 treats a window as flat when its range is within ~1e-14 relative of its level
    # (measured: a range of 2.0e-14 * level is flat, 2.02e-14 is not), not only when exactly 0
    return diff <= 1e-14 * (fabs(hi) + fabs(lo))


cdef inline double _fastk(double hi, double lo, double close) noexcept nogil:
    # ta-lib 0.8: 100 * ((close - lowest) / (highest - lowest)), not clamped; 0 if flat
    cdef double diff = hi - lo
    if _flat(hi, lo, diff):
        return 0.0
    return 100.0 * ((close - lo) / diff)


def stoch_fastk(const double[::1] high, const double[::1] low, const double[::1] close,
                Py_ssize_t period):
    """TA-Lib fast %K: ``(close - lowest) / ((highest - lowest) / 100)``, 0 on a flat window."""
    cdef Py_ssize_t n = high.shape[0], t
    out = _nan(n)
    hi_a = _nan(n)
    lo_a = _nan(n)
    cdef double[::1] o = out, hi = hi_a, lo = lo_a
    cdef double diff
    if period < 1 or n < period:
        return out
    with nogil:
        _roll_ext_into(&high[0], &low[0], n, period, &hi[0], &lo[0])
        for t in range(period - 1, n):
            o[t] = _fastk(hi[t], lo[t], close[t])
    return out


cdef inline void _scan_ext(const double* h, const double* l, Py_ssize_t a, Py_ssize_t b,
                           double* hi, double* lo) noexcept nogil:
    """Highest ``h`` and lowest ``l`` over ``[a, b]`` (branch-free)."""
    cdef double x = h[a], y = l[a], v
    cdef Py_ssize_t i
    for i in range(a + 1, b + 1):
        v = h[i]
        x = v if v > x else x
        v = l[i]
        y = v if v < y else y
    hi[0] = x
    lo[0] = y


def stoch(const double[::1] high, const double[::1] low, const double[::1] close,
          Py_ssize_t fastk_period, Py_ssize_t slowk_period, int slowk_matype,
          Py_ssize_t slowd_period, int slowd_matype):
    """TA-Lib STOCH with SMA/EMA smoothing in one pass (the same moving-average steps as
    ``StochStream``). Returns ``(slowk, slowd)``, both NaN until ``slowd`` exists."""
    cdef Py_ssize_t n = high.shape[0], t
    cdef Py_ssize_t first = (fastk_period - 1 + (slowk_period - 1 if slowk_period > 1 else 0)
                             + (slowd_period - 1 if slowd_period > 1 else 0))
    k_a = _out(n, first if fastk_period >= 1 else n)
    d_a = _out(n, first if fastk_period >= 1 else n)
    cdef double[::1] ko = k_a, do = d_a, hi, lo
    cdef double h1, l1
    cdef MAState km, dm
    cdef bint big = fastk_period > 16
    km.ring = NULL
    dm.ring = NULL
    if fastk_period < 1 or n < fastk_period:
        return k_a, d_a
    if big:
        hi_a = _nan(n)
        lo_a = _nan(n)
        hi = hi_a
        lo = lo_a
    try:
        _ma_init(&km, slowk_period, slowk_matype)
        _ma_init(&dm, slowd_period, slowd_matype)
        with nogil:
            if big:
                _roll_ext_into(&high[0], &low[0], n, fastk_period, &hi[0], &lo[0])
            for t in range(fastk_period - 1, n):
                if big:
                    h1 = hi[t]
                    l1 = lo[t]
                else:
                    _scan_ext(&high[0], &low[0], t - fastk_period + 1, t, &h1, &l1)
                if _ma_push(&km, _fastk(h1, l1, close[t])) and _ma_push(&dm, km.value):
                    ko[t] = km.value
                    do[t] = dm.value
    finally:
        free(km.ring)
        free(dm.ring)
    return k_a, d_a


def willr(const double[::1] high, const double[::1] low, const double[::1] close,
          Py_ssize_t period):
    """TA-Lib Williams %R: ``(highest - close) / ((highest - lowest) / -100)``."""
    cdef Py_ssize_t n = high.shape[0], t
    out = _nan(n)
    hi_a = _nan(n)
    lo_a = _nan(n)
    cdef double[::1] o = out, hi = hi_a, lo = lo_a
    cdef double diff, v
    if period < 1 or n < period:
        return out
    with nogil:
        _roll_ext_into(&high[0], &low[0], n, period, &hi[0], &lo[0])
        for t in range(period - 1, n):
            diff = hi[t] - lo[t]
            if not _flat(hi[t], lo[t], diff):
                v = -100.0 * ((hi[t] - close[t]) / diff)
                o[t] = -100.0 if v < -100.0 else (0.0 if v > 0.0 else v)
            else:
                o[t] = 0.0
    return out


def aroon(const double[::1] high, const double[::1] low, Py_ssize_t period):
    """TA-Lib AROON over ``period + 1`` bars; ties go to the most recent extreme.

    Returns ``(down, up, osc)``.
    """
    cdef Py_ssize_t n = high.shape[0], today, i, trailing, hi_at = -1, lo_at = -1
    down_a = _nan(n)
    up_a = _nan(n)
    osc_a = _nan(n)
    cdef double[::1] down = down_a, up = up_a, osc = osc_a
    cdef double hi = 0.0, lo = 0.0, factor = 100.0 / period
    if period < 1 or n <= period:
        return down_a, up_a, osc_a
    with nogil:
        for today in range(period, n):
            trailing = today - period
            if lo_at < trailing:
                lo_at = trailing
                lo = low[trailing]
                for i in range(trailing + 1, today + 1):
                    if low[i] <= lo:
                        lo = low[i]
                        lo_at = i
            elif low[today] <= lo:
                lo = low[today]
                lo_at = today
            if hi_at < trailing:
                hi_at = trailing
                hi = high[trailing]
                for i in range(trailing + 1, today + 1):
                    if high[i] >= hi:
                        hi = high[i]
                        hi_at = i
            elif high[today] >= hi:
                hi = high[today]
                hi_at = today
            up[today] = factor * (period - (today - hi_at))
            down[today] = factor * (period - (today - lo_at))
            osc[today] = factor * (hi_at - lo_at)
    return down_a, up_a, osc_a


# ---------------------------------------------------------------------------------------------
# CCI, MFI, ULTOSC


def cci(const double[::1] high, const double[::1] low, const double[::1] close,
        Py_ssize_t period):
    """TA-Lib CCI: (tp - mean) / (0.015 * mean absolute deviation) over ``period`` bars."""
    cdef Py_ssize_t n = high.shape[0], t, j, base, first
    out = _nan(n)
    tp_a = np.empty(n)
    cdef double[::1] o = out, tp = tp_a
    cdef double avg, dev, last
    if period < 1 or n < period:
        return out
    with nogil:
        for t in range(n):
            tp[t] = (high[t] + low[t] + close[t]) / 3
        # sums run over TA-Lib's circular buffer in slot order (bar b sits in slot b % period),
        # which decides the last bits (and whether tp - mean is exactly 0)
        for t in range(period - 1, n):
            base = t - period + 1
            first = base % period
            avg = 0.0
            for j in range(period):
                avg += tp[base + ((j - first + period) % period)]
            avg /= period
            dev = 0.0
            for j in range(period):
                dev += fabs(tp[base + ((j - first + period) % period)] - avg)
            last = tp[t] - avg
            if not is_zero(last) and not is_zero(dev):
                o[t] = last / (0.015 * (dev / period))
            else:
                o[t] = 0.0
    return out


def mfi(const double[::1] high, const double[::1] low, const double[::1] close,
        const double[::1] volume, Py_ssize_t period):
    """TA-Lib MFI: running positive/negative money-flow sums over ``period`` bars."""
    cdef Py_ssize_t n = high.shape[0], t, slot = 0
    out = _nan(n)
    pos_a = np.zeros(period if period > 0 else 1)
    neg_a = np.zeros(period if period > 0 else 1)
    cdef double[::1] o = out, pos = pos_a, neg = neg_a
    cdef double prev, tp, d, flow, pos_sum = 0.0, neg_sum = 0.0, total
    if period < 1 or n <= period:
        return out
    with nogil:
        prev = (high[0] + low[0] + close[0]) / 3.0
        for t in range(1, n):
            if t > period:
                pos_sum -= pos[slot]
                neg_sum -= neg[slot]
            tp = (high[t] + low[t] + close[t]) / 3.0
            d = tp - prev
            # ta-lib 0.8: typical prices within ~1e-14 relative are equal (no flow either way)
            if _flat(tp, prev, fabs(d)):
                d = 0.0
            prev = tp
            flow = tp * volume[t]
            if d < 0:
                neg[slot] = flow
                neg_sum += flow
                pos[slot] = 0.0
            elif d > 0:
                pos[slot] = flow
                pos_sum += flow
                neg[slot] = 0.0
            else:
                pos[slot] = 0.0
                neg[slot] = 0.0
            slot += 1
            if slot == period:
                slot = 0
            if t >= period:
                total = pos_sum + neg_sum
                if total < 1.0:
                    # no flow in the window: ta-lib 0.8 restarts the sums from 0 (drops residue)
                    o[t] = 0.0
                    pos_sum = 0.0
                    neg_sum = 0.0
                else:  # ta-lib 0.8 clamps to [0, 100] (running-sum residue)
                    flow = 100.0 * (pos_sum / total)
                    o[t] = 0.0 if flow < 0.0 else (100.0 if flow > 100.0 else flow)
    return out


cdef inline void _ult_terms(const double* h, const double* l, const double* c, Py_ssize_t day,
                            double* a, double* b) noexcept nogil:
    cdef double lt = l[day], ht = h[day], cy = c[day - 1], tl, r, t
    tl = lt if lt < cy else cy
    a[0] = c[day] - tl
    r = ht - lt
    t = fabs(cy - ht)
    if t > r:
        r = t
    t = fabs(cy - lt)
    if t > r:
        r = t
    b[0] = r


def ultosc(const double[::1] high, const double[::1] low, const double[::1] close,
           Py_ssize_t p1, Py_ssize_t p2, Py_ssize_t p3):
    """TA-Lib ULTOSC; the three periods are sorted (weights 4, 2, 1 from shortest to longest)."""
    cdef Py_ssize_t n = high.shape[0], i, today, t1, t2, t3, start
    cdef Py_ssize_t s[3]
    s[0] = p1
    s[1] = p2
    s[2] = p3
    # sort ascending
    if s[0] > s[1]:
        s[0], s[1] = s[1], s[0]
    if s[1] > s[2]:
        s[1], s[2] = s[2], s[1]
    if s[0] > s[1]:
        s[0], s[1] = s[1], s[0]
    out = _nan(n)
    cdef double[::1] o = out
    cdef double a1 = 0.0, a2 = 0.0, a3 = 0.0, b1 = 0.0, b2 = 0.0, b3 = 0.0, a, b, v
    start = s[2]
    if s[0] < 1 or n <= start:
        return out
    with nogil:
        for i in range(start - s[0] + 1, start):
            _ult_terms(&high[0], &low[0], &close[0], i, &a, &b)
            a1 += a
            b1 += b
        for i in range(start - s[1] + 1, start):
            _ult_terms(&high[0], &low[0], &close[0], i, &a, &b)
            a2 += a
            b2 += b
        for i in range(start - s[2] + 1, start):
            _ult_terms(&high[0], &low[0], &close[0], i, &a, &b)
            a3 += a
            b3 += b
        t1 = start - s[0] + 1
        t2 = start - s[1] + 1
        t3 = start - s[2] + 1
        for today in range(start, n):
            _ult_terms(&high[0], &low[0], &close[0], today, &a, &b)
            a1 += a
            a2 += a
            a3 += a
            b1 += b
            b2 += b
            b3 += b
            v = 0.0
            if not is_zero(b1):
                v += 4.0 * (a1 / b1)
            if not is_zero(b2):
                v += 2.0 * (a2 / b2)
            if not is_zero(b3):
                v += a3 / b3
            _ult_terms(&high[0], &low[0], &close[0], t1, &a, &b)
            a1 -= a
            b1 -= b
            _ult_terms(&high[0], &low[0], &close[0], t2, &a, &b)
            a2 -= a
            b2 -= b
            _ult_terms(&high[0], &low[0], &close[0], t3, &a, &b)
            a3 -= a
            b3 -= b
            o[today] = 100.0 * (v / 7.0)
            t1 += 1
            t2 += 1
            t3 += 1
    return out


# ---------------------------------------------------------------------------------------------
# Streaming states


cdef class RSIStream:
    """Incremental TA-Lib RSI: ``update(close)`` returns the RSI of the bars so far (NaN while
    fewer than ``period + 1`` bars were seen)."""

    def __cinit__(self, Py_ssize_t period):
        if period < 2:
            raise ValueError("period must be >= 2")
        self.period = period
        self.count = 0
        self._inv = 1.0 / period
        self._value = NAN

    cpdef double update(self, double close):
        cdef Py_ssize_t p = self.period
        cdef double d, s
        self.count += 1
        if self.count == 1:
            self._prev = close
            self._gain = 0.0
            self._loss = 0.0
            return NAN
        d = close - self._prev
        self._prev = close
        if self.count <= p + 1:
            if d < 0:
                self._loss -= d
            else:
                self._gain += d
            if self.count < p + 1:
                return NAN
        else:
            self._loss *= <double>(p - 1)
            self._gain *= <double>(p - 1)
            if d < 0:
                self._loss -= d
            else:
                self._gain += d
        self._loss *= self._inv
        self._gain *= self._inv
        s = self._gain + self._loss
        self._value = 0.0 if is_zero(s) else 100.0 * (self._gain / s)
        return self._value

    cpdef double peek(self, double close):
        """The RSI if ``close`` were the next bar, without committing it."""
        cdef Py_ssize_t count = self.count
        cdef double prev = self._prev, gain = self._gain, loss = self._loss, value = self._value
        cdef double v = self.update(close)
        self.count = count
        self._prev = prev
        self._gain = gain
        self._loss = loss
        self._value = value
        return v

    @property
    def value(self):
        """The latest RSI (NaN during warm-up)."""
        return self._value if self.count > self.period else NAN


cdef class MACDStream:
    """Incremental TA-Lib MACD (EMA seeds as TA-Lib: both EMAs start at bar ``slowperiod - 1``;
    ``kfast``/``kslow`` override the smoothing factors as MACDFIX does).

    ``update(close)`` returns ``(macd, signal, hist)``, NaNs over the warm-up.
    """

    def __cinit__(self, Py_ssize_t fastperiod, Py_ssize_t slowperiod, Py_ssize_t signalperiod,
                  double kfast=-1.0, double kslow=-1.0):
        if fastperiod < 1 or slowperiod < 1 or signalperiod < 1:
            raise ValueError("periods must be >= 1")
        if slowperiod < fastperiod:
            fastperiod, slowperiod = slowperiod, fastperiod
            kfast, kslow = kslow, kfast
        self.fastperiod = fastperiod
        self.slowperiod = slowperiod
        self.signalperiod = signalperiod
        self._kfast = kfast if kfast >= 0.0 else 2.0 / (fastperiod + 1)
        self._kslow = kslow if kslow >= 0.0 else 2.0 / (slowperiod + 1)
        self._ksignal = 2.0 / (signalperiod + 1)
        self._first = <double*>malloc(slowperiod * sizeof(double))
        self._first_macd = <double*>malloc(signalperiod * sizeof(double))
        if self._first == NULL or self._first_macd == NULL:
            raise MemoryError()
        self.count = 0
        self._nmacd = 0
        self._macd = NAN
        self._signal = NAN
        self._hist = NAN

    def __dealloc__(self):
        free(self._first)
        free(self._first_macd)

    cdef int _step(self, double close) noexcept nogil:
        cdef Py_ssize_t i, slow = self.slowperiod, fast = self.fastperiod
        cdef double total, macd
        if self.count < slow:
            self._first[self.count] = close
            self.count += 1
            if self.count < slow:
                return 0
            total = 0.0
            for i in range(slow):
                total += self._first[i]
            self._slow = total / slow
            total = 0.0
            for i in range(slow - fast, slow):
                total += self._first[i]
            self._fast = total / fast
        else:
            self.count += 1
            self._slow = fma(close - self._slow, self._kslow, self._slow)
            self._fast = fma(close - self._fast, self._kfast, self._fast)
        macd = self._fast - self._slow
        if self._nmacd < self.signalperiod:
            self._first_macd[self._nmacd] = macd
            self._nmacd += 1
            if self._nmacd < self.signalperiod:
                return 0
            total = 0.0
            for i in range(self.signalperiod):
                total += self._first_macd[i]
            self._signal = total / self.signalperiod
        else:
            self._signal = fma(macd - self._signal, self._ksignal, self._signal)
        self._macd = macd
        self._hist = macd - self._signal
        return 1

    cpdef tuple update(self, double close):
        if self._step(close):
            return (self._macd, self._signal, self._hist)
        return (NAN, NAN, NAN)

    cpdef tuple peek(self, double close):
        """``update(close)`` without committing the bar (warm-up buffers are only written past
        the committed count, so restoring the scalars restores the state)."""
        cdef Py_ssize_t count = self.count, nmacd = self._nmacd
        cdef double fast = self._fast, slow = self._slow, sig = self._signal
        cdef double macd = self._macd, hist = self._hist
        cdef tuple r = self.update(close)
        self.count = count
        self._nmacd = nmacd
        self._fast = fast
        self._slow = slow
        self._signal = sig
        self._macd = macd
        self._hist = hist
        return r

    @property
    def value(self):
        """The latest ``(macd, signal, hist)`` (NaNs during warm-up)."""
        return (self._macd, self._signal, self._hist)


cdef int _ma_init(MAState* m, Py_ssize_t period, int matype) except -1:
    if period < 1:
        raise ValueError("period must be >= 1")
    if matype != 0 and matype != 1:
        raise ValueError("streaming moving averages support matype 0 (SMA) and 1 (EMA)")
    m.period = period
    m.matype = matype
    m.k = 2.0 / (period + 1)
    m.count = 0
    m.slot = 0
    m.total = 0.0
    m.value = NAN
    m.ring = <double*>malloc(period * sizeof(double))
    if m.ring == NULL:
        raise MemoryError()
    return 0


cdef inline bint _ma_push(MAState* m, double x) noexcept nogil:
    """Feed one value; True when ``m.value`` holds a moving-average value."""
    cdef Py_ssize_t p = m.period, c = m.count
    cdef Py_ssize_t i
    m.count = c + 1
    if p == 1:
        m.value = x
        return True
    if m.matype == 0:
        m.ring[m.slot] = x          # slot == c % p
        m.total += x
        m.slot += 1
        if m.slot == p:
            m.slot = 0
        if c < p - 1:
            return False
        m.value = m.total / p
        m.total -= m.ring[m.slot]   # the oldest value of the window, (c + 1) % p
        return True
    if c < p:
        m.ring[c] = x
        if c < p - 1:
            return False
        m.total = 0.0
        for i in range(p):
            m.total += m.ring[i]
        m.value = m.total / p
        return True
    m.value = fma(x - m.value, m.k, m.value)
    return True


cdef class StochStream:
    """Incremental TA-Lib STOCH (slow %K, slow %D); ``slowk_matype``/``slowd_matype`` may be
    0 (SMA) or 1 (EMA). ``update(high, low, close)`` returns ``(slowk, slowd)``."""

    def __cinit__(self, Py_ssize_t fastk_period, Py_ssize_t slowk_period, int slowk_matype,
                  Py_ssize_t slowd_period, int slowd_matype):
        if fastk_period < 1:
            raise ValueError("fastk_period must be >= 1")
        self.fastk_period = fastk_period
        self.count = 0
        self._ext.period = fastk_period
        self._ext.count = 0
        self._ext.hi_at = -1
        self._ext.lo_at = -1
        self._ext.highs = <double*>malloc(fastk_period * sizeof(double))
        self._ext.lows = <double*>malloc(fastk_period * sizeof(double))
        self._k.ring = NULL
        self._d.ring = NULL
        if self._ext.highs == NULL or self._ext.lows == NULL:
            raise MemoryError()
        _ma_init(&self._k, slowk_period, slowk_matype)
        _ma_init(&self._d, slowd_period, slowd_matype)
        self._slowk = NAN
        self._slowd = NAN

    def __dealloc__(self):
        free(self._ext.highs)
        free(self._ext.lows)
        free(self._k.ring)
        free(self._d.ring)

    cdef int _step(self, double high, double low, double close) noexcept nogil:
        cdef RollExt* e = &self._ext
        cdef Py_ssize_t p = e.period, t = e.count, trailing, i, j
        cdef double fastk
        e.highs[t % p] = high
        e.lows[t % p] = low
        e.count = t + 1
        self.count += 1
        if t < p - 1:
            return 0
        trailing = t - p + 1
        if e.lo_at < trailing:
            e.lo_at = trailing
            e.lo = e.lows[trailing % p]
            for i in range(trailing + 1, t + 1):
                j = i % p
                if e.lows[j] < e.lo:
                    e.lo = e.lows[j]
                    e.lo_at = i
        elif low <= e.lo:
            e.lo = low
            e.lo_at = t
        if e.hi_at < trailing:
            e.hi_at = trailing
            e.hi = e.highs[trailing % p]
            for i in range(trailing + 1, t + 1):
                j = i % p
                if e.highs[j] > e.hi:
                    e.hi = e.highs[j]
                    e.hi_at = i
        elif high >= e.hi:
            e.hi = high
            e.hi_at = t
        fastk = _fastk(e.hi, e.lo, close)
        if not _ma_push(&self._k, fastk):
            return 0
        if not _ma_push(&self._d, self._k.value):
            return 0
        self._slowk = self._k.value
        self._slowd = self._d.value
        return 1

    cpdef tuple update(self, double high, double low, double close):
        if self._step(high, low, close):
            return (self._slowk, self._slowd)
        return (NAN, NAN)

    cpdef tuple peek(self, double high, double low, double close):
        """``update(...)`` without committing the bar. The ring slots it writes hold bars that
        already left every window, so restoring the scalar state restores the stream."""
        cdef Py_ssize_t count = self.count
        cdef RollExt ext = self._ext
        cdef MAState k = self._k, d = self._d
        cdef double slowk = self._slowk, slowd = self._slowd
        cdef tuple r = self.update(high, low, close)
        self.count = count
        self._ext = ext
        self._k = k
        self._d = d
        self._slowk = slowk
        self._slowd = slowd
        return r

    @property
    def value(self):
        """The latest ``(slowk, slowd)`` (NaNs during warm-up)."""
        return (self._slowk, self._slowd)


cdef class ADXStream:
    """Incremental TA-Lib ADX: ``update(high, low, close)`` returns the ADX of the bars so far
    (NaN over the first ``2 * period - 1`` bars)."""

    def __cinit__(self, Py_ssize_t period):
        if period < 2:
            raise ValueError("period must be >= 2")
        self.period = period
        self.count = 0
        self._value = NAN

    cpdef double update(self, double high, double low, double close):
        cdef Py_ssize_t p = self.period, t = self.count
        cdef double dp, dm, mdi, pdi, s, v = 0.0
        cdef bint ok
        self.count = t + 1
        if t == 0:
            self._ph = high
            self._pl = low
            self._pc = close
            self._pdm = 0.0
            self._mdm = 0.0
            self._tr = 0.0
            self._sumdx = 0.0
            return NAN
        dp = high - self._ph
        self._ph = high
        dm = self._pl - low
        self._pl = low
        if t < p:
            if dm > 0 and dp < dm:
                self._mdm += dm
            elif dp > 0 and dp > dm:
                self._pdm += dp
            self._tr += true_range(high, low, self._pc)
            self._pc = close
            return NAN
        self._mdm -= self._mdm / p
        self._pdm -= self._pdm / p
        if dm > 0 and dp < dm:
            self._mdm += dm
        elif dp > 0 and dp > dm:
            self._pdm += dp
        self._tr = self._tr - (self._tr / p) + true_range(high, low, self._pc)
        self._pc = close
        ok = False
        if not is_zero(self._tr):
            mdi = 100.0 * (self._mdm / self._tr)
            pdi = 100.0 * (self._pdm / self._tr)
            s = mdi + pdi
            if not is_zero(s):
                v = 100.0 * (fabs(mdi - pdi) / s)
                ok = True
        if t < 2 * p:
            if ok:
                self._sumdx += v
            if t < 2 * p - 1:
                return NAN
            self._adx = self._sumdx / p
        elif ok:
            self._adx = ((self._adx * (p - 1)) + v) / p
        self._value = self._adx
        return self._value

    cpdef double peek(self, double high, double low, double close):
        """The ADX if this were the next bar, without committing it."""
        cdef Py_ssize_t count = self.count
        cdef double ph = self._ph, pl = self._pl, pc = self._pc, pdm = self._pdm
        cdef double mdm = self._mdm, tr = self._tr, sumdx = self._sumdx, adx = self._adx
        cdef double value = self._value
        cdef double v = self.update(high, low, close)
        self.count = count
        self._ph = ph
        self._pl = pl
        self._pc = pc
        self._pdm = pdm
        self._mdm = mdm
        self._tr = tr
        self._sumdx = sumdx
        self._adx = adx
        self._value = value
        return v

    @property
    def value(self):
        """The latest ADX (NaN during warm-up)."""
        return self._value
