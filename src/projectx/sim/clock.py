"""Clocks and timestamp helpers for the simulator engine.

Every time inside the engine is an ``int`` of nanoseconds since the Unix epoch, UTC. The engine
never reads the system clock directly: it asks a :class:`SimClock`, so tests can drive it with a
:class:`ManualClock` and get fully deterministic results.

Wire timestamps follow spec §0.3/§9.2: ISO 8601, UTC, ``+00:00`` offset, 6 fractional digits.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from datetime import UTC, datetime

__all__ = [
    "NS_PER_S",
    "NS_PER_US",
    "ManualClock",
    "SimClock",
    "WallClock",
    "format_ts",
    "parse_ts",
]

NS_PER_US = 1_000
NS_PER_S = 1_000_000_000


class SimClock(ABC):
    """Source of "now" for the engine, in int64 nanoseconds UTC."""

    @abstractmethod
    def now_ns(self) -> int:
        """Current time in nanoseconds since the epoch (UTC)."""


class WallClock(SimClock):
    """Real time (``time.time_ns``)."""

    def now_ns(self) -> int:
        """Current wall-clock time."""
        return time.time_ns()


class ManualClock(SimClock):
    """A clock that only moves when told to; for deterministic tests."""

    def __init__(self, start_ns: int) -> None:
        if not isinstance(start_ns, int) or isinstance(start_ns, bool):
            raise TypeError(f"start_ns must be an int, got {type(start_ns).__name__}")
        self._now_ns = start_ns

    def now_ns(self) -> int:
        """The clock's current value."""
        return self._now_ns

    def advance(self, ns: int) -> int:
        """Move forward by ``ns`` (>= 0) nanoseconds; return the new time."""
        if ns < 0:
            raise ValueError(f"cannot advance a clock backwards (ns={ns})")
        self._now_ns += int(ns)
        return self._now_ns

    def set(self, ns: int) -> None:
        """Jump to ``ns``; it may not be earlier than the current time."""
        if ns < self._now_ns:
            raise ValueError(f"cannot set the clock backwards ({ns} < {self._now_ns})")
        self._now_ns = int(ns)


_sec_cache: dict[int, str] = {}


def format_ts(ts_ns: int) -> str:
    """Format ``ts_ns`` as ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00`` (microseconds, truncated)."""
    sec, rem = divmod(ts_ns, NS_PER_S)
    head = _sec_cache.get(sec)
    if head is None:
        if len(_sec_cache) > 4096:
            _sec_cache.clear()
        head = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        _sec_cache[sec] = head
    return f"{head}.{rem // NS_PER_US:06d}+00:00"


_ISO = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?"
    r"\s*(Z|z|[+-]\d{2}:?\d{2})?\s*$"
)


def parse_ts(text: str) -> int:
    """Parse an ISO 8601 timestamp (``Z`` or offset, 0-9 fractional digits) to ns UTC.

    A timestamp without an offset is taken as UTC. Raises ``ValueError`` on anything else.
    """
    m = _ISO.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}")
    day, hms, frac, tz = m.groups()
    if tz is None or tz in ("Z", "z"):
        tz = "+00:00"
    elif ":" not in tz:
        tz = tz[:3] + ":" + tz[3:]
    dt = datetime.fromisoformat(f"{day}T{hms}{tz}").astimezone(UTC)
    base = (dt - datetime(1970, 1, 1, tzinfo=UTC)) // _ONE_US * NS_PER_US
    frac_ns = int((frac or "0")[:9].ljust(9, "0"))
    return base + frac_ns


_ONE_US = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)
