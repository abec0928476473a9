# cython: language_level=3
"""Fixed-capacity columnar ring buffers (implementation); the interface is ``ring.pxd``.

Reads return rows oldest-first. Zero-copy results (NumPy views, polars frames built from them)
share memory with the ring: they stay correct until the ring wraps over those rows, i.e. for the
next ``capacity - n`` appends. Pass ``copy=True`` for results that must outlive that.
"""

from libc.stdint cimport int8_t, int64_t

import numpy as np
import polars as pl

_DATETIME_UTC = pl.Datetime("ns", "UTC")
_MAX_COLUMNS = 8
_INT64 = np.dtype(np.int64)
_FLOAT64 = np.dtype(np.float64)
_INT8 = np.dtype(np.int8)

try:  # fast construction through polars' own constructors; verified below, else public API
    from polars._plr import PyDataFrame as _PyDataFrame
    from polars._plr import PySeries as _PySeries
except ImportError:  # pragma: no cover - depends on the polars build
    _PyDataFrame = None
    _PySeries = None


def _frame_public(names, arrays, time_columns):
    series = []
    for name, arr in zip(names, arrays):
        s = pl.Series(name, arr)
        if name in time_columns:
            s = s.cast(_DATETIME_UTC)
        series.append(s)
    return pl.DataFrame(series)


def _frame_fast(names, arrays, time_columns):
    columns = []
    for name, arr in zip(names, arrays):
        kind = arr.dtype
        if kind == _INT64:
            ps = _PySeries.new_i64(name, arr, True)
            if name in time_columns:
                ps = pl.Series._from_pyseries(ps).cast(_DATETIME_UTC)._s
        elif kind == _FLOAT64:
            ps = _PySeries.new_f64(name, arr, False)
        elif kind == _INT8:
            ps = _PySeries.new_i8(name, arr, True)
        else:  # pragma: no cover - rings only hold the dtypes above
            ps = pl.Series(name, arr)._s
        columns.append(ps)
    return pl.DataFrame._from_pydf(_PyDataFrame(columns))


def _fast_path_works():
    if _PySeries is None:
        return False
    names = ("ts", "x", "v", "s")
    arrays = (
        np.array([1, 2], dtype=np.int64),
        np.array([1.5, float("nan")]),
        np.array([3, 4], dtype=np.int64),
        np.array([-1, 1], dtype=np.int8),
    )
    try:
        return _frame_fast(names, arrays, ("ts",)).equals(
            _frame_public(names, arrays, ("ts",))
        )
    except Exception:  # pragma: no cover - polars internals changed
        return False


_build_frame = _frame_fast if _fast_path_works() else _frame_public


def polars_fast_path_enabled():
    """True when frames are built through polars' internal constructors (same result, faster)."""
    return _build_frame is _frame_fast


