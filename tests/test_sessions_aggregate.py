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
    assert sessions.session_hours("ZC") == sessions.SessionHours(time(9, 30), time(14, 20))
    assert sessions.session_hours("CON.F.US.PL.N25").rth_close == time(13, 5)
    assert "VX" in sessions.known_products()
