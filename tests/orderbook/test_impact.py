"""Market impact against a level-by-level fill written with lists."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.orderbook.helpers import (
    BASE,
    Entry,
    depth_sequences,
    ladder,
    make_pair,
    px,
    ref_impact,
    ref_top,
)


def test_hand_checked_buy_walks_three_levels() -> None:
    pair = make_pair(ladder({BASE: 10}, {BASE + 1: 5, BASE + 2: 6, BASE + 3: 7}), tick_value=0.5)
    got = pair.book.market_impact(12, "buy")
    # 5 @ 21000.25, 6 @ 21000.50, 1 @ 21000.75
    assert got["average_price"] == pytest.approx((5 * 21000.25 + 6 * 21000.5 + 21000.75) / 12)
    assert got["slippage_ticks"] == pytest.approx((0 * 5 + 1 * 6 + 2 * 1) / 12)
    assert got["slippage_cost"] == pytest.approx(8 / 12 * 0.5 * 12)
    assert got["levels_consumed"] == 3
    assert got["worst_price"] == 21000.75
    assert got["filled"] == 12 and got["unfilled"] == 0 and got["fully_filled"]


def test_thin_book_leaves_a_remainder() -> None:
    pair = make_pair(ladder({BASE: 4, BASE - 1: 3}, {BASE + 1: 1}))
    got = pair.book.market_impact(10, "sell")
    assert got["filled"] == 7 and got["unfilled"] == 3 and not got["fully_filled"]
    assert got["levels_consumed"] == 2
    assert got["average_price"] == pytest.approx((4 * px(BASE) + 3 * px(BASE - 1)) / 7)
    assert got["slippage_ticks"] == pytest.approx(3 / 7)


def test_empty_side_fills_nothing() -> None:
    pair = make_pair(ladder({BASE: 4}, {}), tick_value=None)
    got = pair.book.market_impact(2, "buy")
    assert got["filled"] == 0 and got["unfilled"] == 2 and got["levels_consumed"] == 0
    assert math.isnan(got["average_price"]) and math.isnan(got["slippage_ticks"])
    assert math.isnan(pair.book.market_impact(1, "sell")["slippage_cost"])  # no tick value


def test_deep_book_beyond_first_batch_of_levels() -> None:
    asks = {BASE + 1 + i: 1 for i in range(300)}
    pair = make_pair(ladder({}, asks))
    got = pair.book.market_impact(250, "buy")
    assert got["levels_consumed"] == 250 and got["filled"] == 250
    assert got["worst_price"] == px(BASE + 250)
    assert got["slippage_ticks"] == pytest.approx(sum(range(250)) / 250)


@settings(max_examples=200, deadline=None)
@given(depth_sequences(), st.integers(1, 400), st.sampled_from(["buy", "sell"]))
def test_impact_matches_reference(entries: list[Entry], size: int, side: str) -> None:
    pair = make_pair(entries, levels=128, tick_value=1.25)
    m = pair.model
    levels = ref_top(m.asks, 10**6, False) if side == "buy" else ref_top(m.bids, 10**6, True)
    filled, avg, used, worst = ref_impact(levels, size)
    got = pair.book.market_impact(size, side)
    assert got["filled"] == filled
    assert got["unfilled"] == size - filled
    assert got["levels_consumed"] == used
    if avg is None:
        assert math.isnan(got["average_price"])
        return
    best = levels[0][0]
    assert got["best_price"] == px(best)
    assert worst is not None and got["worst_price"] == px(worst)
    assert got["average_price"] == pytest.approx(px(1) * avg, rel=0, abs=1e-9)
    slip = (avg - best) if side == "buy" else (best - avg)
    assert slip >= 0
    assert got["slippage_ticks"] == pytest.approx(slip, abs=1e-9)
    assert got["slippage_cost"] == pytest.approx(slip * 1.25 * filled)
