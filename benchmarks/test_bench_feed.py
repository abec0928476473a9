"""Market-hub message bytes -> native state (parse + apply), the issue-2 headline figures."""

from __future__ import annotations

from test_bench_frames import CID, DEPTH10_MSG, TRADE_MSG

from projectx._native.feed import MarketFeed


def _feed() -> MarketFeed:
    feed = MarketFeed()
    feed.add_contract(CID, 0.25, ["1sec", "1min", "5min"])
    return feed


def test_trade_message_to_bars_3_timeframes(benchmark) -> None:
    """One GatewayTrade message (1 record) -> parsed -> bars for 1sec/1min/5min, incl. the call."""
    feed = _feed()
    benchmark(feed.feed, TRADE_MSG)
    assert feed.trades > 0


def test_depth10_message_to_book(benchmark) -> None:
    """One GatewayDepth message with 10 level entries -> parsed -> applied to the book."""
    feed = _feed()
    benchmark(feed.feed, DEPTH10_MSG)
    assert feed.depth_updates >= 10
