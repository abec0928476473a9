"""Read-only summaries of a bar frame (``ts``, ``open``, ``high``, ``low``, ``close``,
``volume``): the bars since a moment, the price range and the volume of the latest bars.

They are pure functions of the frame, so :class:`~projectx.data.RealtimeDataManager` and any
caller with bars from elsewhere (REST, a recording) get the same figures.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

import polars as pl

from projectx.exceptions import ValidationError
from projectx.validation import check_aware

__all__ = ["RangeStats", "VolumeSummary", "bars_since", "range_stats", "volume_summary"]


class RangeStats(TypedDict):
    """Result of :func:`range_stats`."""

    high: float
    low: float
    range: float
    avg_range: float
    """Mean of ``high - low`` per bar."""
    bars: int


class VolumeSummary(TypedDict):
    """Result of :func:`volume_summary`."""

    total: float
    average: float
    current: float
    """Volume of the last bar."""
    relative: float
    """``current / average`` (0.0 when the average is 0)."""
    bars: int


def bars_since(frame: pl.DataFrame, since: datetime, *, column: str = "ts") -> pl.DataFrame:
    """Rows of ``frame`` opened at or after the aware moment ``since``."""
    moment = check_aware(since, "since")
    if column not in frame.columns:
        raise ValidationError(f"frame has no {column!r} column")
    if frame.height == 0:
        return frame
    return frame.filter(pl.col(column) >= pl.lit(moment).dt.convert_time_zone("UTC"))


def range_stats(frame: pl.DataFrame) -> RangeStats | None:
    """Highest high, lowest low, their range and the mean bar range (None without bars)."""
    if frame.height == 0:
        return None
    high = float(frame["high"].max())  # type: ignore[arg-type]
    low = float(frame["low"].min())  # type: ignore[arg-type]
    avg = float((frame["high"] - frame["low"]).mean())  # type: ignore[arg-type]
    return {"high": high, "low": low, "range": high - low, "avg_range": avg, "bars": frame.height}


def volume_summary(frame: pl.DataFrame) -> VolumeSummary | None:
    """Total, mean and last volume of the bars and the last relative to the mean (None
    without bars)."""
    if frame.height == 0:
        return None
    volume = frame["volume"]
    total = float(volume.sum())
    average = total / frame.height
    current = float(volume[-1])
    return {
        "total": total,
        "average": average,
        "current": current,
        "relative": current / average if average > 0 else 0.0,
        "bars": frame.height,
    }
