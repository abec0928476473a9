"""projectx.compat.sessions mirrors project-x-py 4.4.1's sessions over projectx.sessions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import polars as pl
import pytest

from projectx import sessions as core
from projectx.compat import sessions
from projectx.compat.sessions import SessionConfig, SessionTimes, SessionType
from projectx.compat.sessions import indicators as ind
from projectx.exceptions import ValidationError
from projectx.timeframes import NEW_YORK
from tests.compat._pxpy_facts import modules, problems

API = json.loads(Path(__file__).with_name("pxpy_public_api.json").read_text())["modules"]
# project-x-py's products and regular hours (New York), recorded from 4.4.1
PXPY_RTH = {
    "ES": (time(9, 30), time(16, 0)),
    "MNQ": (time(9, 30), time(16, 0)),
    "CL": (time(9, 0), time(14, 30)),
    "GC": (time(8, 20), time(13, 30)),
    "ZN": (time(8, 20), time(15, 0)),
    "6E": (time(8, 20), time(15, 0)),
    "ZC": (time(9, 30), time(14, 20)),
    "LE": (time(9, 30), time(14, 5)),
    "PL": (time(8, 20), time(13, 5)),
    "VX": (time(9, 30), time(16, 15)),
}


@pytest.mark.parametrize("module", modules("project_x_py.sessions"))
def test_names_and_signatures_match_project_x_py(module: str) -> None:
    assert problems(module) == []


def test_every_project_x_py_product_is_known() -> None:
    facts = json.loads(Path(__file__).with_name("pxpy_signatures.json").read_text())
    assert sessions.__all__ == sorted(sessions.__all__) or set(sessions.__all__) == set(
        API["project_x_py.sessions"]
    )
    assert set(API["project_x_py.sessions"]) == set(sessions.__all__)
    assert "project_x_py.sessions.config" in facts
    for product, (start, end) in PXPY_RTH.items():
        times = sessions.DEFAULT_SESSIONS[product]
        assert (times.rth_start, times.rth_end) == (start, end), product
        assert core.session_hours(product).rth_open == start


def test_extended_hours_are_the_cores_per_product() -> None:
    defaults = sessions.DEFAULT_SESSIONS
    assert (defaults["ES"].eth_start, defaults["ES"].eth_end) == (time(18, 0), time(17, 0))
    assert (defaults["ZC"].eth_start, defaults["ZC"].eth_end) == (time(20, 0), time(14, 20))
    for day_only in ("LE", "HE", "GF", "DC"):  # no overnight session: ETH is RTH
        times = defaults[day_only]
        assert (times.eth_start, times.eth_end) == (times.rth_start, times.rth_end), day_only


def _ny(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=NEW_YORK)


MONDAY = date(2025, 3, 10)
CHRISTMAS = date(2025, 12, 25)


def test_session_type_equals_its_name() -> None:
    assert SessionType.RTH == "RTH" and str(SessionType.ETH) == "ETH"
    assert SessionConfig(session_type="RTH").session_type is SessionType.RTH  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        SessionConfig(session_type="NIGHT")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        SessionConfig(market_timezone="Mars/Base")
    with pytest.raises(ValidationError):
        SessionTimes(time(9), time(16), eth_start=time(18))


@pytest.mark.parametrize(
    ("product", "moment", "rth", "eth"),
    [
        ("ES", _ny(MONDAY, 10), True, True),
        ("ES", _ny(MONDAY, 9, 29), False, True),
        ("ES", _ny(MONDAY, 16, 0), False, True),
        ("ES", _ny(MONDAY, 17, 30), False, False),  # daily maintenance break
        ("CL", _ny(MONDAY, 14, 45), False, True),
        ("MNQ", _ny(date(2025, 3, 8), 12), False, False),  # Saturday
        ("ES", _ny(CHRISTMAS, 10), False, False),  # exchange holiday
    ],
)
def test_market_open_follows_the_core_calendar(
    product: str, moment: datetime, rth: bool, eth: bool
) -> None:
    assert SessionConfig(session_type=SessionType.RTH).is_market_open(moment, product) is rth
    assert SessionConfig(session_type=SessionType.ETH).is_market_open(moment, product) is eth
    ns = int(moment.timestamp() * 1e9)
    assert rth == core.in_session(ns, "RTH", product)


def test_current_session_and_unknown_product() -> None:
    config = SessionConfig()
    assert config.get_current_session(_ny(MONDAY, 10), "ES") == "RTH"
    assert config.get_current_session(_ny(MONDAY, 20), "ES") == "ETH"
    assert config.get_current_session(_ny(MONDAY, 17, 15), "ES") == "BREAK"
    assert config.get_current_session(datetime(2025, 3, 10, 15), "ES") == "BREAK"  # naive
    with pytest.raises(ValidationError):
        config.get_session_times("NOPE")


def test_custom_product_window() -> None:
    config = SessionConfig(
        session_type=SessionType.RTH, product_sessions={"ES": SessionTimes(time(10), time(11))}
    )
    assert config.is_market_open(_ny(MONDAY, 10, 30), "ES")
    assert not config.is_market_open(_ny(MONDAY, 9, 45), "ES")


@pytest.mark.parametrize(
    ("given", "root"),
    [
        ("MNQ", "MNQ"),
        ("mnq", "MNQ"),
        ("CON.F.US.MNQ.Z25", "MNQ"),
        ("F.US.EP", "EP"),
        ("MESZ5", "MES"),
    ],
)
def test_resolve_session_product(given: str, root: str) -> None:
    assert sessions.resolve_session_product(given) == root


def _bars(start: datetime, n: int, step: timedelta = timedelta(hours=1)) -> pl.DataFrame:
    stamps = [start + i * step for i in range(n)]
    return pl.DataFrame(
        {
            "timestamp": pl.Series(stamps).dt.convert_time_zone("UTC"),
            "open": [100.0 + i for i in range(n)],
            "high": [101.0 + i for i in range(n)],
            "low": [99.0 + i for i in range(n)],
            "close": [100.5 + i for i in range(n)],
            "volume": [10 * (i + 1) for i in range(n)],
        }
    )


async def test_filter_by_session_equals_the_core_filter() -> None:
    data = _bars(_ny(MONDAY, 0), 48)
    mixin = sessions.SessionFilterMixin()
    rth = await mixin.filter_by_session(data, SessionType.RTH, "CON.F.US.ES.M25")
    expected = core.filter_session(data, "RTH", "ES", column="timestamp")
    assert rth.equals(expected)
    hours = rth["timestamp"].dt.convert_time_zone(str(NEW_YORK)).dt.hour().to_list()
    assert hours == [10, 11, 12, 13, 14, 15] * 2
    eth = await mixin.filter_by_session(data, SessionType.ETH, "ES")
    assert eth.height == 48 - 2  # the two 17:00 maintenance bars
    custom = await mixin.filter_by_session(
        data, SessionType.CUSTOM, "ES", SessionTimes(time(12), time(13))
    )
    assert custom.height == 2
    assert mixin.is_in_session(_ny(MONDAY, 11), SessionType.RTH, "ES")
    with pytest.raises(ValidationError):
        await mixin.filter_by_session(data.drop("volume"), SessionType.RTH, "ES")
    with pytest.raises(ValidationError):
        mixin.is_in_session("2025-03-10T15:00:00Z", SessionType.RTH, "ES")  # type: ignore[arg-type]


def test_aggregate_session_bars_makes_one_candle_per_session() -> None:
    data = _bars(_ny(MONDAY, 0), 48)
    out = sessions.aggregate_session_bars(
        data, "ES", session_type="RTH", now=datetime(2030, 1, 1, tzinfo=UTC)
    )
    assert out.columns == [
        "timestamp",
        "trading_date",
        "session_start",
        "session_end",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "is_partial",
    ]
    assert out["trading_date"].to_list() == [MONDAY, MONDAY + timedelta(days=1)]
    first = data.filter(
        pl.col("timestamp").is_between(
            _ny(MONDAY, 9, 30).astimezone(UTC), _ny(MONDAY, 16).astimezone(UTC), closed="left"
        )
    )
    assert out["open"][0] == first["open"][0] and out["close"][0] == first["close"][-1]
    assert out["high"][0] == first["high"].max() and out["volume"][0] == first["volume"].sum()
    assert out["session_start"][0] == _ny(MONDAY, 9, 30)
    assert out["session_end"][0] == _ny(MONDAY, 16)
    assert out["is_partial"].to_list() == [False, False]
    running = sessions.aggregate_session_bars(
        data, "ES", session_type="RTH", include_partial=False, now=_ny(MONDAY + timedelta(1), 12)
    )
    assert running.height == 1
    with pytest.raises(ValidationError):
        sessions.aggregate_session_bars(data, "ES", interval="4h")


def test_eth_candle_starts_the_evening_before() -> None:
    data = _bars(_ny(MONDAY, 18), 24)
    out = sessions.aggregate_session_bars(data, "ES", session_type="ETH")
    assert out["trading_date"].to_list()[0] == MONDAY + timedelta(days=1)
    assert out["session_start"][0] == _ny(MONDAY, 18)


async def test_session_indicators_reset_each_trading_day() -> None:
    data = _bars(_ny(MONDAY, 15), 6)  # 15:00-20:00: the 18:00 bar starts a new trading day
    out = await ind.calculate_session_cumulative_volume(data)
    assert out["session_cumulative_volume"].to_list() == [10, 30, 30, 70, 120, 180]
    levels = await ind.calculate_session_levels(data)
    assert levels["session_high"].to_list() == [101.0, 102.0, 103.0, 104.0, 105.0, 106.0]
    assert levels["session_low"].to_list() == [99.0, 99.0, 101.0, 101.0, 101.0, 101.0]
    pct = await ind.calculate_percent_from_open(data)
    assert pct["percent_from_open"][1] == pytest.approx((101.5 - 100.0) / 100.0 * 100)
    assert pct["percent_from_open"][3] == pytest.approx((103.5 - 102.0) / 102.0 * 100)
    vwap = await ind.calculate_session_vwap(data, SessionType.RTH, "ES")
    assert vwap["session_vwap"][0] == pytest.approx(100.5)
    assert vwap["session_vwap"][1] == pytest.approx(100.5)  # 16:00 is outside RTH: unchanged
    assert vwap["session_vwap"][2] is None  # next trading day, no RTH bar yet
    anchored = await ind.calculate_anchored_vwap(data)
    pv = sum(c * v for c, v in zip(data["close"], data["volume"], strict=True))
    assert anchored["anchored_vwap"][-1] == pytest.approx(pv / data["volume"].sum())


def test_gap_and_profile_helpers() -> None:
    fri = pl.DataFrame({"close": [100.0]})
    mon = pl.DataFrame({"open": [102.0]})
    assert ind.calculate_session_gap(fri, mon) == {"gap_size": 2.0, "gap_percentage": 2.0}
    data = _bars(_ny(MONDAY, 10), 5)
    assert ind.get_volume_profile(data, SessionType.RTH) == {
        "open_volume": 10,
        "midday_volume": 30,
        "close_volume": 50,
    }


async def test_session_statistics() -> None:
    data = _bars(_ny(MONDAY, 0), 24)
    stats = await sessions.SessionStatistics().calculate_session_stats(data, "ES")
    rth = core.filter_session(data, "RTH", "ES", column="timestamp")
    assert stats["rth_volume"] == rth["volume"].sum()
    assert stats["rth_high"] == rth["high"].max() and stats["rth_low"] == rth["low"].min()
    assert stats["eth_volume"] > stats["rth_volume"]
    compare = await sessions.SessionAnalytics().compare_sessions(data, "ES")
    assert compare["rth_vs_eth_volume_ratio"] == pytest.approx(
        stats["rth_volume"] / stats["eth_volume"]
    )
