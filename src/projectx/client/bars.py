"""``History/retrieveBars`` helpers: bar specs, paging past the 20,000 cap, polars frames.

The Gateway answers newest first and, when a window holds more bars than ``limit``, keeps the
most recent ones (spec §4.4). Paging therefore walks *backwards*: ask ``[start, end)``; if the page
is full, ask again with ``end`` = the oldest bar received; stop when a page comes back short,
the requested count is reached or ``start`` is passed. Pages are merged, de-duplicated on the
timestamp and sorted ascending.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from projectx._native.isotime import format_iso, parse_iso_list
from projectx.client.envelope import check_envelope, error_code
from projectx.enums import BarUnit
from projectx.exceptions import APIError, ValidationError
from projectx.plausibility import AnomalyLog
from projectx.timeframes import parse_timeframe

__all__ = [
    "BAR_SCHEMA",
    "MAX_BARS_PER_REQUEST",
    "BarSpec",
    "BarWindow",
    "bars_to_frame",
    "decode_bars",
    "default_start",
    "empty_bars",
    "fetch_bars",
    "format_time",
    "merge_pages",
    "resolve_bar_spec",
    "to_ns",
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
    in the order given, implausible bars left out (see :func:`decode_bars`). Raises
    :class:`APIError` for a malformed bar."""
    return decode_bars(bars)[0]


def _price(value: Any) -> float:
    """A bar price: a JSON number or a numeric string (non-finite comes back as nan/inf)."""
    if type(value) is float:
        return value
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:  # beyond the double range: not a finite price
            return math.inf
    if isinstance(value, str):
        return float(value.strip())  # ValueError for non-numeric text
    raise TypeError(f"price of type {type(value).__name__}")


def _volume(value: Any) -> float:
    """A bar volume as float (integral check later); non-numbers raise."""
    if type(value) is int:
        return float(value) if abs(value) < 2**63 else math.inf
    return _price(value)


def decode_bars(
    bars: list[Any], endpoint: str = "History/retrieveBars"
) -> tuple[pl.DataFrame, Counter[str], int | None]:
    """Wire bars -> ``(frame, dropped, oldest_ns)``.

    A bar that is not of the spec's types (not an object, a key missing, a timestamp that is
    not ISO 8601, a price that is not a number or numeric string) makes the whole answer
    malformed: :class:`APIError`. A well-typed bar that cannot be true is dropped and counted
    in ``dropped`` by reason: ``bar_non_finite`` (NaN/Infinity, also as strings),
    ``bar_negative_volume``, ``bar_fractional_volume``, ``bar_high_below_low``,
    ``bar_open_close_outside_range``. ``oldest_ns`` is the oldest timestamp of the page,
    dropped bars included (paging goes on from there), None for an empty page.
    """
    dropped: Counter[str] = Counter()
    if not bars:
        return empty_bars(), dropped, None
    try:
        ts = parse_iso_list([b["t"] for b in bars])
        rows = [
            (_price(b["o"]), _price(b["h"]), _price(b["l"]), _price(b["c"]), _volume(b["v"]))
            for b in bars
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise APIError(
            f"{endpoint} returned a malformed bar ({type(exc).__name__})",
            endpoint=endpoint,
        ) from None
    keep: list[int] = []
    for i, (o, h, lo, c, v) in enumerate(rows):
        reason = _implausible(o, h, lo, c, v)
        if reason is None:
            keep.append(i)
        else:
            dropped[reason] += 1
    oldest = int(ts.min())
    if len(keep) != len(rows):
        rows = [rows[i] for i in keep]
        ts = ts[keep]
    cols = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
    frame = pl.DataFrame(
        {
            "ts": pl.Series("ts", ts, dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")),
            "open": pl.Series(cols[0], dtype=pl.Float64),
            "high": pl.Series(cols[1], dtype=pl.Float64),
            "low": pl.Series(cols[2], dtype=pl.Float64),
            "close": pl.Series(cols[3], dtype=pl.Float64),
            "volume": pl.Series([int(v) for v in cols[4]], dtype=pl.Int64),
        },
        schema=BAR_SCHEMA,
    )
    return frame, dropped, oldest


def _implausible(o: float, h: float, lo: float, c: float, v: float) -> str | None:
    if not all(math.isfinite(x) for x in (o, h, lo, c, v)):
        return "bar_non_finite"
    if v < 0:
        return "bar_negative_volume"
    if not v.is_integer():
        return "bar_fractional_volume"
    if h < lo:
        return "bar_high_below_low"
    if not (lo <= o <= h and lo <= c <= h):
        return "bar_open_close_outside_range"
    return None


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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def to_ns(moment: datetime) -> int:
    """Nanoseconds since the epoch of an aware ``moment`` (exact to the microsecond)."""
    return ((moment - _EPOCH) // _US) * 1000


@dataclass(frozen=True, slots=True)
class BarWindow:
    """What :func:`fetch_bars` asks for: bars of ``contract_id`` in ``[start_ns, end_ns)``."""

    contract_id: str
    spec: BarSpec
    start_ns: int
    end_ns: int
    limit: int | None
    include_partial: bool
    live: bool


async def fetch_bars(
    request: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]],
    window: BarWindow,
    anomalies: AnomalyLog,
    *,
    cap: int = MAX_BARS_PER_REQUEST,
) -> pl.DataFrame:
    """The bars of ``window``, paged backwards (module docstring) ``cap`` bars at a time.

    ``request(endpoint, body)`` sends one ``History/retrieveBars``; dropped and malformed bars are
    reported to ``anomalies``.
    """
    endpoint = "History/retrieveBars"
    cid, spec, start_ns, limit = window.contract_id, window.spec, window.start_ns, window.limit
    pages: list[pl.DataFrame] = []
    total = 0
    cur_end = window.end_ns
    start_text = format_ns(start_ns)
    while True:
        want = cap if limit is None else min(cap, limit - total)
        body = {
            "contractId": cid,
            "live": window.live,
            "startTime": start_text,
            "endTime": format_ns(cur_end),
            "unit": int(spec.unit),
            "unitNumber": spec.unit_number,
            "limit": want,
            "includePartialBar": window.include_partial,
        }
        env = await request(endpoint, body)
        if env.get("success") is not True and error_code(env) == 1:
            raise ValidationError(f"unknown contract {cid!r}")
        check_envelope(env, endpoint)
        raw = env.get("bars") or []
        if not isinstance(raw, list):
            raise APIError(f"{endpoint}: 'bars' is not a list", endpoint=endpoint, status=200)
        if not raw:
            break
        try:
            frame, dropped, oldest = decode_bars(raw, endpoint)
        except APIError as exc:
            anomalies.report(endpoint, "malformed", str(exc), contract_id=cid)
            raise
        for reason, n in dropped.items():
            anomalies.report(
                endpoint, reason, f"{n} bar(s) of {cid} dropped", count=n, contract_id=cid
            )
        assert oldest is not None
        ts = frame["ts"].dt.epoch("ns")
        # keep [start, end) exactly, whatever the server's boundary inclusivity
        inside = frame.filter((ts >= start_ns) & (ts < cur_end))
        if inside.height:
            pages.append(inside)
            total += inside.height
        if len(raw) < want or (limit is not None and total >= limit):
            break
        if oldest <= start_ns:
            break
        # next page ends at the oldest bar seen; a server that includes ``end`` may have sent
        # only the boundary bar, so step one nanosecond back then to make progress
        cur_end = oldest if oldest < cur_end else cur_end - 1
    if not pages:
        return empty_bars()
    return merge_pages(pages, limit)
