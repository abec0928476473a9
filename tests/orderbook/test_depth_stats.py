"""projectx.orderbook.depth_stats and spread: clusters, depth metrics, recent trades and spread
statistics against hand computations over a known ladder."""

from __future__ import annotations

import math

import pytest

from projectx.exceptions import ValidationError
from projectx.orderbook import depth_stats
from projectx.orderbook.spread import SpreadTracker
from tests.orderbook.helpers import BASE, TICK, ladder, make_pair, px


def test_clusters_are_runs_of_neighbouring_levels() -> None:
    # bids: a run of 3 touching levels, a gap, then 2; asks: 4 levels one tick apart
    bids = {BASE: 5, BASE - 1: 7, BASE - 2: 3, BASE - 5: 9, BASE - 6: 1}
    asks = {BASE + 2: 4, BASE + 3: 6, BASE + 4: 2, BASE + 5: 8}
    pair = make_pair(ladder(bids, asks))
    found = depth_stats.order_clusters(pair.book, min_cluster_size=3, price_tolerance=TICK)
    assert [c["side"] for c in found] == ["bid", "ask"]
    bid, ask = found
    assert bid["prices"] == [px(BASE), px(BASE - 1), px(BASE - 2)]
    assert bid["total_volume"] == 15
    assert bid["center_price"] == pytest.approx(
        (px(BASE) * 5 + px(BASE - 1) * 7 + px(BASE - 2) * 3) / 15
    )
    assert ask["levels"] == 4 and ask["total_volume"] == 20
    two = depth_stats.order_clusters(pair.book, min_cluster_size=2, price_tolerance=TICK)
    assert len(two) == 3  # the 2-level bid run counts now
    assert depth_stats.order_clusters(pair.book, 2, price_tolerance=0.0) == []
    with pytest.raises(ValidationError):
        depth_stats.order_clusters(pair.book, 3, price_tolerance=-1)


def test_depth_metrics_by_hand() -> None:
    pair = make_pair(ladder({BASE: 4, BASE - 1: 6}, {BASE + 1: 1, BASE + 2: 9}))
    m = depth_stats.depth_metrics(pair.book, 10)
    assert (m["bid_volume"], m["ask_volume"], m["bid_levels"], m["ask_levels"]) == (10, 10, 2, 2)
    bid, ask = px(BASE), px(BASE + 1)
    assert m["weighted_mid_price"] == pytest.approx((bid * 1 + ask * 4) / 5)
    vwp = (px(BASE) * 4 + px(BASE - 1) * 6 + px(BASE + 1) * 1 + px(BASE + 2) * 9) / 20
    assert m["volume_weighted_price"] == pytest.approx(vwp)
    empty = depth_stats.depth_metrics(make_pair().book)
    assert math.isnan(empty["weighted_mid_price"]) and empty["bid_levels"] == 0


def test_recent_trades_are_the_newest_oldest_first() -> None:
    pair = make_pair()
    for i in range(5):
        pair.book.on_trade(px(BASE + i), i + 1, i % 2, 1_000 + i)
    got = depth_stats.recent_trades(pair.book, 3)
    assert [t["volume"] for t in got] == [3, 4, 5]
    assert [t["side"] for t in got] == ["buy", "sell", "buy"]
    assert [t["ts_ns"] for t in got] == [1_002, 1_003, 1_004]
    with pytest.raises(ValidationError):
        depth_stats.recent_trades(pair.book, 0)


def test_spread_tracker_statistics_by_hand() -> None:
    tracker = SpreadTracker(0.25)
    assert tracker.sample(0, 100.0, 100.25)
    assert not tracker.sample(5, 100.5, 100.75)  # same spread: not kept
    assert tracker.sample(10, 100.0, 100.75)
    assert not tracker.sample(15, math.nan, 100.0)
    assert tracker.sample(30, 100.0, 100.5)
    s = tracker.stats(now_ns=40)
    values = [0.25, 0.75, 0.5]
    assert s["samples"] == 3 and s["current_spread"] == 0.5
    assert s["avg_spread"] == pytest.approx(sum(values) / 3)
    assert s["min_spread"] == 0.25 and s["max_spread"] == 0.75 and s["median_spread"] == 0.5
    mean = sum(values) / 3
    assert s["spread_volatility"] == pytest.approx(
        math.sqrt(sum((v - mean) ** 2 for v in values) / 3)
    )
    assert s["time_weighted_spread"] == pytest.approx((0.25 * 10 + 0.75 * 20 + 0.5 * 10) / 40)
    recent = tracker.stats(window_ns=15, now_ns=40)
    assert recent["samples"] == 1 and recent["avg_spread"] == 0.5
    assert tracker.stats(window_ns=1, now_ns=1_000)["samples"] == 0
