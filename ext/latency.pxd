# Interface of projectx._native.latency: fixed-size log-linear latency histograms.
from libc.stdint cimport int64_t

# 16 exact buckets for 0..15 ns, then 16 linear sub-buckets per power of two up to 2**63:
# relative bucket width <= 1/16, so a reported percentile is within ~3% of the true value.
DEF N_BUCKETS = 16 + 59 * 16

cdef class LatencyHistogram:
    cdef int64_t _counts[N_BUCKETS]
    cdef readonly int64_t count
    cdef readonly int64_t negatives     # values < 0 (clock skew), recorded as 0 and counted
    cdef readonly int64_t min_ns
    cdef readonly int64_t max_ns
    cdef double _sum
    cdef readonly str name

    cpdef void record(self, int64_t value_ns) noexcept
    cpdef int64_t percentile(self, double q) except? -1
