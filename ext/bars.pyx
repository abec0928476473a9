# cython: language_level=3
"""Multi-timeframe OHLCV bar engine (implementation); the interface and rules are in ``bars.pxd``.

Python API summary (types in ``projectx/_native/bars.pyi``)::

    engine = BarEngine(["1sec", "1min", "5min", "1day"], capacity=10_000)
    mask = engine.update(ts_ns, price, volume)       # bit i set: timeframes[i] closed a bar
    closed = engine.update_batch(ts_ns, price, volume)  # {timeframe: bars closed}
    engine.forming("1min"); engine.last_closed("1min"); engine.get_data("1min", bars=100)

Late trades: a trade older than the forming bar's period start is added to the forming bar
(high/low/close/volume/trades, as if it were on time) and counted in ``late_trades``.

History: ``load_bars`` (before any live trade) stores all but the last given bar as closed bars
and makes the last one the forming bar; a live trade in its period continues it, a later trade
closes it (it is then reported like any other closed bar).
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.math cimport isfinite
from libc.stdint cimport INT64_MAX, INT64_MIN, int64_t
from libc.string cimport memset

from projectx._native.ring cimport BarRing, bar_write

from collections import namedtuple

import numpy as np

from projectx.exceptions import ValidationError
from projectx.timeframes import calendar_period, parse_timeframe

DEFAULT_CAPACITY = 10_000
MAX_TIMEFRAMES = 63

cdef enum:
    CHUNK = 4096  # trades per tf-major pass in update_batch (stays in L1/L2 cache)

Bar = namedtuple("Bar", ["ts_ns", "open", "high", "low", "close", "volume", "trades"])
Bar.__doc__ = "One OHLCV bar; ``ts_ns`` is the bar's open time (int64 ns UTC)."
Bar.__module__ = __name__


class InvalidTradeError(ValidationError):
    """A trade with a non-finite price or a negative volume (rejected, never half-applied)."""


class BarEngineStateError(ValidationError):
    """An operation not allowed in the engine's current state (e.g. history after live trades)."""


