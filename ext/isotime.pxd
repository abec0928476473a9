# Interface of projectx._native.isotime: ISO-8601 timestamps <-> int64 nanoseconds UTC.
from libc.stdint cimport int64_t

# Parse s[0:n] (ASCII) as YYYY-MM-DD[T ]HH:MM[:SS[.f{1,9}]](Z|z|+HH:MM|-HH:MM|+HHMM|+HH).
# Writes nanoseconds since the Unix epoch (UTC) to out[0]. Returns 0 on success and -1 when the
# text is not such a timestamp (nothing is guessed: a missing offset is an error). Never raises.
cdef int parse_iso_ns(const unsigned char* s, Py_ssize_t n, int64_t* out) noexcept nogil

# Days since 1970-01-01 of a proleptic Gregorian civil date (any year).
cdef int64_t days_from_civil(int64_t y, int64_t m, int64_t d) noexcept nogil
