"""``SpreadTracker``: the touch's spread over time, sampled whenever the book changes.

The owner calls :meth:`SpreadTracker.sample` after a depth message was applied; a sample is
kept only when the spread differs from the previous one, so each sample holds from its time until
the next. :class:`BookSpreadHistory` has a native book take the same samples itself, after every
applied depth entry, with no Python per message. Statistics over a time window:

- ``avg_spread`` / ``spread_volatility``: mean and population standard deviation of the
  samples in the window;
- ``time_weighted_spread``: each sample weighted by how long it held (until the next sample,
  the last one until ``now_ns``);
- min, max, median, the latest spread and the counts, in price units and in ticks.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from projectx._native.book import OrderBook as NativeBook
from projectx.exceptions import ValidationError

__all__ = ["BookSpreadHistory", "SpreadStats", "SpreadTracker", "spread_stats"]


class SpreadStats(TypedDict):
    """Result of :meth:`SpreadTracker.stats` (NaN figures when there is no sample)."""

    samples: int
    window_ns: int | None
    current_spread: float
    avg_spread: float
    median_spread: float
    min_spread: float
    max_spread: float
    spread_volatility: float
    time_weighted_spread: float
    avg_spread_ticks: float
    first_ns: int
    last_ns: int


class SpreadTracker:
    """The last ``capacity`` spread changes of one book (see the module docstring)."""

    def __init__(self, tick_size: float, capacity: int = 10_000) -> None:
        if not (isinstance(tick_size, int | float) and math.isfinite(tick_size) and tick_size > 0):
            raise ValidationError(f"tick_size must be > 0, got {tick_size!r}")
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValidationError(f"capacity must be an int >= 1, got {capacity!r}")
        self.tick_size = float(tick_size)
        self._samples: deque[tuple[int, float]] = deque(maxlen=capacity)
        self.seen = 0

    def __len__(self) -> int:
        return len(self._samples)

    def sample(self, ts_ns: int, bid: float, ask: float) -> bool:
        """Record the touch at ``ts_ns``; False when a side is empty (NaN) or the spread is
        unchanged (nothing kept)."""
        self.seen += 1
        if not (math.isfinite(bid) and math.isfinite(ask)):
            return False
        spread = ask - bid
        if self._samples and self._samples[-1][1] == spread:
            return False
        self._samples.append((int(ts_ns), spread))
        return True

    def clear(self) -> None:
        """Forget every sample."""
        self._samples.clear()

    def stats(self, window_ns: int | None = None, now_ns: int | None = None) -> SpreadStats:
        """Statistics of the samples of the last ``window_ns`` before ``now_ns`` (default: the
        newest sample's time); ``window_ns`` None: every sample held."""
        items = list(self._samples)
        ts = np.array([t for t, _ in items], dtype=np.int64)
        values = np.array([v for _, v in items], dtype=np.float64)
        return spread_stats(ts, values, self.tick_size, window_ns, now_ns)


class BookSpreadHistory:
    """The spread history a native book keeps itself (``OrderBook.keep_spread_history``): the
    same samples and statistics as :class:`SpreadTracker`, taken in native code after every
    applied depth entry (the value after the last entry of each update time), so nothing runs
    in Python per message. :meth:`sample` adds a sample by hand, by the same rules.

    Several objects over one book share its history: the first one starts it (with its
    ``capacity``), the last one to :meth:`close` stops it; a history started by other code is
    joined and never stopped from here."""

    def __init__(self, book: NativeBook, tick_size: float, capacity: int = 10_000) -> None:
        if not (isinstance(tick_size, int | float) and math.isfinite(tick_size) and tick_size > 0):
            raise ValidationError(f"tick_size must be > 0, got {tick_size!r}")
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValidationError(f"capacity must be an int >= 1, got {capacity!r}")
        self.tick_size = float(tick_size)
        self._book: NativeBook | None = book
        book.acquire_spread_history(capacity)

    def __len__(self) -> int:
        return 0 if self._book is None else len(self._book.spread_history()[0])

    @property
    def seen(self) -> int:
        """Updates that looked at the spread (book entries and hand samples)."""
        return 0 if self._book is None else self._book.spread_seen

    def sample(self, ts_ns: int, bid: float, ask: float) -> None:
        """Offer the touch at ``ts_ns`` by hand (nothing is kept while a side is NaN)."""
        if self._book is not None:
            self._book.record_spread(int(ts_ns), ask - bid)

    def stats(self, window_ns: int | None = None, now_ns: int | None = None) -> SpreadStats:
        """As :meth:`SpreadTracker.stats`, over the book's samples."""
        if self._book is None:
            ts, values = np.empty(0, np.int64), np.empty(0, np.float64)
        else:
            ts, values = self._book.spread_history()
        return spread_stats(ts, values, self.tick_size, window_ns, now_ns)

    def close(self) -> None:
        """Let go of the book's history: the last user stops the sampling and forgets the
        samples; this object reads nothing any more."""
        book, self._book = self._book, None
        if book is not None:
            book.release_spread_history()


def spread_stats(
    ts: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    tick_size: float,
    window_ns: int | None = None,
    now_ns: int | None = None,
) -> SpreadStats:
    """Statistics of spread samples ``(ts, values)`` (oldest first) of the last ``window_ns``
    before ``now_ns`` (default: the newest sample's time); ``window_ns`` None: all of them."""
    if window_ns is not None and (isinstance(window_ns, bool) or window_ns <= 0):
        raise ValidationError(f"window_ns must be > 0 or None, got {window_ns!r}")
    end = now_ns if now_ns is not None else (int(ts[-1]) if len(ts) else 0)
    if window_ns is not None:
        inside = (ts >= end - window_ns) & (ts <= end)
        ts, values = ts[inside], values[inside]
    nan = math.nan
    if not len(ts):
        return {
            "samples": 0, "window_ns": window_ns, "current_spread": nan, "avg_spread": nan,
            "median_spread": nan, "min_spread": nan, "max_spread": nan,
            "spread_volatility": nan, "time_weighted_spread": nan,
            "avg_spread_ticks": nan, "first_ns": 0, "last_ns": 0,
        }  # fmt: skip
    held = np.diff(np.append(ts, max(end, int(ts[-1])))).astype(np.float64)
    weighted = float((values * held).sum() / held.sum()) if held.sum() > 0 else nan
    avg = float(values.mean())
    return {
        "samples": len(ts),
        "window_ns": window_ns,
        "current_spread": float(values[-1]),
        "avg_spread": avg,
        "median_spread": float(np.median(values)),
        "min_spread": float(values.min()),
        "max_spread": float(values.max()),
        "spread_volatility": float(values.std()),
        "time_weighted_spread": weighted,
        "avg_spread_ticks": avg / tick_size,
        "first_ns": int(ts[0]),
        "last_ns": int(ts[-1]),
    }