cdef class ColumnRing:
    """A fixed-capacity ring of named, typed columns (one 1-D contiguous NumPy array each).

    ``columns`` is a sequence of ``(name, dtype)``; the first column is the int64 ns time column.
    ``time_columns`` names the int64 columns exported to polars as ``Datetime("ns", "UTC")``.
    """

    def __init__(self, Py_ssize_t capacity, columns, time_columns=("ts",)):
        cdef Py_ssize_t i
        if capacity < 1:
            raise ValueError(f"ring capacity must be >= 1, got {capacity}")
        columns = tuple(columns)
        if not 1 <= len(columns) <= _MAX_COLUMNS:
            raise ValueError(f"a ring has 1 to {_MAX_COLUMNS} columns, got {len(columns)}")
        names = tuple(str(name) for name, _ in columns)
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate column names: {names}")
        arrays = tuple(np.zeros(capacity, dtype=np.dtype(dtype)) for _, dtype in columns)
        for name in time_columns:
            if name not in names or arrays[names.index(name)].dtype != np.int64:
                raise ValueError(f"time column {name!r} must be an int64 column")
        self.names = names
        self.arrays = arrays
        self.time_columns = tuple(time_columns)
        for i in range(len(arrays)):
            self.cols[i] = <void*><size_t>arrays[i].__array_interface__["data"][0]
        self.idx.capacity = capacity
        self.idx.head = 0
        self.idx.size = 0
        self.idx.total = 0

    @property
    def capacity(self):
        """Rows the ring holds before overwriting the oldest."""
        return self.idx.capacity

    @property
    def total(self):
        """Rows ever appended (including overwritten ones)."""
        return self.idx.total

    def __len__(self):
        return self.idx.size

    def __repr__(self):
        return (
            f"{type(self).__name__}(capacity={self.idx.capacity}, len={self.idx.size}, "
            f"total={self.idx.total})"
        )

    cpdef void clear(self):
        """Forget every row (the arrays are kept)."""
        self.idx.head = 0
        self.idx.size = 0

    cdef Py_ssize_t _window(self, object n, Py_ssize_t* start, Py_ssize_t* end) except -1:
        """Clamp ``n`` to the stored rows; set [start, end) in slot space (start < 0: wraps)."""
        cdef Py_ssize_t count
        if n is None:
            count = self.idx.size
        else:
            count = n
            if count < 0:
                raise ValueError(f"n must be >= 0, got {n}")
            if count > self.idx.size:
                count = self.idx.size
        end[0] = self.idx.head
        if end[0] == 0 and self.idx.size == self.idx.capacity:
            end[0] = self.idx.capacity
        start[0] = end[0] - count
        return count

    def is_contiguous(self, n=None):
        """True when the latest ``n`` rows (default all) can be returned without a copy."""
        cdef Py_ssize_t start, end
        self._window(n, &start, &end)
        return start >= 0

    def column(self, name, n=None, *, bint copy=False):
        """The latest ``n`` values (default all) of column ``name``, oldest first."""
        try:
            i = self.names.index(name)
        except ValueError:
            raise KeyError(f"no column {name!r}; columns are {self.names}") from None
        return self._column(i, n, copy)

    cdef object _column(self, Py_ssize_t i, object n, bint copy):
        cdef Py_ssize_t start, end
        self._window(n, &start, &end)
        arr = self.arrays[i]
        if start >= 0:
            view = arr[start:end]
            return view.copy() if copy else view
        return np.concatenate((arr[self.idx.capacity + start:], arr[:end]))

    def latest(self, n=None, *, bint copy=False):
        """``{name: array}`` of the latest ``n`` rows (default all), oldest first.

        Zero-copy views when the window is contiguous (see the module note), one copy when it
        wraps or when ``copy`` is true.
        """
        cdef Py_ssize_t i
        return {self.names[i]: self._column(i, n, copy) for i in range(len(self.names))}

    def to_polars(self, n=None, *, bint copy=False):
        """The latest ``n`` rows (default all) as a polars DataFrame, oldest first.

        Time columns are ``Datetime("ns", "UTC")``. Zero-copy when the window is contiguous
        and ``copy`` is false (the frame then shares the ring's memory, see the module note).
        """
        cdef Py_ssize_t i
        arrays = [self._column(i, n, copy) for i in range(len(self.names))]
        return _build_frame(self.names, arrays, self.time_columns)

    def extend(self, *columns):
        """Append rows given one array per column (in ``names`` order); O(rows) copies.

        When more than ``capacity`` rows are given only the newest ``capacity`` are stored
        (``total`` still counts all of them).
        """
        cdef Py_ssize_t i, rows, keep, first, head
        if len(columns) != len(self.names):
            raise ValueError(f"extend needs {len(self.names)} columns {self.names}")
        converted = []
        rows = -1
        for i in range(len(columns)):
            values = np.asarray(columns[i])
            if values.ndim != 1:
                raise ValueError(f"column {self.names[i]!r} must be 1-D")
            if values.size == 0:
                values = np.empty(0, dtype=self.arrays[i].dtype)
            try:
                values = values.astype(self.arrays[i].dtype, casting="same_kind", copy=False)
            except TypeError as exc:
                raise ValueError(f"column {self.names[i]!r}: {exc}") from None
            if rows >= 0 and values.shape[0] != rows:
                raise ValueError("extend: all columns must have the same length")
            rows = values.shape[0]
            converted.append(values)
        keep = min(rows, self.idx.capacity)
        for i in range(len(converted)):
            arr = self.arrays[i]
            src = converted[i][rows - keep:]
            head = self.idx.head
            first = min(keep, self.idx.capacity - head)
            arr[head:head + first] = src[:first]
            arr[:keep - first] = src[first:]
        self.idx.head = (self.idx.head + keep) % self.idx.capacity
        self.idx.size = min(self.idx.size + keep, self.idx.capacity)
        self.idx.total += rows


_BAR_COLUMNS = (
    ("ts", np.int64),
    ("open", np.float64),
    ("high", np.float64),
    ("low", np.float64),
    ("close", np.float64),
    ("volume", np.int64),
    ("trades", np.int64),
)
_TICK_COLUMNS = (
    ("ts", np.int64),
    ("price", np.float64),
    ("volume", np.int64),
    ("side", np.int8),
)


cdef class BarRing(ColumnRing):
    """OHLCV bars: ``ts`` (bar open, int64 ns UTC), ``open high low close``, ``volume``,
    ``trades``."""

    def __init__(self, Py_ssize_t capacity):
        ColumnRing.__init__(self, capacity, _BAR_COLUMNS)

    cdef void push(self, int64_t ts_ns, double open, double high, double low, double close,
                   int64_t volume, int64_t trades) noexcept nogil:
        bar_write(&self.idx, self.cols, ts_ns, open, high, low, close, volume, trades)

    def append(self, int64_t ts_ns, double open, double high, double low, double close,
               int64_t volume, int64_t trades=0):
        """Append one bar (Python entry point; C code uses ``push``)."""
        self.push(ts_ns, open, high, low, close, volume, trades)


cdef class TickRing(ColumnRing):
    """Trades: ``ts`` (int64 ns UTC), ``price`` (float64), ``volume`` (int64), ``side`` (int8)."""

    def __init__(self, Py_ssize_t capacity):
        ColumnRing.__init__(self, capacity, _TICK_COLUMNS)

    cdef void push(self, int64_t ts_ns, double price, int64_t volume, int8_t side) noexcept nogil:
        cdef Py_ssize_t slot = ring_claim(&self.idx)
        (<int64_t*>self.cols[0])[slot] = ts_ns
        (<double*>self.cols[1])[slot] = price
        (<int64_t*>self.cols[2])[slot] = volume
        (<int8_t*>self.cols[3])[slot] = side

    def append(self, int64_t ts_ns, double price, int64_t volume, int8_t side=0):
        """Append one trade (Python entry point; C code uses ``push``)."""
        self.push(ts_ns, price, volume, side)
