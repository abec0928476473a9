"""Best levels, top-N frames, snapshot, imbalance and depth against the dict model."""

from __future__ import annotations

import math
from datetime import timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx._native.book import OrderBook as NativeBook
from projectx.enums import OrderSide
from projectx.exceptions import ValidationError
from projectx.orderbook import OrderBook
from tests.orderbook.helpers import (
    BASE,
    TICK,
    Entry,
    Pair,
    depth_sequences,
    ladder,
    make_pair,
    px,
    ref_imbalance,
    ref_top,
)


def check_levels_against_model(pair: Pair, n: int) -> None:
    book, model = pair.book, pair.model
    bids = ref_top(model.bids, n, True)
    asks = ref_top(model.asks, n, False)
    frame_b = book.get_orderbook_bids(n)
    frame_a = book.get_orderbook_asks(n)
    assert frame_b.columns == ["price", "volume"]
    assert frame_b["price"].to_list() == [px(t) for t, _ in bids]
    assert frame_b["volume"].to_list() == [s for _, s in bids]
    assert frame_a["price"].to_list() == [px(t) for t, _ in asks]
    assert frame_a["volume"].to_list() == [s for _, s in asks]

    snap = book.get_orderbook_snapshot(n)
    assert [(lv["price"], lv["volume"]) for lv in snap["bids"]] == [(px(t), s) for t, s in bids]
    assert [(lv["price"], lv["volume"]) for lv in snap["asks"]] == [(px(t), s) for t, s in asks]
    assert snap["bid_count"] == len(bids) and snap["ask_count"] == len(asks)
    imb, b, a = ref_imbalance(model, n)
    assert snap["total_bid_volume"] == b and snap["total_ask_volume"] == a
    got = book.get_market_imbalance(n)
    assert (got["bid_volume"], got["ask_volume"]) == (b, a)
    if math.isnan(imb):
        assert math.isnan(got["imbalance"]) and math.isnan(snap["imbalance"])
        assert math.isnan(got["bid_ask_ratio"])
    else:
        assert got["imbalance"] == pytest.approx(imb) == snap["imbalance"]
        assert got["bid_ask_ratio"] == (b / a if a else math.inf)

    bb = model.best_bid_ticks()
    ba = model.best_ask_ticks()
    if bb is None:
        assert math.isnan(book.best_bid) and book.best_bid_size == 0
    else:
        assert book.best_bid == px(bb) == snap["best_bid"]
        assert book.best_bid_size == model.bids[bb] == snap["best_bid_size"]
    if ba is None:
        assert math.isnan(book.best_ask) and book.best_ask_size == 0
    else:
        assert book.best_ask == px(ba) == snap["best_ask"]
        assert book.best_ask_size == model.asks[ba]
    if bb is not None and ba is not None:
        assert book.spread == px(ba) - px(bb)
        assert book.spread_ticks == ba - bb
        assert book.mid == (px(ba) + px(bb)) / 2 == snap["mid_price"]
    else:
        assert math.isnan(book.spread) and math.isnan(book.mid) and math.isnan(book.spread_ticks)


def test_hand_built_book() -> None:
    pair = make_pair(ladder({BASE: 10, BASE - 1: 4, BASE - 3: 7}, {BASE + 1: 5, BASE + 2: 9}))
    check_levels_against_model(pair, 2)
    check_levels_against_model(pair, 10)
    snap = pair.book.get_orderbook_snapshot(2)
    assert snap["bids"] == [{"price": 21000.0, "volume": 10}, {"price": 20999.75, "volume": 4}]
    assert snap["imbalance"] == pytest.approx((14 - 14) / 28)
    assert snap["symbol"] == "MNQ"


def test_empty_book() -> None:
    pair = make_pair()
    for n in (1, 10):
        check_levels_against_model(pair, n)
    assert pair.book.get_orderbook_bids().height == 0
    depth = pair.book.get_orderbook_depth(5.0)
    assert depth["bid_volume"] == depth["ask_volume"] == 0
    assert math.isnan(depth["reference_price"])
    assert pair.book.get_liquidity_levels().height == 0


