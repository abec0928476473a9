"""Cumulative delta, trade-flow summary and volume profile against list references."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.orderbook.helpers import BASE, ladder, make_pair, px, ref_profile


def test_native_tape_source_uses_inferred_aggressor_and_skips_fills() -> None:
    pair = make_pair(ladder({BASE: 10}, {BASE + 1: 10}))
    pair.apply(
        [
            (5, px(BASE + 1), 3, 10),  # at the ask: buy
            (5, px(BASE), 2, 20),  # at the bid: sell
            (11, px(BASE), 50, 25),  # fill: not a trade
            (5, px(BASE + 1), 4, 30),
        ]
    )
    book = pair.book
    assert book.trade_source == "depth_tape"
    d = book.get_cumulative_delta()
    assert (d["buy_volume"], d["sell_volume"], d["cumulative_delta"]) == (7, 2, 5)
    assert d["trades"] == 3 and d["source"] == "depth_tape"
    # window back from the newest trade (30): ts >= 30 - 10
    d2 = book.get_cumulative_delta(10)
    assert (d2["buy_volume"], d2["sell_volume"]) == (4, 2)


def test_gateway_trades_take_over_and_report_aggressor() -> None:
    pair = make_pair(ladder({BASE: 10}, {BASE + 1: 10}))
    pair.apply([(5, px(BASE + 1), 100, 1)])
    book = pair.book
    book.on_trade(px(BASE), 3, 1, 1_000)
    book.on_trade(px(BASE + 1), 5, 0, 2_000)
    book.on_trade(px(BASE + 1), 2, -1, 3_000)
    assert book.trade_source == "gateway_trades"
    s = book.get_trade_flow_summary()
    assert s["buy_volume"] == 5 and s["sell_volume"] == 3 and s["unknown_volume"] == 2
    assert s["total_volume"] == 10 and s["trades"] == 3
    assert (s["buy_trades"], s["sell_trades"], s["unknown_trades"]) == (1, 1, 1)
    assert s["cumulative_delta"] == 2
    assert s["buy_ratio"] == pytest.approx(5 / 8)
    assert s["vwap"] == pytest.approx((3 * px(BASE) + 7 * px(BASE + 1)) / 10)
    assert s["largest_trade"] == 5 and s["average_trade_size"] == pytest.approx(10 / 3)
    assert (s["first_ts_ns"], s["last_ts_ns"]) == (1_000, 3_000)
    w = book.get_trade_flow_summary(timedelta(microseconds=1))  # 1000 ns back from 3000
    assert w["trades"] == 2 and w["sell_volume"] == 0


def test_empty_flow() -> None:
    book = make_pair().book
    s = book.get_trade_flow_summary(5)
    assert s["trades"] == 0 and s["total_volume"] == 0
    assert math.isnan(s["vwap"]) and math.isnan(s["buy_ratio"])
    p = book.get_volume_profile()
    assert p["total_volume"] == 0 and p["levels"].height == 0
    assert math.isnan(p["point_of_control"])


def test_on_trade_rejects_bad_input() -> None:
    from projectx.exceptions import ValidationError

    book = make_pair().book
    for args in ((math.nan, 1, 0, 1), (21000.0, -1, 0, 1), (21000.0, 1, 2, 1)):
        with pytest.raises(ValidationError):
            book.on_trade(*args)


def test_ring_wraps_and_keeps_latest() -> None:
    book = make_pair(trade_capacity=8).book
    for i in range(20):
        book.on_trade(px(BASE + i), 1 + i, i % 2, i)
    d = book.get_cumulative_delta()
    kept = range(12, 20)
    assert d["trades"] == 8
    assert d["buy_volume"] == sum(1 + i for i in kept if i % 2 == 0)
    assert d["sell_volume"] == sum(1 + i for i in kept if i % 2 == 1)
    assert book.get_statistics()["trades"] == 20


trade_lists = st.lists(
    st.tuples(st.integers(-40, 40), st.integers(0, 30), st.sampled_from([0, 1, -1])),
    min_size=0,
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(trade_lists, st.integers(1, 7))
def test_volume_profile_matches_reference(trades: list[tuple[int, int, int]], tpb: int) -> None:
    book = make_pair().book
    rows = [(BASE + off, v, a) for off, v, a in trades]
    for i, (t, v, a) in enumerate(rows):
        book.on_trade(px(t), v, a, i)
    got = book.get_volume_profile(ticks_per_bin=tpb)
    ref = ref_profile(rows, tpb)
    assert got["total_volume"] == ref["total"]
    if ref["total"] == 0:
        assert math.isnan(got["point_of_control"])
        return
    assert got["point_of_control"] == px(ref["poc_ticks"])
    assert got["poc_volume"] == ref["poc_volume"]
    assert got["value_area_low"] == px(ref["va_low_ticks"])
    assert got["value_area_high"] == px(ref["va_high_ticks"])
    assert got["value_area_volume"] == ref["va_volume"]
    assert got["value_area_volume"] >= 0.7 * ref["total"]
    bins = ref["bins"]
    assert got["levels"]["price"].to_list() == [px(t) for t in bins]
    assert got["levels"]["volume"].to_list() == list(bins.values())
    buy: dict[int, int] = {}
    for t, v, a in rows:
        if a == 0:
            b = (t // tpb) * tpb
            buy[b] = buy.get(b, 0) + v
    assert got["levels"]["buy_volume"].to_list() == [buy.get(t, 0) for t in bins]


def test_volume_profile_with_bin_count() -> None:
    book = make_pair().book
    for i, t in enumerate(range(BASE, BASE + 10)):
        book.on_trade(px(t), 1 + (t == BASE + 7) * 10, 0, i)
    got = book.get_volume_profile(bins=3)
    assert got["ticks_per_bin"] == 4  # ceil(10 / 3)
    assert got["levels"]["price"].to_list() == [px(BASE), px(BASE + 4), px(BASE + 8)]
    assert got["levels"]["volume"].to_list() == [4, 14, 2]
    assert got["point_of_control"] == px(BASE + 4)


def test_volume_profile_window_uses_recent_trades_only() -> None:
    book = make_pair().book
    book.on_trade(px(BASE), 100, 0, 0)
    book.on_trade(px(BASE + 3), 5, 0, 10_000)
    assert book.get_volume_profile()["point_of_control"] == px(BASE)
    assert book.get_volume_profile(window=5_000)["point_of_control"] == px(BASE + 3)
