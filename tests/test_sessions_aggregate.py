"""projectx.sessions additions: session_mask, trading_dates, aggregate_sessions, next_session."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from projectx import sessions
from projectx.timeframes import NEW_YORK

MONDAY = date(2025, 3, 10)


def _ns(day: date, hh: int, mm: int = 0) -> int:
    return int(datetime.combine(day, time(hh, mm), tzinfo=NEW_YORK).timestamp()) * 1_000_000_000


def test_next_session_skips_the_weekend_and_holidays() -> None:
    friday_evening = _ns(date(2025, 3, 7), 17, 30)
    assert sessions.next_session(friday_evening, "ETH") == (
        _ns(date(2025, 3, 9), 18),
        _ns(MONDAY, 17),
    )
    inside = _ns(MONDAY, 10)
    assert sessions.next_session(inside, "RTH", "ES") == (_ns(MONDAY, 9, 30), _ns(MONDAY, 16))
    christmas_eve_late = _ns(date(2025, 12, 24), 15)
    start, _ = sessions.next_session(christmas_eve_late, "RTH", "ES")  # type: ignore[misc]
    assert start == _ns(date(2025, 12, 26), 9, 30)


def test_aggregate_sessions_and_trading_dates() -> None:
    stamps = [
        datetime.combine(MONDAY, time(9), tzinfo=NEW_YORK) + timedelta(hours=i) for i in range(12)
    ]
    frame = pl.DataFrame(
        {
            "ts": pl.Series(stamps).dt.convert_time_zone("UTC"),
            "open": [float(i) for i in range(12)],
            "high": [float(i) + 1 for i in range(12)],
            "low": [float(i) - 1 for i in range(12)],
            "close": [float(i) + 0.5 for i in range(12)],
            "volume": [1] * 12,
        }
    )
    days = sessions.trading_dates(frame).to_list()
    assert days[:8] == [MONDAY] * 8 and days[8] == MONDAY + timedelta(days=1)  # 17:00 -> next day
    bars = sessions.aggregate_sessions(frame, "RTH", "ES")
    assert bars.height == 1 and bars["volume"][0] == 6  # 10:00 .. 15:00
    assert (bars["open"][0], bars["close"][0]) == (1.0, 6.5)
    assert bars["session_start"][0] == datetime.combine(
        MONDAY, time(9, 30), tzinfo=NEW_YORK
    ).astimezone(UTC)
    assert sessions.session_mask(frame, "RTH", "ES").sum() == 6
    assert sessions.aggregate_sessions(frame.head(0), "RTH").height == 0


def test_new_products_have_their_hours() -> None:
    corn = sessions.session_hours("ZC")
    assert (corn.rth_open, corn.rth_close) == (time(9, 30), time(14, 20))
    assert (corn.eth_open, corn.eth_close, corn.eth_break) == (
        time(20, 0),
        time(14, 20),
        (time(8, 45), time(9, 30)),
    )
    assert sessions.session_hours("HG").rth_close == time(13, 0)
    assert sessions.session_hours("CON.F.US.PL.N25").rth_close == time(13, 5)
    assert "VX" in sessions.known_products()


def _ny(day: date, at: time) -> int:
    return int(datetime.combine(day, at, tzinfo=NEW_YORK).timestamp()) * 1_000_000_000


def test_grains_trade_overnight_from_20_00_with_a_halt_before_the_day_session() -> None:
    sunday = MONDAY - timedelta(days=1)
    inside = [(sunday, time(20, 30)), (MONDAY, time(8, 0)), (MONDAY, time(10, 0))]
    outside = [(sunday, time(19, 30)), (MONDAY, time(9, 0)), (MONDAY, time(14, 30))]
    for day, at in inside:
        assert sessions.in_session(_ny(day, at), "ETH", "ZC"), at
    for day, at in outside:
        assert not sessions.in_session(_ny(day, at), "ETH", "ZC"), at
    assert sessions.in_session(_ny(sunday, time(19, 30)), "ETH", "ES")  # the Globex day
    assert sessions.session_bounds(MONDAY, "ETH", "ZC") == (
        _ny(sunday, time(20, 0)),
        _ny(MONDAY, time(14, 20)),
    )
    assert sessions.session_halt(MONDAY, "ETH", "ZC") == (
        _ny(MONDAY, time(8, 45)),
        _ny(MONDAY, time(9, 30)),
    )
    assert sessions.session_halt(MONDAY, "RTH", "ZC") is None
    assert sessions.session_halt(MONDAY, "ETH", "ES") is None
    times = [_ny(d, t) for d, t in inside + outside]
    frame = pl.DataFrame({"ts": times}, schema={"ts": pl.Int64})
    mask = sessions.session_mask(frame, "ETH", "ZC")
    assert mask.to_list() == [True] * len(inside) + [False] * len(outside)


def test_livestock_has_no_overnight_session() -> None:
    sunday_evening = _ny(MONDAY - timedelta(days=1), time(20, 0))
    assert not sessions.in_session(sunday_evening, "ETH", "LE")
    assert sessions.in_session(sunday_evening, "ETH", "ES")
    assert sessions.session_bounds(MONDAY, "ETH", "HE") == sessions.session_bounds(
        MONDAY, "RTH", "HE"
    )
    assert sessions.in_session(_ny(MONDAY, time(10, 0)), "ETH", "GF")
    assert not sessions.in_session(_ny(MONDAY, time(14, 10)), "ETH", "GF")
