"""Timeframe strings and the CME trading calendar used by the bar engine.

A timeframe is written ``<N><unit>`` with ``unit`` one of ``sec``, ``min``, ``hr`` (any ``N >= 1``)
or ``day``, ``week``, ``month`` (``N == 1`` only), e.g. ``"5sec"``, ``"15min"``, ``"4hr"``,
``"1day"``. Unknown spellings raise :class:`TimeframeError` (a ``ValidationError``/``ValueError``).

Intraday bars (sec/min/hr) align to UTC epoch multiples of their length and are computed natively.
Calendar bars follow the CME trading calendar in ``America/New_York`` (DST-correct):

* **trading day** ``D`` runs from the previous trading day's 17:00 close to ``D`` 17:00; a trade
  in the 17:00-18:00 maintenance gap, or on a weekend, belongs to the *next* trading day. Trading
  days are Monday to Friday; exchange holidays are not modelled (a holiday simply has no trades,
  hence no bar).
* **trading week**: the Monday-Friday trading days of one ISO week (opens Sunday 18:00).
* **month**: the trading days whose date falls in one calendar month.

Every calendar bar is labelled by its *open* time: 18:00 New York on the calendar day before its
first trading day (Sunday 18:00 for a Monday). Its period (used to decide which bar a trade
belongs to) starts at the 17:00 close before that and ends at the 17:00 close of its last
trading day, so consecutive periods tile the time line without gaps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

from projectx.enums import BarUnit
from projectx.exceptions import ValidationError

__all__ = [
    "NEW_YORK",
    "CalendarKind",
    "Timeframe",
    "TimeframeError",
    "calendar_period",
    "parse_timeframe",
    "trading_date",
]

NEW_YORK = ZoneInfo("America/New_York")
SESSION_CLOSE = time(17, 0)
SESSION_OPEN = time(18, 0)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NS_PER_SECOND = 1_000_000_000
_ONE_DAY = timedelta(days=1)


class TimeframeError(ValidationError):
    """An unknown or malformed timeframe string (a ``ValidationError``, hence a ``ValueError``)."""


class CalendarKind(IntEnum):
    """How a timeframe's boundaries are computed (codes shared with ``ext/bars.pyx``)."""

    INTRADAY = 0
    DAY = 1
    WEEK = 2
    MONTH = 3


_UNITS: dict[str, tuple[BarUnit, CalendarKind, int]] = {
    # suffix -> (REST unit, kind, nanoseconds per unit for intraday)
    "sec": (BarUnit.SECOND, CalendarKind.INTRADAY, _NS_PER_SECOND),
    "min": (BarUnit.MINUTE, CalendarKind.INTRADAY, 60 * _NS_PER_SECOND),
    "hr": (BarUnit.HOUR, CalendarKind.INTRADAY, 3600 * _NS_PER_SECOND),
    "day": (BarUnit.DAY, CalendarKind.DAY, 0),
    "week": (BarUnit.WEEK, CalendarKind.WEEK, 0),
    "month": (BarUnit.MONTH, CalendarKind.MONTH, 0),
}
_PATTERN = re.compile(r"([0-9]{1,9})(sec|min|hr|day|week|month)")
_MAX_INTRADAY_NS = 366 * 86_400 * _NS_PER_SECOND


@dataclass(frozen=True, slots=True)
class Timeframe:
    """A parsed timeframe: canonical ``name``, REST ``unit``/``number`` and how it is bucketed."""

    name: str
    unit: BarUnit
    number: int
    kind: CalendarKind
    length_ns: int
    """Bar length in ns for intraday timeframes; 0 for calendar ones."""

    @property
    def is_calendar(self) -> bool:
        """True for day/week/month bars (boundaries from the trading calendar)."""
        return self.kind is not CalendarKind.INTRADAY


def parse_timeframe(text: str) -> Timeframe:
    """Parse ``"5min"``-style text; raise :class:`TimeframeError` when it is not a timeframe."""
    if not isinstance(text, str):
        raise TimeframeError(f"timeframe must be a str such as '5min', got {type(text).__name__}")
    match = _PATTERN.fullmatch(text)
    if match is None:
        raise TimeframeError(
            f"unknown timeframe {text!r}: expected <N>sec, <N>min, <N>hr, 1day, 1week or 1month"
        )
    number = int(match.group(1))
    suffix = match.group(2)
    unit, kind, unit_ns = _UNITS[suffix]
    if number < 1:
        raise TimeframeError(f"timeframe {text!r}: the count must be at least 1")
    if kind is not CalendarKind.INTRADAY and number != 1:
        raise TimeframeError(f"timeframe {text!r}: only 1{suffix} is supported")
    length_ns = number * unit_ns
    if length_ns > _MAX_INTRADAY_NS:
        raise TimeframeError(f"timeframe {text!r}: intraday bars longer than 366 days")
    return Timeframe(f"{number}{suffix}", unit, number, kind, length_ns)


def _to_ns(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _NS_PER_SECOND + delta.microseconds * 1000


def _new_york_ns(day: date, at: time) -> int:
    return _to_ns(datetime.combine(day, at, tzinfo=NEW_YORK))


def _roll_to_weekday(day: date) -> date:
    weekday = day.weekday()
    return day + timedelta(days=7 - weekday) if weekday >= 5 else day


def _previous_trading_date(day: date) -> date:
    day -= _ONE_DAY
    while day.weekday() >= 5:
        day -= _ONE_DAY
    return day


def trading_date(ts_ns: int) -> date:
    """The CME trading date a trade at ``ts_ns`` (UTC ns) belongs to."""
    local = (_EPOCH + timedelta(seconds=ts_ns // _NS_PER_SECOND)).astimezone(NEW_YORK)
    day = local.date()
    if local.time() >= SESSION_CLOSE:
        day += _ONE_DAY
    return _roll_to_weekday(day)


def _period_of_days(first: date, last: date) -> tuple[int, int, int]:
    """(start, label, end) ns of the period made of trading days ``first..last``."""
    return (
        _new_york_ns(_previous_trading_date(first), SESSION_CLOSE),
        _new_york_ns(first - _ONE_DAY, SESSION_OPEN),
        _new_york_ns(last, SESSION_CLOSE),
    )


def _first_trading_date_of_month(year: int, month: int) -> date:
    return _roll_to_weekday(date(year, month, 1))


def calendar_period(kind: int, ts_ns: int) -> tuple[int, int, int]:
    """``(start_ns, label_ns, end_ns)`` of the day/week/month bar containing ``ts_ns``.

    ``start_ns <= ts_ns < end_ns``; ``label_ns`` is the bar's open time (its timestamp). Called by
    the native bar engine only when a calendar bar closes.
    """
    day = trading_date(ts_ns)
    if kind == CalendarKind.DAY:
        return _period_of_days(day, day)
    if kind == CalendarKind.WEEK:
        monday = day - timedelta(days=day.weekday())
        return _period_of_days(monday, monday + timedelta(days=4))
    if kind == CalendarKind.MONTH:
        first = _first_trading_date_of_month(day.year, day.month)
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        last = _previous_trading_date(_first_trading_date_of_month(year, month))
        return _period_of_days(first, last)
    raise TimeframeError(f"calendar_period: kind {kind!r} is not DAY, WEEK or MONTH")
