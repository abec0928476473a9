# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Latency histograms for per-component counters: O(1) ``record`` (~10 ns), no allocation.

Values are int64 nanoseconds. Buckets are exact below 16 ns, then 16 linear sub-buckets per
power of two, so percentiles are reported as the midpoint of their bucket (<= ~3% error) while
min, max and mean are exact.
"""

from libc.stdint cimport int64_t
from libc.string cimport memset

DEF N_BUCKETS = 16 + 59 * 16


cdef inline int _log2(unsigned long long x) noexcept nogil:
    """floor(log2(x)) for x >= 1, portable (no compiler builtins: MSVC has none of GCC's)."""
    cdef int e = 0
    if x >= (<unsigned long long>1) << 32:
        x >>= 32
        e += 32
    if x >= (<unsigned long long>1) << 16:
        x >>= 16
        e += 16
    if x >= (<unsigned long long>1) << 8:
        x >>= 8
        e += 8
    if x >= (<unsigned long long>1) << 4:
        x >>= 4
        e += 4
    if x >= (<unsigned long long>1) << 2:
        x >>= 2
        e += 2
    if x >= (<unsigned long long>1) << 1:
        e += 1
    return e


cdef inline Py_ssize_t _bucket(int64_t v) noexcept nogil:
    cdef int e
    if v < 16:
        return <Py_ssize_t>v
    e = _log2(<unsigned long long>v)
    return 16 + (e - 4) * 16 + <Py_ssize_t>((v >> (e - 4)) & 15)


cdef inline int64_t _lower(Py_ssize_t b) noexcept nogil:
    cdef int e
    if b < 16:
        return <int64_t>b
    e = <int>((b - 16) // 16) + 4
    return <int64_t>(16 + (b - 16) % 16) << (e - 4)


cdef inline int64_t _width(Py_ssize_t b) noexcept nogil:
    if b < 16:
        return 1
    return (<int64_t>1) << (<int>((b - 16) // 16))


cdef class LatencyHistogram:
    """Histogram of latencies in nanoseconds (``record``, ``percentile``, ``snapshot``)."""

    def __cinit__(self, str name="latency"):
        self.name = name
        self.reset()

    def reset(self):
        """Forget every recorded value."""
        memset(self._counts, 0, sizeof(self._counts))
        self.count = 0
        self.negatives = 0
        self.min_ns = 0
        self.max_ns = 0
        self._sum = 0.0

    cpdef void record(self, int64_t value_ns) noexcept:
        """Add one value (negative values are counted in ``negatives`` and recorded as 0)."""
        if value_ns < 0:
            self.negatives += 1
            value_ns = 0
        if self.count == 0 or value_ns < self.min_ns:
            self.min_ns = value_ns
        if value_ns > self.max_ns:
            self.max_ns = value_ns
        self.count += 1
        self._sum += <double>value_ns
        self._counts[_bucket(value_ns)] += 1

    def record_many(self, values):
        """Record every value of an iterable of ints."""
        for v in values:
            self.record(v)

    cpdef int64_t percentile(self, double q) except? -1:
        """The ``q``-th percentile (0 < q <= 100) in ns; 0 when empty."""
        if not (0.0 < q <= 100.0):
            raise ValueError(f"percentile must be in (0, 100], got {q!r}")
        if self.count == 0:
            return 0
        cdef int64_t rank = <int64_t>((q / 100.0) * self.count + 0.999999999)
        if rank < 1:
            rank = 1
        cdef int64_t seen = 0
        cdef Py_ssize_t b
        cdef int64_t mid
        for b in range(N_BUCKETS):
            seen += self._counts[b]
            if seen >= rank:
                mid = _lower(b) + _width(b) // 2 if b >= 16 else _lower(b)
                if mid > self.max_ns:
                    mid = self.max_ns
                if mid < self.min_ns:
                    mid = self.min_ns
                return mid
        return self.max_ns

    @property
    def mean_ns(self) -> float:
        """Exact mean of the recorded values (0.0 when empty)."""
        return self._sum / self.count if self.count else 0.0

    def merge(self, LatencyHistogram other):
        """Add ``other``'s counts into this histogram."""
        cdef Py_ssize_t b
        if other.count == 0:
            return
        for b in range(N_BUCKETS):
            self._counts[b] += other._counts[b]
        if self.count == 0 or other.min_ns < self.min_ns:
            self.min_ns = other.min_ns
        if other.max_ns > self.max_ns:
            self.max_ns = other.max_ns
        self.count += other.count
        self.negatives += other.negatives
        self._sum += other._sum

    def snapshot(self) -> dict:
        """``count, min, mean, p50, p90, p99, p999, max`` in ns (ints, mean a float)."""
        return {
            "count": self.count,
            "min_ns": self.min_ns,
            "mean_ns": self.mean_ns,
            "p50_ns": self.percentile(50.0),
            "p90_ns": self.percentile(90.0),
            "p99_ns": self.percentile(99.0),
            "p999_ns": self.percentile(99.9),
            "max_ns": self.max_ns,
            "negatives": self.negatives,
        }

    def __repr__(self) -> str:
        return (f"LatencyHistogram({self.name!r}, count={self.count}, "
                f"p50={self.percentile(50.0) if self.count else 0} ns, "
                f"p99={self.percentile(99.0) if self.count else 0} ns)")
