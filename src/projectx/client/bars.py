"""``History/retrieveBars`` helpers: bar specs, paging past the 20,000 cap, polars frames.

The Gateway answers newest first and, when a window holds more bars than ``limit``, keeps the
most recent ones (spec §4.4). Paging therefore walks *backwards*: ask ``[start, end)``; if the page
is full, ask again with ``end`` = the oldest bar received; stop when a page comes back short,
the requested count is reached or ``start`` is passed. Pages are merged, de-duplicated on the
timestamp and sorted ascending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from projectx._native.isotime import format_iso, parse_iso_list
from projectx.enums import BarUnit
from projectx.exceptions import APIError, ValidationError
from projectx.timeframes import parse_timeframe

__all__ = [
    "BAR_SCHEMA",
    "MAX_BARS_PER_REQUEST",
    "BarSpec",
    "bars_to_frame",
    "default_start",
    "empty_bars",
    "format_time",
    "merge_pages",
    "resolve_bar_spec",
]

MAX_BARS_PER_REQUEST = 20_000
BAR_SCHEMA: dict[str, Any] = {
    "ts": pl.Datetime("ns", "UTC"),
    "open": pl.Float64,
    "high": pl.Float64,
    "low": pl.Float64,
    "close": pl.Float64,
    "volume": pl.Int64,
}
_UNIT_SECONDS = {
    BarUnit.SECOND: 1,
    BarUnit.MINUTE: 60,
    BarUnit.HOUR: 3600,
    BarUnit.DAY: 86_400,
    BarUnit.WEEK: 7 * 86_400,
    BarUnit.MONTH: 31 * 86_400,
}


@dataclass(frozen=True, slots=True)
class BarSpec:
    """What to ask ``retrieveBars`` for: ``unit`` and ``unit_number``."""

    unit: BarUnit
    unit_number: int

    @property
    def approx_seconds(self) -> int:
        """Approximate bar length (months counted as 31 days)."""
        return _UNIT_SECONDS[self.unit] * self.unit_number


def resolve_bar_spec(
    timeframe: str | None = None, unit: BarUnit | int | None = None, unit_number: int = 1
) -> BarSpec:
    """From a timeframe string (``"5min"``) or an explicit ``unit`` + ``unit_number``."""
    if timeframe is not None:
        if unit is not None:
            raise ValidationError("give either timeframe or unit/unit_number, not both")
        tf = parse_timeframe(timeframe)
        return BarSpec(tf.unit, tf.number)
    if unit is None:
        raise ValidationError("a timeframe (e.g. '5min') or a unit is required")
    if isinstance(unit, bool) or not isinstance(unit, int):
        raise ValidationError(f"unit must be a BarUnit, got {unit!r}")
    try:
        bar_unit = BarUnit(unit)
    except ValueError:
        raise ValidationError(f"unknown bar unit {unit!r}") from None
    if bar_unit not in _UNIT_SECONDS:
        raise ValidationError(f"bar unit {bar_unit.name} is not supported by retrieveBars")
    if isinstance(unit_number, bool) or not isinstance(unit_number, int) or unit_number < 1:
        raise ValidationError(f"unit_number must be an int >= 1, got {unit_number!r}")
    return BarSpec(bar_unit, unit_number)


def default_start(end: datetime, spec: BarSpec, limit: int) -> datetime:
    """A start far enough back to hold ``limit`` bars across weekends and session breaks."""
    span = timedelta(seconds=spec.approx_seconds * limit * 2) + timedelta(days=4)
    try:
        return end - span
    except OverflowError:
        return datetime(1970, 1, 1, tzinfo=end.tzinfo)


def format_time(moment: datetime) -> str:
    """ISO 8601 with ``+00:00`` and microseconds (``moment`` must be aware, in UTC)."""
    return moment.isoformat(timespec="microseconds")


def format_ns(ts_ns: int) -> str:
    """ISO 8601 text of an int64 ns timestamp (microseconds, ``+00:00``)."""
    return format_iso(ts_ns, 6)


def empty_bars() -> pl.DataFrame:
    """A frame with the bar schema and no rows."""
    return pl.DataFrame(schema=BAR_SCHEMA)


def bars_to_frame(bars: list[Any]) -> pl.DataFrame:
    """Wire bars (``{"t","o","h","l","c","v"}`` dicts) -> a frame with :data:`BAR_SCHEMA`,
    in the order given. Raises :class:`APIError` for a malformed bar."""
    if not bars:
        return empty_bars()
    try:
        ts = parse_iso_list([b["t"] for b in bars])
        cols = {
            key: np.fromiter((b[key] for b in bars), dtype=np.float64, count=len(bars))
            for key in ("o", "h", "l", "c")
        }
        volume = np.fromiter((b["v"] for b in bars), dtype=np.int64, count=len(bars))
    except (KeyError, TypeError, ValueError) as exc:
        raise APIError(
            f"History/retrieveBars returned a malformed bar ({type(exc).__name__})",
            endpoint="History/retrieveBars",
        ) from None
    return pl.DataFrame(
        {
            "ts": pl.Series("ts", ts, dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")),
            "open": cols["o"],
            "high": cols["h"],
            "low": cols["l"],
            "close": cols["c"],
            "volume": volume,
        },
        schema=BAR_SCHEMA,
    )


def merge_pages(pages: list[pl.DataFrame], limit: int | None = None) -> pl.DataFrame:
    """Concatenate pages (newest page first), drop duplicate timestamps (the newer copy wins),
    sort ascending and keep the last ``limit`` rows."""
    if not pages:
        return empty_bars()
    frame = pl.concat(pages, how="vertical") if len(pages) > 1 else pages[0]
    frame = frame.unique(subset="ts", keep="first", maintain_order=True).sort("ts")
    if limit is not None and frame.height > limit:
        frame = frame.tail(limit)
    return frame
