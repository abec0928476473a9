"""Trading sessions: RTH/ETH per product, the CME holiday calendar with early closes, DST.

All session times are New York wall-clock times converted with ``zoneinfo`` (DST-correct).
ETH is the product's whole electronic trading day: for most products the CME Globex day, 18:00
New York on the previous weekday to 17:00; grains trade 20:00 to 14:20 with a halt from 08:45 to
09:30 (outside the session); livestock and dairy have no overnight session (ETH is their RTH).
RTH is the product's regular (pit-era) hours. Holidays follow CME Group's rules for US holidays:
the exchange is closed on New Year's Day, Good Friday and Christmas; on the other US federal
holidays (and the day after Thanksgiving, Christmas Eve) Globex closes early. The calendar is
computed from the holiday rules; exchange-announced exceptions can be added with
:func:`add_exception`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

import polars as pl

from projectx.exceptions import ValidationError
from projectx.timeframes import NEW_YORK, SESSION_CLOSE, trading_date

__all__ = [
    "Holiday",
    "SessionHours",
    "add_exception",
    "aggregate_sessions",
    "filter_session",
    "holiday",
    "in_session",
    "known_products",
    "next_session",
    "now_in_session",
    "session_bounds",
    "session_halt",
    "session_hours",
    "session_mask",
    "trading_dates",
    "trading_day_start",
]

Session = Literal["RTH", "ETH"]
_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class SessionHours:
    """Trading hours of a product group, New York time: regular (``rth_*``) and electronic
    (``eth_*``; it opens on the previous day when ``eth_overnight``), with an optional daily
    halt inside the electronic session (``eth_break``: ``(start, end)``)."""

    rth_open: time
    rth_close: time
    eth_open: time = time(18, 0)
    eth_close: time = time(17, 0)
    eth_overnight: bool = True
    eth_break: tuple[time, time] | None = None


def _day_only(opens: time, closes: time) -> SessionHours:
    """A product without an overnight session: ETH is its RTH."""
    return SessionHours(opens, closes, opens, closes, eth_overnight=False)


_EQUITY = SessionHours(time(9, 30), time(16, 0))
# CME grains: 19:00-07:45 and 08:30-13:20 Chicago time
_grains = SessionHours(
    time(9, 30), time(14, 20), time(20, 0), time(14, 20), eth_break=(time(8, 45), time(9, 30))
)
_PRODUCTS: dict[str, SessionHours] = {
    **dict.fromkeys(("ES", "EP", "MES", "NQ", "ENQ", "MNQ", "RTY", "M2K", "YM", "MYM"), _EQUITY),
    **dict.fromkeys(("CL", "MCL", "QM", "NG", "QG"), SessionHours(time(9, 0), time(14, 30))),
    **dict.fromkeys(("GC", "MGC", "SI", "SIL"), SessionHours(time(8, 20), time(13, 30))),
    "HG": SessionHours(time(8, 20), time(13, 0)),
    **dict.fromkeys(("ZN", "ZB", "ZF", "ZT", "UB"), SessionHours(time(8, 20), time(15, 0))),
    **dict.fromkeys(("6E", "6J", "6B", "6A", "6C", "M6E"), SessionHours(time(8, 20), time(15, 0))),
    # further products, with project-x-py 4.4.1's regular hours (New York time)
    **dict.fromkeys(("RB", "HO"), SessionHours(time(9, 0), time(14, 30))),
    **dict.fromkeys(("QO", "QI"), SessionHours(time(8, 20), time(13, 30))),
    **dict.fromkeys(("PL", "PA"), SessionHours(time(8, 20), time(13, 5))),
    "QC": SessionHours(time(8, 20), time(13, 0)),
    **dict.fromkeys(("ZQ", "2YY", "5YY", "10Y", "30Y"), SessionHours(time(8, 20), time(15, 0))),
    **dict.fromkeys(
        ("6S", "6N", "6M", "M6B", "M6A", "MJY", "MSF", "MCD", "MIR"),
        SessionHours(time(8, 20), time(15, 0)),
    ),
    **dict.fromkeys(
        ("ZC", "ZS", "ZW", "ZM", "ZL", "KE", "ZO", "ZR", "XC", "XK", "XW"),
        _grains,
    ),
    **dict.fromkeys(("LE", "HE", "GF"), _day_only(time(9, 30), time(14, 5))),
    "DC": _day_only(time(9, 30), time(14, 10)),
    **dict.fromkeys(("BTC", "MBT", "ETH", "MET"), _EQUITY),
    **dict.fromkeys(("VX", "VXM"), SessionHours(time(9, 30), time(16, 15))),
}


def known_products() -> frozenset[str]:
    """The product roots with their own regular hours (others get equity-index hours)."""
    return frozenset(_PRODUCTS)


def session_hours(product: str) -> SessionHours:
    """RTH of ``product`` (a root like ``MNQ`` or a contract id); equity-index hours if unknown."""
    root = product.split(".")[3] if product.count(".") >= 3 else product
    return _PRODUCTS.get(root.upper(), _EQUITY)


@dataclass(frozen=True, slots=True)
class Holiday:
    """A non-standard trading day: ``closed`` all day, or an early close at ``close`` (NY)."""

    name: str
    closed: bool
    close: time | None = None


_EXCEPTIONS: dict[date, Holiday | None] = {}


def add_exception(day: date, entry: Holiday | None) -> None:
    """Override the computed calendar for ``day`` (``None`` marks a normal day)."""
    _EXCEPTIONS[day] = entry
    _calendar.cache_clear()


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month = (h + m - 7 * n + 114) // 31
    day = (h + m - 7 * n + 114) % 31 + 1
    return date(year, month, day)


_EARLY = time(13, 0)
_EARLY_LATE = time(13, 15)


@lru_cache(maxsize=64)
def _calendar(year: int) -> dict[date, Holiday]:
    cal: dict[date, Holiday] = {
        _observed(date(year, 1, 1)): Holiday("New Year's Day", True),
        _easter(year) - timedelta(days=2): Holiday("Good Friday", True),
        _observed(date(year, 12, 25)): Holiday("Christmas Day", True),
        _nth_weekday(year, 1, 0, 3): Holiday("Martin Luther King Jr. Day", False, _EARLY),
        _nth_weekday(year, 2, 0, 3): Holiday("Presidents' Day", False, _EARLY),
        _last_weekday(year, 5, 0): Holiday("Memorial Day", False, _EARLY),
        _observed(date(year, 6, 19)): Holiday("Juneteenth", False, _EARLY),
        _observed(date(year, 7, 4)): Holiday("Independence Day", False, _EARLY),
        _nth_weekday(year, 9, 0, 1): Holiday("Labor Day", False, _EARLY),
        _nth_weekday(year, 11, 3, 4): Holiday("Thanksgiving Day", False, _EARLY),
        _nth_weekday(year, 11, 3, 4) + timedelta(days=1): Holiday(
            "Day after Thanksgiving", False, _EARLY_LATE
        ),
    }
    eve = date(year, 12, 24)
    if eve.weekday() < 5 and eve not in cal:
        cal[eve] = Holiday("Christmas Eve", False, _EARLY_LATE)
    for day, entry in _EXCEPTIONS.items():
        if day.year == year:
            if entry is None:
                cal.pop(day, None)
            else:
                cal[day] = entry
    return cal


def holiday(day: date) -> Holiday | None:
    """The holiday entry of trading date ``day`` (None on a normal trading day)."""
    return _calendar(day.year).get(day)


def _ns(day: date, at: time) -> int:
    return int(datetime.combine(day, at, tzinfo=NEW_YORK).timestamp()) * _NS


def session_bounds(
    day: date, session: Session = "ETH", product: str = "MNQ"
) -> tuple[int, int] | None:
    """``(open_ns, close_ns)`` UTC of ``session`` on trading date ``day``; None when closed."""
    if session not in ("RTH", "ETH"):
        raise ValidationError(f"session must be 'RTH' or 'ETH', got {session!r}")
    if day.weekday() >= 5:
        return None
    entry = holiday(day)
    if entry is not None and entry.closed:
        return None
    hours = session_hours(product)
    if session == "ETH":
        open_day = day - timedelta(days=1) if hours.eth_overnight else day
        open_ns = _ns(open_day, hours.eth_open)
        close_at = hours.eth_close
    else:
        open_ns = _ns(day, hours.rth_open)
        close_at = hours.rth_close
    if entry is not None and entry.close is not None and entry.close < close_at:
        close_at = entry.close
    close_ns = _ns(day, close_at)
    return (open_ns, close_ns) if close_ns > open_ns else None


def session_halt(
    day: date, session: Session = "ETH", product: str = "MNQ"
) -> tuple[int, int] | None:
    """``(start_ns, end_ns)`` UTC of the daily halt inside ``session`` on ``day`` (the grains'
    08:45-09:30 New York break in ETH), or None. :func:`session_bounds` spans it; the
    membership functions (:func:`in_session`, :func:`session_mask`) leave it out."""
    halt = session_hours(product).eth_break if session == "ETH" else None
    if halt is None or session_bounds(day, session, product) is None:
        return None
    return _ns(day, halt[0]), _ns(day, halt[1])


def in_session(ts_ns: int, session: Session = "RTH", product: str = "MNQ") -> bool:
    """Whether a trade at ``ts_ns`` falls inside ``session`` (half-open ``[open, close)``,
    a daily halt excluded)."""
    day = trading_date(ts_ns)
    bounds = session_bounds(day, session, product)
    if bounds is None or not bounds[0] <= ts_ns < bounds[1]:
        return False
    halt = session_halt(day, session, product)
    return halt is None or not halt[0] <= ts_ns < halt[1]


def _ns_series(frame: pl.DataFrame, column: str) -> pl.Series:
    if column not in frame.columns:
        raise ValidationError(f"frame has no {column!r} column")
    series = frame[column]
    if series.dtype == pl.Int64:
        return series
    if not isinstance(series.dtype, pl.Datetime):
        raise ValidationError(
            f"column {column!r} must hold Datetime or int64 ns, not {series.dtype}"
        )
    if series.dtype.time_zone is None:  # naive: UTC
        series = series.dt.replace_time_zone("UTC")
    return series.dt.epoch("ns")


def session_mask(
    frame: pl.DataFrame, session: Session = "RTH", product: str = "MNQ", *, column: str = "ts"
) -> pl.Series:
    """Per row of a bar/tick frame, whether its time lies inside ``session`` (see
    :func:`filter_session`); null times are outside."""
    if frame.height == 0:
        return pl.Series(column, [], dtype=pl.Boolean)
    ts = _ns_series(frame, column)
    first = ts.min()
    last = ts.max()
    mask = pl.repeat(False, frame.height, eager=True)
    if not isinstance(first, int) or not isinstance(last, int):
        return mask
    day = trading_date(first)
    end_day = trading_date(last)
    while day <= end_day:
        bounds = session_bounds(day, session, product)
        if bounds is not None:
            inside = (ts >= bounds[0]) & (ts < bounds[1])
            halt = session_halt(day, session, product)
            if halt is not None:
                inside = inside & ~((ts >= halt[0]) & (ts < halt[1]))
            mask = mask | inside.fill_null(False)
        day += timedelta(days=1)
    return mask


def filter_session(
    frame: pl.DataFrame, session: Session = "RTH", product: str = "MNQ", *, column: str = "ts"
) -> pl.DataFrame:
    """Rows of a bar/tick frame whose time lies inside ``session``.

    ``column`` holds ``Datetime`` (any unit; naive means UTC) or int64 nanoseconds. Bars are
    kept when their open time is inside the session.
    """
    if column not in frame.columns:
        raise ValidationError(f"frame has no {column!r} column")
    if frame.height == 0:
        return frame
    return frame.filter(session_mask(frame, session, product, column=column))


def trading_dates(frame: pl.DataFrame, *, column: str = "ts") -> pl.Series:
    """The CME trading date (``Date``) of every row's time (:func:`trading_date`)."""
    ts = _ns_series(frame, column)
    return pl.Series(
        "trading_date", [None if t is None else trading_date(t) for t in ts], dtype=pl.Date
    )


