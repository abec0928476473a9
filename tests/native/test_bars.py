"""BarEngine behaviour pinned down on small hand-checked streams."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from projectx._native.bars import (
    Bar,
    BarEngine,
    BarEngineStateError,
    InvalidTradeError,
)
from projectx.exceptions import ValidationError
from projectx.timeframes import TimeframeError

S = 1_000_000_000
M = 60 * S


def utc_ns(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp()) * S


def test_first_trade_opens_a_forming_bar_and_closes_nothing() -> None:
    e = BarEngine(["1min"])
    assert e.forming("1min") is None
    assert e.update(10 * M + 5 * S, 100.0, 2) == 0
    assert e.forming("1min") == Bar(10 * M, 100.0, 100.0, 100.0, 100.0, 2, 1)
    assert e.last_closed("1min") is None
    assert e.next_close_ns("1min") == 11 * M


def test_crossing_a_boundary_reports_and_stores_the_completed_bar() -> None:
    e = BarEngine(["1sec", "1min"])
    e.update(0, 10.0, 1)
    e.update(S // 2, 12.0, 2)
    e.update(S - 1, 9.0, 3)
    mask = e.update(S, 11.0, 4)
    assert mask == 0b01
    assert e.mask_timeframes(mask) == ["1sec"]
    assert e.last_closed("1sec") == Bar(0, 10.0, 12.0, 9.0, 9.0, 6, 3)
    assert e.forming("1sec") == Bar(S, 11.0, 11.0, 11.0, 11.0, 4, 1)
    assert e.forming("1min") == Bar(0, 10.0, 12.0, 9.0, 11.0, 10, 4)
    assert e.update(M, 1.0, 1) == 0b11


def test_empty_periods_produce_no_bars() -> None:
    e = BarEngine(["1sec"])
    e.update(0, 1.0, 1)
    e.update(3600 * S, 2.0, 1)
    e.update(3600 * S + 5 * S, 3.0, 1)
    assert e.closed("1sec")["ts"].tolist() == [0, 3600 * S]


def test_late_trade_counts_into_the_forming_bar() -> None:
    e = BarEngine(["1sec", "1min"])
    e.update(5 * S, 10.0, 1)
    e.update(7 * S, 11.0, 1)
    assert e.update(6 * S, 20.0, 3) == 0  # older than the 1sec forming bar (starts at 7 s)
    assert e.forming("1sec") == Bar(7 * S, 11.0, 20.0, 11.0, 20.0, 4, 2)
    stats = e.stats()
    assert stats["late_trades"] == 1 and stats["trades"] == 3
    assert stats["timeframes"]["1sec"]["late_trades"] == 1
    assert stats["timeframes"]["1min"]["late_trades"] == 0


def test_invalid_trades_raise_and_change_nothing() -> None:
    e = BarEngine(["1sec"])
    e.update(0, 1.0, 1)
    for price, volume in ((float("nan"), 1), (float("inf"), 1), (1.0, -1)):
        with pytest.raises(InvalidTradeError):
            e.update(S, price, volume)
    with pytest.raises(InvalidTradeError):
        e.update_batch(
            np.array([S, 2 * S], dtype=np.int64),
            np.array([1.0, np.nan]),
            np.array([1, 1], dtype=np.int64),
        )
    assert e.trades == 1 and e.forming("1sec") == Bar(0, 1.0, 1.0, 1.0, 1.0, 1, 1)
    assert isinstance(InvalidTradeError("x"), ValidationError)


def test_batch_arrays_must_have_one_length() -> None:
    e = BarEngine(["1sec"])
    with pytest.raises(ValidationError):
        e.update_batch(np.zeros(2, np.int64), np.zeros(3), np.zeros(2, np.int64))


def test_batch_reports_closed_bar_counts_per_timeframe() -> None:
    e = BarEngine(["1sec", "1min"])
    ts = np.arange(0, 125 * S, S // 2, dtype=np.int64)
    counts = e.update_batch(ts, np.ones(len(ts)), np.ones(len(ts), dtype=np.int64))
    assert counts == {"1sec": 124, "1min": 2}
    assert e.update_batch(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64)) == {
        "1sec": 0,
        "1min": 0,
    }


def test_timeframe_validation() -> None:
    with pytest.raises(TimeframeError):
        BarEngine(["1min", "7parsecs"])
    with pytest.raises(ValidationError):
        BarEngine(["1min", "01min"])
    with pytest.raises(ValidationError):
        BarEngine([])
    with pytest.raises(ValidationError):
        BarEngine(["1min"], capacity=0)
    with pytest.raises(ValidationError):
        BarEngine(["1min"], capacity={"5min": 10})
    e = BarEngine(["1min", "5min"], capacity={"5min": 3})
    assert e.ring("5min").capacity == 3 and e.ring("1min").capacity > 3
    with pytest.raises(ValidationError):
        e.forming("1hr")
    assert e.index("05min") == 1


def test_day_bar_is_labelled_by_its_new_york_open_across_dst() -> None:
    e = BarEngine(["1day", "1week", "1month"])
    friday = utc_ns(2025, 3, 7, 15)  # Friday 10:00 EST
    monday = utc_ns(2025, 3, 10, 14)  # Monday 10:00 EDT, after the 9 March change
    e.update(friday, 5.0, 1)
    mask = e.update(monday, 6.0, 1)
    assert e.mask_timeframes(mask) == ["1day", "1week"]
    assert e.last_closed("1day").ts_ns == utc_ns(2025, 3, 6, 23)  # Thursday 18:00 EST
    assert e.forming("1day").ts_ns == utc_ns(2025, 3, 9, 22)  # Sunday 18:00 EDT
    assert e.last_closed("1week").ts_ns == utc_ns(2025, 3, 2, 23)  # Sunday 2 March 18:00 EST
    # 1 March 2025 is a Saturday: the month opens with Monday 3 March, on Sunday 18:00 EST.
    assert e.forming("1month").ts_ns == utc_ns(2025, 3, 2, 23)
    assert e.next_close_ns("1day") == utc_ns(2025, 3, 10, 21)


def test_maintenance_gap_trade_opens_the_next_day_bar() -> None:
    e = BarEngine(["1day"])
    e.update(utc_ns(2025, 6, 4, 20, 59), 1.0, 1)  # 16:59 EDT Wednesday
    assert e.update(utc_ns(2025, 6, 4, 21, 30), 2.0, 1) == 1  # 17:30 EDT: Thursday's bar
    assert e.forming("1day").ts_ns == utc_ns(2025, 6, 4, 22)


def test_get_data_returns_the_latest_closed_bars() -> None:
    e = BarEngine(["1sec"], capacity=4)
    for i in range(10):
        e.update(i * S, float(i), i)
    df = e.get_data("1sec", bars=3)
    assert df["ts"].dt.epoch("ns").to_list() == [6 * S, 7 * S, 8 * S]
    assert df["close"].to_list() == [6.0, 7.0, 8.0]
    assert e.get_data("1sec").height == 4
    with_forming = e.get_data("1sec", bars=3, include_forming=True)
    assert with_forming["close"].to_list() == [7.0, 8.0, 9.0]
    assert with_forming.schema == df.schema
    assert e.get_data("1sec", bars=0, include_forming=True).height == 0


def test_load_bars_then_live_trade_continues_the_last_loaded_bar() -> None:
    e = BarEngine(["1min"])
    ts = np.array([0, M, 2 * M], dtype=np.int64)
    e.load_bars("1min", ts, [1, 2, 3], [1.5, 2.5, 3.5], [0.5, 1.5, 2.5], [1, 2, 3], [10, 20, 30])
    assert e.closed("1min")["ts"].tolist() == [0, M]
    assert e.forming("1min") == Bar(2 * M, 3.0, 3.5, 2.5, 3.0, 30, 0)
    assert e.update(2 * M + 30 * S, 4.0, 5) == 0  # same period: continues the loaded bar
    assert e.forming("1min") == Bar(2 * M, 3.0, 4.0, 2.5, 4.0, 35, 1)
    assert e.update(3 * M, 5.0, 1) == 1  # next period: the loaded bar closes and is reported
    assert e.last_closed("1min") == Bar(2 * M, 3.0, 4.0, 2.5, 4.0, 35, 1)
    with pytest.raises(BarEngineStateError):
        e.load_bars("1min", ts, [1] * 3, [1] * 3, [1] * 3, [1] * 3, [1] * 3)


def test_load_bars_validates_alignment_order_and_values() -> None:
    e = BarEngine(["1min", "1day"])
    one = ([1.0], [1.0], [1.0], [1.0], [1])
    with pytest.raises(ValidationError):
        e.load_bars("1min", [30 * S], *one)  # not on a minute boundary
    with pytest.raises(ValidationError):
        e.load_bars("1min", [M, 0], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1])
    with pytest.raises(ValidationError):
        e.load_bars("1min", [0], [float("nan")], [1.0], [1.0], [1.0], [1])
    with pytest.raises(ValidationError):
        e.load_bars("1min", [0], *one[:4], [-1])
    with pytest.raises(ValidationError):
        e.load_bars("1min", [0, M], *one)
    # UTC-midnight day bars of Sunday and Monday fall in the same CME trading day.
    with pytest.raises(ValidationError):
        e.load_bars(
            "1day", [utc_ns(2025, 6, 8), utc_ns(2025, 6, 9)], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1]
        )


def test_load_bars_relabels_calendar_bars_with_the_session_open() -> None:
    e = BarEngine(["1day"])
    tuesday_utc_midnight = utc_ns(2025, 6, 10)  # Monday 20:00 EDT -> Tuesday's session
    e.load_bars("1day", [tuesday_utc_midnight], [1.0], [2.0], [0.5], [1.5], [7])
    assert e.forming("1day").ts_ns == utc_ns(2025, 6, 9, 22)
    assert e.next_close_ns("1day") == utc_ns(2025, 6, 10, 21)


def test_get_data_frame_schema() -> None:
    e = BarEngine(["5sec"])
    e.update(0, 1.0, 1)
    e.update(5 * S, 1.0, 1)
    df = e.get_data("5sec")
    assert df.schema == pl.Schema(
        {
            "ts": pl.Datetime("ns", "UTC"),
            "open": pl.Float64,
            "high": pl.Float64,
            "low": pl.Float64,
            "close": pl.Float64,
            "volume": pl.Int64,
            "trades": pl.Int64,
        }
    )


def test_batch_accepts_lists_strided_and_narrower_ints() -> None:
    ts = np.arange(0, 10 * S, S // 2, dtype=np.int64)
    prices = np.linspace(1.0, 2.0, len(ts))
    volumes = np.arange(len(ts), dtype=np.int32)
    reference = BarEngine(["1sec"])
    for t, p, v in zip(ts.tolist(), prices.tolist(), volumes.tolist(), strict=True):
        reference.update(t, p, v)
    e = BarEngine(["1sec"])
    wide = np.zeros((len(ts), 2))
    wide[:, 0] = prices
    e.update_batch(ts.tolist(), wide[:, 0], volumes)  # list, strided float64, int32
    assert e.closed("1sec")["close"].tolist() == reference.closed("1sec")["close"].tolist()
    assert e.forming("1sec") == reference.forming("1sec")


def test_batch_rejects_unsafe_dtypes_and_shapes() -> None:
    e = BarEngine(["1sec"])
    with pytest.raises(ValidationError):
        e.update_batch(np.array([1.5]), np.array([1.0]), np.array([1]))  # float timestamps
    with pytest.raises(ValidationError):
        e.update_batch(np.zeros((1, 1), np.int64), np.zeros((1, 1)), np.zeros((1, 1), np.int64))
    assert e.trades == 0


def test_intraday_bars_align_to_epoch_multiples_before_1970_too() -> None:
    e = BarEngine(["1sec", "7sec"])
    e.update(-1, 1.0, 1)
    assert e.forming("1sec").ts_ns == -S
    assert e.forming("7sec").ts_ns == -7 * S
    assert e.update(0, 2.0, 1) == 0b11  # 0 starts both a 1sec and a 7sec period
