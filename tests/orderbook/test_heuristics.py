"""Iceberg and spoofing heuristics on hand-checked sequences (one positive, negatives)."""

from __future__ import annotations

import pytest

from projectx.exceptions import ValidationError
from projectx.orderbook import HeuristicConfig
from tests.orderbook.helpers import BASE, Pair, ladder, make_pair, px

MS = 1_000_000


def depth(pair: Pair, dom_type: int, ticks: int, volume: int, ts: int) -> None:
    """What the feed does: apply natively, then call the hook."""
    pair.apply([(dom_type, px(ticks), volume, ts)])
    pair.book.on_depth(dom_type, px(ticks), volume, ts)


def tracked(**cfg: object) -> Pair:
    pair = make_pair(
        track_heuristics=True,
        heuristics=HeuristicConfig(**cfg),  # type: ignore[arg-type]
    )
    ts = 1
    for dom_type, price, volume, _ in ladder(
        {BASE - i: 5 for i in range(5)}, {BASE + 1 + i: 5 for i in range(5)}
    ):
        pair.apply([(dom_type, price, volume, ts)])
        pair.book.on_depth(dom_type, price, volume, ts)
    return pair


# ----------------------------------------------------------------------------- iceberg


def test_iceberg_positive_refilled_three_times() -> None:
    pair = tracked()
    book = pair.book
    ask = BASE + 1
    ts = 10 * MS
    depth(pair, 1, ask, 10, ts)  # shows 10
    for _ in range(3):
        ts += MS
        book.on_trade(px(ask), 10, 0, ts)  # a buyer lifts all 10
        depth(pair, 1, ask, 0, ts)
        ts += MS
        depth(pair, 1, ask, 10, ts)  # ...and 10 more appear at once
    found = book.detect_iceberg_orders(min_refills=3)
    assert len(found) == 1
    ice = found[0]
    assert ice["price"] == px(ask) and ice["side"] == "ask"
    assert ice["refills"] == 3
    assert ice["display_size"] == 10
    assert ice["executed_volume"] == 30
    assert ice["current_size"] == 10
    assert book.detect_iceberg_orders(min_refills=4) == []
    assert book.detect_iceberg_orders(min_refills=1, side="bid") == []


def test_iceberg_negative_joins_without_trades_and_different_sizes() -> None:
    pair = tracked()
    book = pair.book
    bid = BASE - 1
    ts = 10 * MS
    for _ in range(4):  # size goes up and down with no trades: orders joining / leaving
        ts += MS
        depth(pair, 2, bid, 20, ts)
        ts += MS
        depth(pair, 2, bid, 5, ts)
    for size in (40, 3, 60):  # trades consume it, then a very different size shows
        ts += MS
        book.on_trade(px(bid), 5, 1, ts)
        depth(pair, 2, bid, 0, ts)
        ts += MS
        depth(pair, 2, bid, size, ts)
    assert book.detect_iceberg_orders(min_refills=1) == []


def test_iceberg_needs_a_depleted_display_and_a_prompt_refill() -> None:
    pair = tracked(iceberg_tolerance=0.2, iceberg_max_refill_ns=50 * MS)
    book = pair.book
    ask = BASE + 2
    depth(pair, 1, ask, 10, MS)
    book.on_trade(px(ask), 4, 0, 2 * MS)  # 4 of 10: 6 left, not depleted
    depth(pair, 1, ask, 6, 2 * MS)
    depth(pair, 1, ask, 10, 3 * MS)  # back to 10, but that is just orders joining
    assert book.detect_iceberg_orders(min_refills=1) == []
    book.on_trade(px(ask), 9, 0, 4 * MS)  # 1 left <= 10 x 0.2: depleted
    depth(pair, 1, ask, 1, 4 * MS)
    depth(pair, 1, ask, 9, 5 * MS)  # 1 ms later back to 9: |9 - 10| <= 2
    found = book.detect_iceberg_orders(min_refills=1)
    assert [(f["price"], f["refills"], f["executed_volume"]) for f in found] == [(px(ask), 1, 13)]
    # depleted again, but the same size only shows up 200 ms later: a new order, not a refill
    book.on_trade(px(ask), 9, 0, 10 * MS)
    depth(pair, 1, ask, 0, 10 * MS)
    depth(pair, 1, ask, 10, 210 * MS)
    assert book.detect_iceberg_orders(min_refills=1)[0]["refills"] == 1
    assert book.detect_iceberg_orders(min_refills=2) == []