def test_one_sided_book() -> None:
    pair = make_pair(ladder({BASE: 3, BASE - 2: 8}, {}))
    check_levels_against_model(pair, 5)
    assert pair.book.get_market_imbalance(5)["bid_ask_ratio"] == math.inf
    assert pair.book.get_market_imbalance(5)["imbalance"] == 1.0


def test_crossed_resync_is_reported_and_book_is_uncrossed() -> None:
    pair = make_pair(ladder({BASE: 10, BASE - 1: 4}, {BASE + 1: 5, BASE + 2: 9}))
    # an ask through the best bid: the native book removes the crossed bids
    pair.apply([(1, px(BASE - 1), 6, 5)])
    check_levels_against_model(pair, 10)
    stats = pair.book.get_statistics()
    assert stats["crossed_resyncs"] == 1
    assert stats["crossed_levels_removed"] == 2
    assert pair.book.best_ask == px(BASE - 1)
    assert math.isnan(pair.book.best_bid)


def test_far_levels_stay_in_the_book_and_its_analytics() -> None:
    pair = make_pair(ladder({BASE: 10, BASE - 3000: 30}, {BASE + 1: 5, BASE + 4000: 40}), levels=64)
    check_levels_against_model(pair, 10)  # the deep levels did not move the window
    stats = pair.book.get_statistics()
    assert stats["recentres"] == 0 and stats["levels_outside"] == 2
    assert stats["levels_lost"] == 0
    liquidity = pair.book.get_liquidity_levels(top_k=2)
    assert liquidity["price"].to_list() == [px(BASE + 4000), px(BASE - 3000)]
    assert liquidity["distance_ticks"].to_list() == [3999, 3000]
    assert pair.book.get_orderbook_depth(1000.0)["bid_volume"] == 40
    impact = pair.book.market_impact(14, "buy")
    assert impact["filled"] == 14 and impact["worst_price"] == px(BASE + 4000)
    # the market gaps up: the window follows, the old touch is kept outside it
    pair.apply(ladder({BASE + 5000: 7}, {BASE + 5001: 2}))
    pair.apply([(2, px(BASE + 4999), 3, 3)])
    check_levels_against_model(pair, 10)
    stats = pair.book.get_statistics()
    assert stats["recentres"] >= 1 and stats["levels_outside"] == 2
    assert pair.book.best_bid == px(BASE + 5000)
    depth = pair.book.get_orderbook_depth(1.0)  # +-4 ticks around the mid
    assert depth["bid_volume"] == 10 and depth["ask_volume"] == 2
    assert pair.book.get_orderbook_depth(5000.0)["bid_volume"] == 7 + 3 + 10 + 30


@settings(max_examples=150, deadline=None)
@given(depth_sequences(), st.integers(1, 15))
def test_levels_match_model_on_random_sequences(entries: list[Entry], n: int) -> None:
    pair = make_pair(entries, levels=128)
    check_levels_against_model(pair, n)


def ref_depth(pair: Pair, price_range: float) -> tuple[int, int, int, int]:
    m = pair.model
    bb, ba = m.best_bid_ticks(), m.best_ask_ticks()
    if bb is not None and ba is not None:
        ref = (px(bb) + px(ba)) / 2
    elif bb is not None:
        ref = px(bb)
    elif ba is not None:
        ref = px(ba)
    else:
        return 0, 0, 0, 0
    inside = [t for t in m.bids if abs(px(t) - ref) <= price_range + 1e-9]
    inside_a = [t for t in m.asks if abs(px(t) - ref) <= price_range + 1e-9]
    return (
        sum(m.bids[t] for t in inside),
        sum(m.asks[t] for t in inside_a),
        len(inside),
        len(inside_a),
    )


@settings(max_examples=150, deadline=None)
@given(depth_sequences(), st.integers(0, 30))
def test_depth_in_range_matches_model(entries: list[Entry], quarter_ticks: int) -> None:
    pair = make_pair(entries, levels=128)
    price_range = quarter_ticks * 0.125  # half ticks too: the mid may sit between ticks
    got = pair.book.get_orderbook_depth(price_range)
    bv, av, bl, al = ref_depth(pair, price_range)
    assert (got["bid_volume"], got["ask_volume"], got["bid_levels"], got["ask_levels"]) == (
        bv,
        av,
        bl,
        al,
    )


