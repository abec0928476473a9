# cython: language_level=3
"""ISO-8601 timestamp parsing to int64 nanoseconds (UTC) in C.

The Gateway sends ``2025-04-14T17:49:10.142532+00:00`` (6 or 7 fractional digits) and the docs
use ``...Z`` with milliseconds. This parser accepts those and the other shapes of the same
family (0-9 fractional digits, ``Z`` or a numeric offset) and refuses anything else: no offset
means an error, never an assumed zone.
"""

from libc.stdint cimport int64_t

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object s, Py_ssize_t* size) except NULL

cdef int64_t NS_PER_SEC = 1000000000
cdef int64_t MAX_SECOND = 9223372036
cdef int64_t MIN_SECOND = -9223372037
cdef int64_t[10] _FRACTION_SCALE = [1000000000, 100000000, 10000000, 1000000, 100000,
                                    10000, 1000, 100, 10, 1]


cdef inline int _digits(const unsigned char* s, Py_ssize_t i, Py_ssize_t count,
                        int64_t* out) noexcept nogil:
    cdef int64_t v = 0
    cdef Py_ssize_t k
    cdef unsigned char c
    for k in range(i, i + count):
        c = s[k]
        if c < 48 or c > 57:
            return -1
        v = v * 10 + (c - 48)
    out[0] = v
    return 0


cdef int64_t days_from_civil(int64_t y, int64_t m, int64_t d) noexcept nogil:
    # Howard Hinnant's days_from_civil, in integer arithmetic valid for every year.
    cdef int64_t era, yoe, doy, doe
    if m <= 2:
        y -= 1
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


cdef inline int _days_in_month(int64_t y, int64_t m) noexcept nogil:
    if m == 2:
        return 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    if m == 4 or m == 6 or m == 9 or m == 11:
        return 30
    return 31


cdef int parse_iso_ns(const unsigned char* s, Py_ssize_t n, int64_t* out) noexcept nogil:
    cdef int64_t year, month, day, hour, minute
    cdef int64_t second = 0, frac = 0, off_h = 0, off_m = 0, offset_s, days
    cdef Py_ssize_t i, nfrac
    cdef unsigned char c
    cdef int sign
    if n < 17:  # YYYY-MM-DDTHH:MMZ is the shortest accepted form
        return -1
    if (_digits(s, 0, 4, &year) or s[4] != 45 or _digits(s, 5, 2, &month) or s[7] != 45
            or _digits(s, 8, 2, &day)):
        return -1
    c = s[10]
    if c != 84 and c != 116 and c != 32:  # 'T', 't', ' '
        return -1
    if _digits(s, 11, 2, &hour) or s[13] != 58 or _digits(s, 14, 2, &minute):
        return -1
    i = 16
    if i < n and s[i] == 58:  # ':SS'
        if i + 3 > n or _digits(s, i + 1, 2, &second):
            return -1
        i += 3
        if i < n and (s[i] == 46 or s[i] == 44):  # '.' or ','
            i += 1
            nfrac = 0
            while i < n and 48 <= s[i] <= 57:
                if nfrac == 9:
                    return -1
                frac = frac * 10 + (s[i] - 48)
                nfrac += 1
                i += 1
            if nfrac == 0:
                return -1
            frac *= _FRACTION_SCALE[nfrac]
    if month < 1 or month > 12 or day < 1 or day > _days_in_month(year, month):
        return -1
    if hour > 23 or minute > 59 or second > 59:
        return -1
    if i >= n:
        return -1  # no offset: refuse rather than guess a zone
    c = s[i]
    if c == 90 or c == 122:  # 'Z' / 'z'
        i += 1
        offset_s = 0
    elif c == 43 or c == 45:  # '+' / '-'
        sign = 1 if c == 43 else -1
        if i + 3 > n or _digits(s, i + 1, 2, &off_h):
            return -1
        i += 3
        if i < n and s[i] == 58:
            if i + 3 > n or _digits(s, i + 1, 2, &off_m):
                return -1
            i += 3
        elif i + 2 <= n:
            if _digits(s, i, 2, &off_m):
                return -1
            i += 2
        if off_h > 23 or off_m > 59:
            return -1
        offset_s = sign * (off_h * 3600 + off_m * 60)
    else:
        return -1
    if i != n:
        return -1
    days = days_from_civil(year, month, day)
    second = days * 86400 + hour * 3600 + minute * 60 + second - offset_s
    # int64 nanoseconds span 1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z
    if (second > MAX_SECOND or second < MIN_SECOND
            or (second == MAX_SECOND and frac > 854775807)
            or (second == MIN_SECOND and frac < 145224192)):
        return -1
    out[0] = second * NS_PER_SEC + frac
    return 0


def parse_iso(text) -> int:
    """Parse an ISO-8601 timestamp with an offset (or ``Z``) into int64 ns since the epoch (UTC).

    Accepts ``str`` or ``bytes``. Raises ``ValueError`` for anything that is not such a
    timestamp, including one without an offset.
    """
    cdef const unsigned char* buf
    cdef Py_ssize_t n
    cdef int64_t ns
    cdef bytes raw
    if isinstance(text, str):
        buf = <const unsigned char*>PyUnicode_AsUTF8AndSize(text, &n)
    elif isinstance(text, (bytes, bytearray)):
        raw = bytes(text)
        buf = <const unsigned char*>raw
        n = len(raw)
    else:
        raise TypeError(f"expected str or bytes, got {type(text).__name__}")
    if parse_iso_ns(buf, n, &ns) != 0:
        raise ValueError(f"not an ISO-8601 timestamp with offset: {text!r}")
    return ns


def format_iso(int64_t ts_ns, int digits=6) -> str:
    """Format int64 ns UTC as ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00`` (``digits`` 0-9)."""
    # cdivision truncates toward zero: floor explicitly so pre-1970 instants format correctly.
    cdef int64_t secs = ts_ns // NS_PER_SEC
    if secs * NS_PER_SEC > ts_ns:
        secs -= 1
    cdef int64_t frac = ts_ns - secs * NS_PER_SEC
    cdef int64_t days = secs // 86400
    if days * 86400 > secs:
        days -= 1
    cdef int64_t rem = secs - days * 86400
    cdef int64_t z, era, doe, yoe, y, doy, mp, d, m
    if digits < 0 or digits > 9:
        raise ValueError("digits must be between 0 and 9")
    # civil_from_days (Hinnant)
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    if m <= 2:
        y += 1
    text = f"{y:04d}-{m:02d}-{d:02d}T{rem // 3600:02d}:{rem % 3600 // 60:02d}:{rem % 60:02d}"
    if digits:
        text += "." + f"{frac:09d}"[:digits]
    return text + "+00:00"


def parse_iso_list(list texts):
    """Parse a list of ISO-8601 ``str`` timestamps into an int64 ns NumPy array.

    For REST payloads (``retrieveBars`` ``t`` values, order timestamps): one C call per item,
    no datetime objects. Raises ``ValueError`` naming the first bad item.
    """
    import numpy as np

    cdef Py_ssize_t i, n = len(texts), length
    cdef const unsigned char* buf
    out = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] view = out
    for i in range(n):
        item = texts[i]
        if not isinstance(item, str):
            raise TypeError(f"item {i} is {type(item).__name__}, expected str")
        buf = <const unsigned char*>PyUnicode_AsUTF8AndSize(item, &length)
        if parse_iso_ns(buf, length, &view[i]) != 0:
            raise ValueError(f"item {i} is not an ISO-8601 timestamp with offset: {item!r}")
    return out