def test_iceberg_depth_before_trade_order_is_handled() -> None:
    pair = tracked()
    book = pair.book
    bid = BASE
    depth(pair, 2, bid, 8, MS)
    for k in range(3):  # the level update arrives before the trade message each time
        t = (10 + 10 * k) * MS
        depth(pair, 2, bid, 0, t)
        book.on_trade(px(bid), 8, 1, t)
        depth(pair, 2, bid, 8, t + MS)
    found = book.detect_iceberg_orders(min_refills=3)
    assert [(f["side"], f["refills"], f["display_size"]) for f in found] == [("bid", 3, 8)]


# ----------------------------------------------------------------------------- spoofing


def test_spoofing_positive_large_far_order_pulled_quickly() -> None:
    pair = tracked(spoof_size_multiple=3.0, spoof_min_distance_ticks=3)
    book = pair.book
    far = BASE - 7  # best bid BASE: 7 ticks away; bids average 5 -> threshold >= 15
    depth(pair, 2, far, 60, 100 * MS)
    depth(pair, 2, far, 0, 400 * MS)  # gone 300 ms later, nothing traded there
    found = book.detect_spoofing()
    assert len(found) == 1
    s = found[0]
    assert s["price"] == px(far) and s["side"] == "bid"
    assert s["occurrences"] == 1
    assert s["max_size"] == 60 and s["total_size"] == 60
    assert s["average_lifetime_ns"] == 300 * MS
    assert s["min_distance_ticks"] == 7
    assert book.detect_spoofing(min_occurrences=2) == []
    assert book.detect_spoofing(side="ask") == []


def test_spoofing_negatives() -> None:
    pair = tracked(spoof_size_multiple=3.0, spoof_min_distance_ticks=3)
    book = pair.book
    t = 100 * MS
    # near the touch (1 tick away)
    depth(pair, 2, BASE - 1, 60, t)
    depth(pair, 2, BASE - 1, 5, t + MS)
    # far but traded before it left
    depth(pair, 2, BASE - 8, 60, t + 2 * MS)
    book.on_trade(px(BASE - 8), 1, 1, t + 3 * MS)
    depth(pair, 2, BASE - 8, 0, t + 4 * MS)
    # far but rested longer than the lifetime (2 s by default)
    depth(pair, 1, BASE + 9, 60, t + 5 * MS)
    depth(pair, 1, BASE + 9, 0, t + 5 * MS + 3_000 * MS)
    # far and quick but small
    depth(pair, 1, BASE + 10, 8, t + 4_000 * MS)
    depth(pair, 1, BASE + 10, 0, t + 4_001 * MS)
    # far, large, quick but the book was reset in between
    depth(pair, 2, BASE - 9, 60, t + 5_000 * MS)
    depth(pair, 6, 0, 0, t + 5_001 * MS)
    assert book.detect_spoofing() == []


def test_spoofing_window_and_bounded_events() -> None:
    pair = tracked(spoof_min_distance_ticks=3, max_events=4)
    book = pair.book
    t = MS
    for _ in range(10):
        depth(pair, 1, BASE + 8, 80, t)
        depth(pair, 1, BASE + 8, 0, t + MS)
        t += 10 * MS
    assert book.get_statistics()["spoofing_events"] == 4
    assert book.detect_spoofing()[0]["occurrences"] == 4
    # only events withdrawn in the last 15 ms (last update at t - 9 ms)
    assert book.detect_spoofing(window=15 * MS)[0]["occurrences"] == 2


def test_memory_is_bounded() -> None:
    pair = tracked(max_levels=16)
    for i in range(500):
        depth(pair, 2, BASE - 20 - i, 1 + i % 7, 100 + i)
    assert pair.book.get_statistics()["heuristic_levels"] <= 16