def test_tick_point_one_prices_are_exact() -> None:
    native = NativeBook(0.1, levels=256)
    native.apply(2, 0.30000000000000004, 5, 5, 1)
    native.apply(1, 0.7, 6, 6, 1)
    book = OrderBook(native, 0.1, 5.0, "RTY")
    assert book.get_orderbook_bids(1)["price"].to_list() == [0.3]
    levels = book.get_liquidity_levels(top_k=None)
    assert sorted(levels["price"].to_list()) == [0.3, 0.7]
    impact = book.market_impact(3, "buy")
    assert impact["average_price"] == 0.7 and impact["slippage_ticks"] == 0.0


def test_validation_errors() -> None:
    pair = make_pair(ladder({BASE: 1}, {BASE + 1: 1}))
    book = pair.book
    for bad in (0, -1, 1.5, True, "3", None):
        with pytest.raises(ValidationError):
            book.get_orderbook_bids(bad)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            book.get_orderbook_snapshot(bad)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            book.get_market_imbalance(bad)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            book.market_impact(bad, "buy")  # type: ignore[arg-type]
    for side in ("up", 2, -1, None, 1.0):
        with pytest.raises(ValidationError):
            book.market_impact(1, side)
    with pytest.raises(ValidationError):
        book.get_orderbook_depth(-1.0)
    with pytest.raises(ValidationError):
        book.get_orderbook_depth(math.inf)
    with pytest.raises(ValidationError):
        book.get_cumulative_delta(0)
    with pytest.raises(ValidationError):
        book.get_cumulative_delta(timedelta(0))
    with pytest.raises(ValidationError):
        book.get_trade_flow_summary(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        book.get_liquidity_levels(min_volume=0)
    with pytest.raises(ValidationError):
        book.get_liquidity_levels(side="middle")
    with pytest.raises(ValidationError):
        book.get_volume_profile(bins=3, ticks_per_bin=2)
    with pytest.raises(ValidationError):
        book.get_volume_profile(value_area=1.5)
    with pytest.raises(ValidationError):
        OrderBook(pair.native, 0.5)
    with pytest.raises(ValidationError):
        OrderBook(object(), 0.25)  # type: ignore[arg-type]


def test_sides_accept_enum_int_and_words() -> None:
    pair = make_pair(ladder({BASE: 10}, {BASE + 1: 5, BASE + 2: 5}))
    book = pair.book
    by = [book.market_impact(7, s)["average_price"] for s in ("buy", "BID", 0, OrderSide.BUY)]
    assert len(set(by)) == 1 and by[0] == (5 * px(BASE + 1) + 2 * px(BASE + 2)) / 7
    sell = [book.market_impact(7, s)["best_price"] for s in ("sell", "ask", 1, OrderSide.SELL)]
    assert set(sell) == {px(BASE)}


def test_frames_are_polars_with_stable_schema() -> None:
    pair = make_pair(ladder({BASE: 10}, {}))
    frame = pair.book.get_orderbook_asks(5)
    assert isinstance(frame, pl.DataFrame)
    assert frame.schema == {"price": pl.Float64, "volume": pl.Int64}
    assert frame.height == 0


def test_snapshot_timestamp_from_hooks_and_time_source() -> None:
    native = NativeBook(TICK)
    clock = [0]
    book = OrderBook(native, TICK, time_source=lambda: clock[0])
    assert book.get_orderbook_snapshot()["timestamp"] == 0
    book.on_depth(2, 21000.0, 3, 500)
    assert book.get_orderbook_snapshot()["timestamp"] == 500
    clock[0] = 900
    assert book.get_orderbook_snapshot()["timestamp"] == 900
    assert book.get_statistics()["last_update_ns"] == 900


def test_snapshot_reads_live_book_after_updates() -> None:
    pair = make_pair(ladder({BASE: 10}, {BASE + 1: 5}))
    assert pair.book.get_orderbook_snapshot(1)["best_bid_size"] == 10
    pair.apply([(2, px(BASE), 0, 9), (2, px(BASE - 2), 4, 9)])
    snap = pair.book.get_orderbook_snapshot(1)
    assert snap["bids"] == [{"price": px(BASE - 2), "volume": 4}]
    # the caller's lists are not aliases of internal buffers
    snap["bids"].clear()
    assert pair.book.get_orderbook_snapshot(1)["bids"] != []
