"""Market-hub message bytes -> native state (parse + apply), the issue-2 headline figures."""

from __future__ import annotations

from test_bench_frames import CID, DEPTH10_MSG, TRADE_MSG

from projectx._native.feed import MarketFeed
from projectx._native.isotime import format_iso


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


def _burst(n: int, alternate: bool) -> str:
    """One GatewayTrade message of ``n`` trades, 1 µs apart; with ``alternate`` the price jumps
    5 % every other trade and the next confirms it (every pair held, then corroborated)."""
    t0 = 1_764_000_000 * 10**9
    items = []
    for k in range(n):
        price = 21000.0 if not alternate or (k // 2) % 2 == 0 else 22050.0
        items.append(
            f'{{"price":{price},"timestamp":"{format_iso(t0 + k * 1000, 6)}","type":0,"volume":1}}'
        )
    return (
        '{"type":1,"target":"GatewayTrade","arguments":["'
        + CID
        + '",['
        + ",".join(items)
        + "]]}\x1e"
    )


def test_hostile_burst_of_corroborating_moves(benchmark) -> None:
    """A 64k-trade message (~4.5 MB) whose every pair is held then corroborated: one pass (it
    was quadratic, 2.7 s, when released trades were inserted into the parsed records)."""
    message = _burst(65_536, alternate=True)

    def run() -> None:
        feed = MarketFeed()
        feed.add_contract(CID, 0.25, [])
        feed.wall_clock = False
        feed.feed(message)
        assert feed.corroborated == 65_536 // 2 - 1

    benchmark.pedantic(run, rounds=5, iterations=1)


def test_same_burst_at_one_price(benchmark) -> None:
    """The same 64k-trade message with no move: the baseline of the hostile burst."""
    message = _burst(65_536, alternate=False)

    def run() -> None:
        feed = MarketFeed()
        feed.add_contract(CID, 0.25, [])
        feed.wall_clock = False
        feed.feed(message)
        assert feed.trades == 65_536

    benchmark.pedantic(run, rounds=5, iterations=1)