def test_heuristics_off_keeps_no_history() -> None:
    pair = make_pair(ladder({BASE: 5}, {BASE + 1: 5}))
    book = pair.book
    depth(pair, 1, BASE + 1, 10, MS)
    for i in range(3):
        book.on_trade(px(BASE + 1), 10, 0, (2 + i) * MS)
        depth(pair, 1, BASE + 1, 0, (2 + i) * MS)
        depth(pair, 1, BASE + 1, 10, (3 + i) * MS)
    depth(pair, 2, BASE - 9, 100, 9 * MS)
    depth(pair, 2, BASE - 9, 0, 10 * MS)
    assert book.detect_iceberg_orders(min_refills=1) == []
    assert book.detect_spoofing() == []
    assert book.get_statistics()["heuristic_levels"] == 0


def test_hook_counts_bad_depth_and_validates_arguments() -> None:
    pair = tracked()
    pair.book.on_depth(2, float("nan"), 3, 1)
    pair.book.on_depth(1, 21000.0, -3, 1)
    assert pair.book.get_statistics()["hook_invalid"] == 2
    with pytest.raises(ValidationError):
        pair.book.detect_iceberg_orders(min_refills=0)
    with pytest.raises(ValidationError):
        pair.book.detect_spoofing(window=-5)
    with pytest.raises(ValidationError):
        HeuristicConfig(iceberg_tolerance=1.5)


def test_unknown_aggressor_is_attributed_to_the_resting_side() -> None:
    pair = tracked()
    book = pair.book
    bid = BASE - 1  # rests 5 from the ladder
    for k in range(3):
        t = (10 + 10 * k) * MS
        book.on_trade(px(bid), 5, -1, t)  # no aggressor: the bid rests there
        depth(pair, 2, bid, 0, t)
        depth(pair, 2, bid, 5, t + MS)
    book.on_trade(px(BASE + 40), 3, -1, 100 * MS)  # nothing rests there: flow only
    found = book.detect_iceberg_orders(min_refills=3)
    assert [(f["price"], f["side"], f["executed_volume"]) for f in found] == [(px(bid), "bid", 15)]
    flow = book.get_trade_flow_summary()
    assert flow["unknown_volume"] == 18 and flow["cumulative_delta"] == 0


def _refill_scenario(trade: object) -> Pair:
    """Bid refilled three times under unknown-aggressor trades, an ask lifted by a buyer and a
    trade where nothing rests; ``trade(pair, price, volume, aggressor, ts)`` delivers a trade."""
    pair = tracked()
    bid, ask = BASE - 1, BASE + 1
    for k in range(3):
        t = (10 + 10 * k) * MS
        trade(pair, px(bid), 5, -1, t)  # type: ignore[operator]
        depth(pair, 2, bid, 0, t)
        depth(pair, 2, bid, 5, t + MS)
    trade(pair, px(ask), 5, 0, 60 * MS)  # type: ignore[operator]
    depth(pair, 1, ask, 0, 60 * MS)
    trade(pair, px(BASE + 40), 3, -1, 100 * MS)  # type: ignore[operator]
    return pair


def test_the_feed_entry_gives_the_heuristics_and_flow_the_manual_entry_gives() -> None:
    """What ``MarketFeed`` does for an attached tracker (tape the trade in the native book, then
    feed the tracker natively from it) leaves the same detections, flow and counts as
    ``on_trade`` (a trade handed in)."""

    def manual(pair: Pair, price: float, volume: int, aggressor: int, ts: int) -> None:
        pair.book.on_trade(price, volume, aggressor, ts)

    def from_feed(pair: Pair, price: float, volume: int, aggressor: int, ts: int) -> None:
        pair.native.record_trade(price, volume, aggressor, ts)  # what MarketFeed does first
        pair.book.heuristic_tracker.feed_trade(pair.native, price, volume, aggressor, ts)

    a, b = _refill_scenario(manual), _refill_scenario(from_feed)
    found = a.book.detect_iceberg_orders(min_refills=3)
    assert [(f["price"], f["side"]) for f in found] == [(px(BASE - 1), "bid")]
    assert b.book.detect_iceberg_orders(min_refills=3) == found
    assert b.book.get_trade_flow_summary() == a.book.get_trade_flow_summary()
    assert b.book.get_cumulative_delta() == a.book.get_cumulative_delta()
    sa, sb = a.book.get_statistics(), b.book.get_statistics()
    for key in ("trades", "trade_source", "heuristic_levels", "hook_depth_updates"):
        assert sb[key] == sa[key], key
    assert sb["trades"] == 5 and sb["trade_source"] == "gateway_trades"