def aggregate_sessions(
    frame: pl.DataFrame, session: Session = "RTH", product: str = "MNQ", *, column: str = "ts"
) -> pl.DataFrame:
    """One OHLCV bar per trading date from the bars of ``frame`` inside ``session``.

    Columns: ``trading_date``, ``session_start``/``session_end`` (UTC ``Datetime``: the
    session's bounds that day, an early close included), ``open`` (first), ``high``, ``low``,
    ``close`` (last) and ``volume`` (sum); sorted by date. ``frame`` needs ``column`` and
    ``open, high, low, close, volume``.
    """
    needed = [c for c in ("open", "high", "low", "close", "volume") if c not in frame.columns]
    if needed:
        raise ValidationError(f"frame has no {', '.join(needed)} column(s)")
    inside = frame.filter(session_mask(frame, session, product, column=column))
    schema = {
        "trading_date": pl.Date(),
        "session_start": pl.Datetime("ns", "UTC"),
        "session_end": pl.Datetime("ns", "UTC"),
        "open": pl.Float64(),
        "high": pl.Float64(),
        "low": pl.Float64(),
        "close": pl.Float64(),
        "volume": pl.Int64(),
    }
    if inside.height == 0:
        return pl.DataFrame(schema=schema)
    tagged = inside.with_columns(
        trading_dates(inside, column=column), _ns_series(inside, column).alias("_ns")
    ).sort("_ns")
    bars = tagged.group_by("trading_date", maintain_order=True).agg(
        pl.col("open").first().cast(pl.Float64),
        pl.col("high").max().cast(pl.Float64),
        pl.col("low").min().cast(pl.Float64),
        pl.col("close").last().cast(pl.Float64),
        pl.col("volume").sum().cast(pl.Int64),
    )
    bounds = [session_bounds(d, session, product) for d in bars["trading_date"]]
    starts = [b[0] if b else None for b in bounds]
    ends = [b[1] if b else None for b in bounds]
    return bars.with_columns(
        pl.Series("session_start", starts, dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")),
        pl.Series("session_end", ends, dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")),
    ).select(list(schema))


def next_session(
    ts_ns: int, session: Session = "ETH", product: str = "MNQ", *, horizon_days: int = 14
) -> tuple[int, int] | None:
    """``(open_ns, close_ns)`` of the session in progress at ``ts_ns`` or, between sessions, of
    the next one (holidays and weekends skipped); None if none opens within ``horizon_days``."""
    day = trading_date(ts_ns)
    for _ in range(horizon_days + 1):
        bounds = session_bounds(day, session, product)
        if bounds is not None and bounds[1] > ts_ns:
            return bounds
        day += timedelta(days=1)
    return None


def now_in_session(session: Session = "RTH", product: str = "MNQ") -> bool:
    """Whether the current instant is inside ``session``."""
    return in_session(int(datetime.now(UTC).timestamp() * _NS), session, product)


def trading_day_start(now: datetime | None = None) -> datetime:
    """Start (UTC) of the CME trading day containing ``now``: 17:00 New York the evening before
    (the previous weekday's evening for a Monday)."""
    moment = now if now is not None else datetime.now(UTC)
    ns = int(moment.timestamp()) * 1_000_000_000
    day = trading_date(ns)
    previous = day - timedelta(days=1)
    while previous.weekday() >= 5:
        previous -= timedelta(days=1)
    return datetime.combine(previous, SESSION_CLOSE, tzinfo=NEW_YORK).astimezone(UTC)