def _column(values, dtype, name):
    """``values`` as a 1-D C-contiguous array of ``dtype`` (no copy when it already is one)."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValidationError(f"update_batch: {name} must be 1-D, got shape {arr.shape}")
    if arr.dtype != dtype:
        try:
            arr = arr.astype(dtype, casting="safe")
        except TypeError:
            raise ValidationError(
                f"update_batch: {name} of dtype {arr.dtype} cannot be safely cast to "
                f"{np.dtype(dtype)}"
            ) from None
    return np.ascontiguousarray(arr)


cdef inline void _set_intraday_period(TfState* tf, int64_t ts_ns) noexcept nogil:
    cdef int64_t rem = ts_ns % tf.length_ns
    if rem < 0:
        rem += tf.length_ns
    tf.start_ns = ts_ns - rem
    tf.label_ns = tf.start_ns
    if tf.start_ns > INT64_MAX - tf.length_ns:
        tf.next_close_ns = INT64_MAX
    else:
        tf.next_close_ns = tf.start_ns + tf.length_ns


cdef inline void _close_bar(TfState* tf) noexcept nogil:
    bar_write(tf.ring, tf.cols, tf.label_ns, tf.open, tf.high, tf.low, tf.close, tf.volume,
              tf.trades)
    tf.closed_bars += 1
    tf.forming = 0


cdef class BarEngine:
    """Builds OHLCV bars for every timeframe of one contract from its trades.

    ``timeframes``: strings such as ``"1sec"``, ``"5min"``, ``"4hr"``, ``"1day"``, ``"1week"``,
    ``"1month"`` (at most 63, no duplicates; order defines the bits of the closed-bar masks).
    ``capacity``: closed bars kept per timeframe (an int, or a mapping timeframe -> int with
    missing ones at ``DEFAULT_CAPACITY``).
    """

    def __cinit__(self):
        self._tf = NULL

    def __init__(self, timeframes, capacity=DEFAULT_CAPACITY):
        cdef Py_ssize_t i
        cdef BarRing ring
        parsed = [parse_timeframe(t) for t in timeframes]
        if not parsed:
            raise ValidationError("BarEngine needs at least one timeframe")
        if len(parsed) > MAX_TIMEFRAMES:
            raise ValidationError(f"BarEngine supports at most {MAX_TIMEFRAMES} timeframes")
        names = tuple(p.name for p in parsed)
        if len(set(names)) != len(names):
            raise ValidationError(f"duplicate timeframes in {list(timeframes)}")
        if isinstance(capacity, int):
            capacities = [capacity] * len(names)
        else:
            unknown = {parse_timeframe(k).name for k in capacity} - set(names)
            if unknown:
                raise ValidationError(f"capacity given for unknown timeframes {sorted(unknown)}")
            by_name = {parse_timeframe(k).name: v for k, v in capacity.items()}
            capacities = [by_name.get(n, DEFAULT_CAPACITY) for n in names]
        for cap in capacities:
            if not isinstance(cap, int) or cap < 1:
                raise ValidationError(f"capacity must be an int >= 1, got {cap!r}")
        self._tf = <TfState*>PyMem_Malloc(len(names) * sizeof(TfState))
        if self._tf == NULL:
            raise MemoryError()
        memset(self._tf, 0, len(names) * sizeof(TfState))
        self.n_timeframes = len(names)
        self.timeframes = names
        self._index = {n: i for i, n in enumerate(names)}
        self._rings = []
        self._period = calendar_period
        for i in range(self.n_timeframes):
            ring = BarRing(capacities[i])
            self._rings.append(ring)
            self._tf[i].length_ns = parsed[i].length_ns
            self._tf[i].kind = int(parsed[i].kind)
            self._tf[i].next_close_ns = INT64_MIN
            self._tf[i].start_ns = INT64_MIN
            self._tf[i].ring = &ring.idx
            self._tf[i].cols = ring.cols

    def __dealloc__(self):
        PyMem_Free(self._tf)

    def __repr__(self):
        return f"BarEngine({list(self.timeframes)}, trades={self.trades})"

    # -- the per-trade path ------------------------------------------------------------------

    cdef int64_t on_trade(self, int64_t ts_ns, double price, int64_t volume) except -1:
        """Apply one trade to every timeframe; return the mask of timeframes that closed a bar."""
        cdef int64_t mask = 0
        cdef unsigned char late = 0
        cdef Py_ssize_t i
        if self._in_batch:
            raise BarEngineStateError("BarEngine used from two threads (update_batch running)")
        if not isfinite(price) or volume < 0:
            raise InvalidTradeError(
                f"invalid trade: price={price!r} must be finite, volume={volume} must be >= 0"
            )
        for i in range(self.n_timeframes):
            if self._run(&self._tf[i], &ts_ns, &price, &volume, 0, 1, &late):
                mask |= (<int64_t>1) << i
        self.trades += 1
        self.late_trades += late
        return mask

    cdef Py_ssize_t _run(self, TfState* tf, const int64_t* ts_ns, const double* price,
                         const int64_t* volume, Py_ssize_t begin, Py_ssize_t end,
                         unsigned char* late) except -1 nogil:
        """Apply trades [begin, end) to one timeframe; return the number of bars it closed.

        ``late[j - begin]`` is set to 1 for each late trade. The forming bar lives in locals
        (registers) for the run and is written back at the end.
        """
        cdef int64_t next_close = tf.next_close_ns
        cdef int64_t start = tf.start_ns
        cdef double high = tf.high, low = tf.low, close = tf.close, p
        cdef int64_t vol = tf.volume, count = tf.trades, t
        cdef Py_ssize_t closed = 0, late_count = 0, j
        for j in range(begin, end):
            t = ts_ns[j]
            p = price[j]
            if t >= next_close:
                if tf.forming:
                    tf.high = high
                    tf.low = low
                    tf.close = close
                    tf.volume = vol
                    tf.trades = count
                    _close_bar(tf)
                    closed += 1
                if tf.length_ns > 0:
                    _set_intraday_period(tf, t)
                else:
                    with gil:
                        self._calendar_roll(tf, t)
                next_close = tf.next_close_ns
                start = tf.start_ns
                tf.open = p
                tf.forming = 1
                high = p
                low = p
                close = p
                vol = volume[j]
                count = 1
            else:
                if t < start:
                    late[j - begin] = 1
                    late_count += 1
                high = p if p > high else high
                low = p if p < low else low
                close = p
                vol += volume[j]
                count += 1
        tf.high = high
        tf.low = low
        tf.close = close
        tf.volume = vol
        tf.trades = count
        tf.late_trades += late_count
        return closed

    cdef int _calendar_roll(self, TfState* tf, int64_t ts_ns) except -1:
        """Set the calendar period containing ``ts_ns`` (Python; runs only when a bar closes)."""
        start, label, end = self._period(tf.kind, ts_ns)
        if not start <= ts_ns < end:
            raise RuntimeError(f"calendar_period({tf.kind}, {ts_ns}) -> {start, label, end}")
        tf.start_ns = start
        tf.label_ns = label
        tf.next_close_ns = end
        return 0

    def update(self, int64_t ts_ns, double price, int64_t volume):
        """Apply one trade (ts int64 ns UTC); return the mask of timeframes that closed a bar.

        Bit ``i`` refers to ``timeframes[i]``; read the closed bar with ``last_closed``.
        """
        return self.on_trade(ts_ns, price, volume)

    def update_batch(self, ts_ns, price, volume):
        """Apply arrays of trades in order; return ``{timeframe: bars closed}``.

        ``ts_ns``: integer ns UTC, ``price``: float, ``volume``: integer (1-D, one length; int64
        / float64 C-contiguous arrays are used without a copy). Same result as calling
        ``update`` for each trade. The whole batch is validated first (finite prices, volumes
        >= 0): an invalid trade raises before anything is applied. Only the newest ``capacity``
        closed bars per timeframe stay readable afterwards.
        """
        return self._batch(
            _column(ts_ns, np.int64, "ts_ns"),
            _column(price, np.float64, "price"),
            _column(volume, np.int64, "volume"),
        )

    cdef dict _batch(self, const int64_t[::1] ts_ns, const double[::1] price,
                     const int64_t[::1] volume):
        cdef Py_ssize_t n = ts_ns.shape[0], i, j, c0, c1, bad = -1, late_total = 0
        cdef int64_t late_before
        cdef int64_t[::1] counts
        cdef unsigned char* late
        cdef bint any_late
        if self._in_batch:
            raise BarEngineStateError("BarEngine used from two threads (update_batch running)")
        if price.shape[0] != n or volume.shape[0] != n:
            raise ValidationError(
                f"update_batch: arrays differ in length ({n}, {price.shape[0]}, "
                f"{volume.shape[0]})"
            )
        with nogil:
            for j in range(n):
                if not isfinite(price[j]) or volume[j] < 0:
                    bad = j
                    break
        if bad >= 0:
            raise InvalidTradeError(
                f"invalid trade at index {bad}: price={price[bad]!r}, volume={volume[bad]} "
                "(nothing applied)"
            )
        closed_counts = np.zeros(self.n_timeframes, dtype=np.int64)
        counts = closed_counts
        if n == 0:
            return {name: 0 for name in self.timeframes}
        late = <unsigned char*>PyMem_Malloc(CHUNK)
        if late == NULL:
            raise MemoryError()
        memset(late, 0, CHUNK)
        self._in_batch = 1
        try:
            with nogil:
                c0 = 0
                while c0 < n:
                    c1 = c0 + CHUNK if c0 + CHUNK < n else n
                    any_late = 0
                    for i in range(self.n_timeframes):
                        late_before = self._tf[i].late_trades
                        counts[i] += self._run(&self._tf[i], &ts_ns[0], &price[0], &volume[0],
                                               c0, c1, late)
                        if self._tf[i].late_trades != late_before:
                            any_late = 1
                    if any_late:
                        for j in range(c1 - c0):
                            late_total += late[j]
                        memset(late, 0, CHUNK)
                    c0 = c1
        finally:
            self._in_batch = 0
            PyMem_Free(late)
            self.trades += n
            self.late_trades += late_total
        return {self.timeframes[i]: int(counts[i]) for i in range(self.n_timeframes)}

    # -- history -------------------------------------------------------------------------------

    def load_bars(self, timeframe, ts_ns, open, high, low, close, volume, trades=None):
        """Load history bars (oldest first) for one timeframe, before any live trade.

        Every bar is placed in the period containing its ``ts_ns``: intraday bars must sit
        exactly on their period start; calendar bars are relabelled with the engine's open time
        for their trading day/week/month, and two bars in one period are rejected. All bars but
        the last are stored as closed bars (replacing what the ring held); the last becomes the
        forming bar: a live trade in its period continues it, a later one closes it.
        ``trades`` defaults to 0 per bar (REST bars carry no trade count).
        """
        cdef Py_ssize_t i = self._tf_index(timeframe), k, n
        cdef TfState* tf = &self._tf[i]
        cdef BarRing ring = self._rings[i]
        if self.trades or self._in_batch:
            raise BarEngineStateError("load_bars must be called before any live trade")
        ts = np.ascontiguousarray(ts_ns, dtype=np.int64)
        cols = [np.ascontiguousarray(a, dtype=np.float64) for a in (open, high, low, close)]
        vol = np.ascontiguousarray(volume, dtype=np.int64)
        n = ts.shape[0]
        cnt = (np.zeros(n, dtype=np.int64) if trades is None
               else np.ascontiguousarray(trades, dtype=np.int64))
        if ts.ndim != 1 or any(a.shape != ts.shape for a in (*cols, vol, cnt)):
            raise ValidationError("load_bars: all columns must be 1-D and of one length")
        if n == 0:
            return
        if not all(np.isfinite(a).all() for a in cols):
            raise ValidationError("load_bars: prices must be finite")
        if (vol < 0).any() or (cnt < 0).any():
            raise ValidationError("load_bars: volumes and trade counts must be >= 0")
        periods = np.empty((n, 3), dtype=np.int64)
        if tf.length_ns > 0:
            if (ts % tf.length_ns).any():
                raise ValidationError(
                    f"load_bars: {self.timeframes[i]} bar times must be multiples of "
                    f"{tf.length_ns} ns since the epoch"
                )
            periods[:, 0] = ts
            periods[:, 1] = ts
            periods[:, 2] = ts + tf.length_ns
        else:
            for k in range(n):
                periods[k] = self._period(tf.kind, int(ts[k]))
        labels = periods[:, 1]
        if n > 1 and not (np.diff(labels) > 0).all():
            raise ValidationError(
                f"load_bars: {self.timeframes[i]} bars must be in increasing order, one per "
                "period (two bars in one trading period means another calendar was used)"
            )
        ring.clear()
        ring.extend(labels[:n - 1], *(c[:n - 1] for c in cols), vol[:n - 1], cnt[:n - 1])
        tf.start_ns = periods[n - 1, 0]
        tf.label_ns = periods[n - 1, 1]
        tf.next_close_ns = periods[n - 1, 2]
        tf.open = cols[0][n - 1]
        tf.high = cols[1][n - 1]
        tf.low = cols[2][n - 1]
        tf.close = cols[3][n - 1]
        tf.volume = vol[n - 1]
        tf.trades = cnt[n - 1]
        tf.forming = 1

    # -- reading -------------------------------------------------------------------------------

    cdef Py_ssize_t _tf_index(self, object timeframe) except -1:
        try:
            return self._index[timeframe]
        except (KeyError, TypeError):
            pass
        name = parse_timeframe(timeframe).name
        try:
            return self._index[name]
        except KeyError:
            raise ValidationError(
                f"timeframe {timeframe!r} is not one of this engine's {list(self.timeframes)}"
            ) from None

    def index(self, timeframe):
        """The bit index of ``timeframe`` in closed-bar masks."""
        return self._tf_index(timeframe)

    def mask_timeframes(self, int64_t mask):
        """The timeframe names whose bits are set in ``mask``."""
        return [self.timeframes[i] for i in range(self.n_timeframes) if mask >> i & 1]

    def forming(self, timeframe):
        """The forming (not yet closed) bar of ``timeframe``, or None before its first trade."""
        cdef TfState* tf = &self._tf[self._tf_index(timeframe)]
        if not tf.forming:
            return None
        return Bar(tf.label_ns, tf.open, tf.high, tf.low, tf.close, tf.volume, tf.trades)

    def next_close_ns(self, timeframe):
        """End (exclusive, int64 ns UTC) of the forming bar's period, or None before any bar."""
        cdef TfState* tf = &self._tf[self._tf_index(timeframe)]
        return tf.next_close_ns if tf.forming else None

    def last_closed(self, timeframe):
        """The most recently closed bar of ``timeframe``, or None."""
        ring = self._rings[self._tf_index(timeframe)]
        if len(ring) == 0:
            return None
        row = ring.latest(1)
        return Bar(*(v[0].item() for v in row.values()))

    def ring(self, timeframe):
        """The ``BarRing`` holding the closed bars of ``timeframe`` (read it, do not append)."""
        return self._rings[self._tf_index(timeframe)]

    def closed(self, timeframe, n=None, *, bint copy=False):
        """``{column: array}`` of the latest ``n`` closed bars (default all), oldest first.

        Zero-copy views into the ring unless the window wraps or ``copy`` is true; views stay
        valid for the next ``capacity - n`` closed bars.
        """
        return self._rings[self._tf_index(timeframe)].latest(n, copy=copy)

    def get_data(self, timeframe, bars=None, *, bint copy=False, bint include_forming=False):
        """The latest ``bars`` closed bars (default all) as a polars DataFrame, oldest first.

        Columns ``ts`` (Datetime ns UTC, bar open), ``open high low close`` (f64), ``volume``
        and ``trades`` (i64). Zero-copy when the window is contiguous and ``copy`` is false (see
        ``closed``). ``include_forming`` appends the forming bar as the last row (one copy).
        """
        ring = self._rings[self._tf_index(timeframe)]
        if not include_forming:
            return ring.to_polars(bars, copy=copy)
        import polars as pl

        current = self.forming(timeframe)
        if current is None:
            return ring.to_polars(bars, copy=copy)
        if bars is not None and bars <= 0:
            return ring.to_polars(0)
        older = ring.to_polars(None if bars is None else bars - 1, copy=True)
        row = pl.DataFrame([list(current)], schema=older.schema, orient="row")
        return pl.concat([older, row], rechunk=True)

    def stats(self):
        """Counters: trades, late trades, and per timeframe closed bars, late trades, stored
        bars, capacity and the total ever appended to its ring."""
        per_tf = {}
        for i in range(self.n_timeframes):
            ring = self._rings[i]
            per_tf[self.timeframes[i]] = {
                "closed_bars": self._tf[i].closed_bars,
                "late_trades": self._tf[i].late_trades,
                "stored": len(ring),
                "capacity": ring.capacity,
                "appended": ring.total,
            }
        return {"trades": self.trades, "late_trades": self.late_trades, "timeframes": per_tf}
