"""Timeframe parsing and the CME trading calendar (day/week/month periods, DST-correct)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.enums import BarUnit
from projectx.exceptions import ValidationError
from projectx.timeframes import (
    CalendarKind,
    TimeframeError,
    calendar_period,
    parse_timeframe,
    trading_date,
)
from tests.reference.bars_model import label_of

S = 1_000_000_000
DESIGN_TIMEFRAMES = [
    "1sec", "5sec", "10sec", "15sec", "30sec", "1min", "2min", "3min", "5min", "10min",
    "15min", "30min", "1hr", "2hr", "4hr", "1day", "1week", "1month",
]  # fmt: skip


def utc_ns(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp()) * S


@pytest.mark.parametrize("text", DESIGN_TIMEFRAMES)
def test_every_design_timeframe_parses_to_itself(text: str) -> None:
    assert parse_timeframe(text).name == text


@pytest.mark.parametrize(
    ("text", "unit", "number", "length_ns"),
    [
        ("1sec", BarUnit.SECOND, 1, S),
        ("45sec", BarUnit.SECOND, 45, 45 * S),
        ("7min", BarUnit.MINUTE, 7, 420 * S),
        ("4hr", BarUnit.HOUR, 4, 4 * 3600 * S),
        ("1day", BarUnit.DAY, 1, 0),
        ("1week", BarUnit.WEEK, 1, 0),
        ("1month", BarUnit.MONTH, 1, 0),
    ],
)
def test_timeframe_carries_rest_unit_and_length(
    text: str, unit: BarUnit, number: int, length_ns: int
) -> None:
    tf = parse_timeframe(text)
    assert (tf.unit, tf.number, tf.length_ns) == (unit, number, length_ns)
    assert tf.is_calendar == (length_ns == 0)


def test_leading_zeros_are_canonicalised() -> None:
    assert parse_timeframe("05min").name == "5min"


@pytest.mark.parametrize(
    "text", ["", "5", "min", "0min", "5m", "5 min", "5MIN", "2day", "3week", "1year", "-1sec", 5]
)
def test_unknown_timeframe_raises_a_validation_error(text: object) -> None:
    with pytest.raises(TimeframeError) as info:
        parse_timeframe(text)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, ValidationError)


def test_trade_in_maintenance_gap_belongs_to_next_trading_day() -> None:
    # Wednesday 2025-06-04 17:30 EDT = 21:30 UTC -> Thursday's session, which opened 18:00 EDT.
    start, label, end = calendar_period(CalendarKind.DAY, utc_ns(2025, 6, 4, 21, 30))
    assert start == utc_ns(2025, 6, 4, 21)  # 17:00 EDT close of Wednesday
    assert label == utc_ns(2025, 6, 4, 22)  # 18:00 EDT open
    assert end == utc_ns(2025, 6, 5, 21)


def test_weekend_trade_belongs_to_monday() -> None:
    saturday = utc_ns(2025, 6, 7, 15)
    assert trading_date(saturday).isoformat() == "2025-06-09"
    start, label, end = calendar_period(CalendarKind.DAY, saturday)
    assert (start, label, end) == (
        utc_ns(2025, 6, 6, 21),  # Friday 17:00 EDT
        utc_ns(2025, 6, 8, 22),  # Sunday 18:00 EDT
        utc_ns(2025, 6, 9, 21),  # Monday 17:00 EDT
    )


def test_day_period_spanning_spring_dst_change() -> None:
    # Monday 2025-03-10 (EDT); the weekend before holds the 2025-03-09 change from EST.
    start, label, end = calendar_period(CalendarKind.DAY, utc_ns(2025, 3, 10, 14))
    assert start == utc_ns(2025, 3, 7, 22)  # Friday 17:00 EST
    assert label == utc_ns(2025, 3, 9, 22)  # Sunday 18:00 EDT
    assert end == utc_ns(2025, 3, 10, 21)  # Monday 17:00 EDT


def test_day_period_spanning_autumn_dst_change() -> None:
    start, label, end = calendar_period(CalendarKind.DAY, utc_ns(2025, 11, 3, 15))
    assert start == utc_ns(2025, 10, 31, 21)  # Friday 17:00 EDT
    assert label == utc_ns(2025, 11, 2, 23)  # Sunday 18:00 EST
    assert end == utc_ns(2025, 11, 3, 22)  # Monday 17:00 EST


def test_week_opens_sunday_evening_and_closes_friday() -> None:
    start, label, end = calendar_period(CalendarKind.WEEK, utc_ns(2025, 6, 4, 12))
    assert start == utc_ns(2025, 5, 30, 21)
    assert label == utc_ns(2025, 6, 1, 22)
    assert end == utc_ns(2025, 6, 6, 21)


def test_month_follows_the_trading_date() -> None:
    # Friday 2025-05-30 17:30 EDT trades for Monday 2 June, so it is June's first trade.
    start, label, end = calendar_period(CalendarKind.MONTH, utc_ns(2025, 5, 30, 21, 30))
    assert start == utc_ns(2025, 5, 30, 21)
    assert label == utc_ns(2025, 6, 1, 22)  # Sunday 1 June 18:00 EDT
    assert end == utc_ns(2025, 6, 30, 21)  # Monday 30 June 17:00 EDT
    # ... and Tuesday 1 July opens the next month on Monday 30 June at 18:00.
    assert calendar_period(CalendarKind.MONTH, end)[1] == utc_ns(2025, 6, 30, 22)


def test_calendar_period_rejects_intraday_kind() -> None:
    with pytest.raises(TimeframeError):
        calendar_period(CalendarKind.INTRADAY, 0)


TS = st.integers(utc_ns(2000, 1, 1), utc_ns(2040, 1, 1))
KINDS = st.sampled_from([CalendarKind.DAY, CalendarKind.WEEK, CalendarKind.MONTH])
NAMES = {CalendarKind.DAY: "1day", CalendarKind.WEEK: "1week", CalendarKind.MONTH: "1month"}


@settings(max_examples=200, deadline=None)
@given(ts=TS, kind=KINDS)
def test_periods_contain_the_trade_and_tile_the_time_line(ts: int, kind: CalendarKind) -> None:
    start, label, end = calendar_period(kind, ts)
    assert start <= ts < end
    assert start <= label < end
    assert calendar_period(kind, end)[0] == end  # the next period starts where this one ends
    assert calendar_period(kind, start) == (start, label, end)
    assert calendar_period(kind, end - 1) == (start, label, end)


@settings(max_examples=200, deadline=None)
@given(ts=TS, kind=KINDS)
def test_labels_agree_with_the_reference_model(ts: int, kind: CalendarKind) -> None:
    assert calendar_period(kind, ts)[1] == label_of(NAMES[kind], ts)
