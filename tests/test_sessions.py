"""Sessions: RTH/ETH bounds across DST, the computed CME holiday calendar, session filtering."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import polars as pl
import pytest

from projectx.exceptions import ValidationError
from projectx.sessions import (
    Holiday,
    add_exception,
    filter_session,
    holiday,
    in_session,
    session_bounds,
    session_hours,
)

NS = 1_000_000_000


def ns(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp()) * NS


def test_rth_follows_new_york_dst() -> None:
    # 9:30 New York is 13:30 UTC in July (EDT) and 14:30 UTC in January (EST)
    assert session_bounds(date(2026, 7, 15), "RTH", "MNQ") == (
        ns(2026, 7, 15, 13, 30),
        ns(2026, 7, 15, 20, 0),
    )
    assert session_bounds(date(2026, 1, 14), "RTH", "ES") == (
        ns(2026, 1, 14, 14, 30),
        ns(2026, 1, 14, 21, 0),
    )


def test_eth_runs_from_18_00_the_evening_before_and_monday_opens_on_sunday() -> None:
    # Monday 2026-03-09 (the day after the spring DST change): Sunday 18:00 EDT = 22:00 UTC
    assert session_bounds(date(2026, 3, 9), "ETH") == (ns(2026, 3, 8, 22, 0), ns(2026, 3, 9, 21, 0))
    assert session_bounds(date(2026, 3, 7), "ETH") is None  # Saturday


def test_holidays_of_2026_match_the_cme_rules() -> None:
    assert holiday(date(2026, 4, 3)) == Holiday("Good Friday", True)  # Easter is 2026-04-05
    assert holiday(date(2026, 1, 1)).closed  # type: ignore[union-attr]
    assert holiday(date(2026, 12, 25)).closed  # type: ignore[union-attr]
    assert holiday(date(2026, 1, 19)).close == time(13, 0)  # type: ignore[union-attr] MLK
    assert holiday(date(2026, 5, 25)).name == "Memorial Day"  # type: ignore[union-attr]
    assert holiday(date(2026, 7, 3)).name == "Independence Day"  # type: ignore[union-attr] Sat->Fri
    assert holiday(date(2026, 11, 26)).name == "Thanksgiving Day"  # type: ignore[union-attr]
    assert holiday(date(2026, 11, 27)).close == time(13, 15)  # type: ignore[union-attr]
    assert holiday(date(2026, 11, 24)) is None
    assert session_bounds(date(2026, 4, 3), "RTH") is None
    # Thanksgiving: RTH ends at the 13:00 early close (EST: 18:00 UTC)
    assert session_bounds(date(2026, 11, 26), "RTH") == (
        ns(2026, 11, 26, 14, 30),
        ns(2026, 11, 26, 18, 0),
    )


def test_exceptions_override_the_computed_calendar() -> None:
    day = date(2031, 3, 12)
    assert holiday(day) is None
    add_exception(day, Holiday("Exchange outage", True))
    try:
        assert session_bounds(day, "ETH") is None
    finally:
        add_exception(day, None)
    assert session_bounds(day, "ETH") is not None


def test_in_session_is_half_open_and_uses_product_hours() -> None:
    open_ns, close_ns = session_bounds(date(2026, 7, 15), "RTH", "CL")  # type: ignore[misc]
    assert session_hours("CON.F.US.CL.Z26").rth_open == time(9, 0)
    assert in_session(open_ns, "RTH", "CL") and not in_session(close_ns, "RTH", "CL")
    assert not in_session(open_ns - 1, "RTH", "CL")


def test_filter_session_keeps_only_rth_bars() -> None:
    minutes = [ns(2026, 7, 15, 13, 0) + i * 60 * NS for i in range(8 * 60)]
    frame = pl.DataFrame({"ts": minutes, "close": range(len(minutes))}).with_columns(
        pl.col("ts").cast(pl.Datetime("ns", "UTC"))
    )
    rth = filter_session(frame, "RTH", "MNQ")
    first = rth["ts"][0]
    assert first == datetime(2026, 7, 15, 13, 30, tzinfo=UTC)
    assert rth.height == 6 * 60 + 30
    assert filter_session(frame, "ETH").height == frame.height
    with pytest.raises(ValidationError):
        filter_session(frame, "RTH", column="time")
    with pytest.raises(ValidationError):
        session_bounds(date(2026, 7, 15), "NIGHT")  # type: ignore[arg-type]
