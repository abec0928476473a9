"""A hub's per-message counters come from its parser's running totals (``FeedResult``): the
same figures as counting in Python, kept across a parser replaced mid-life, and a message whose
parsing raised counts as a message but keeps no records."""

from __future__ import annotations

import time

from projectx._native.feed import MarketFeed
from projectx._native.frames import FrameParser
from projectx.realtime.hub import HubConnection

CID = "CON.F.US.MNQ.Z26"
PING = '{"type":6}\x1e'
TRADE = (
    '{"type":1,"target":"GatewayTrade","arguments":["' + CID + '",[{"price":21000.25,'
    '"timestamp":"2099-01-01T00:00:00+00:00","type":0,"volume":1}]]}\x1e'
)


async def _no_token() -> str:
    return "unused"


def test_the_per_message_counters_come_from_the_parser_totals() -> None:
    feed = MarketFeed()
    feed.add_contract(CID, 0.25, ["1min"])
    feed.wall_clock = False
    hub = HubConnection("http://127.0.0.1:9/hubs/market", _no_token, feed)
    before = time.monotonic()
    messages = [TRADE + PING, PING, '{"type":6', '{"type":6}\x1e']  # the 3rd is truncated
    for message in messages:
        assert hub._on_text(message)
    stats = hub.stats
    assert stats.messages == 4 and stats.bytes == sum(len(m) for m in messages)
    assert (stats.records, stats.native_records, stats.malformed_records) == (4, 1, 1)
    assert stats.control_records == 3 and stats.decoded_records == 3
    assert before <= stats.last_market_monotonic <= stats.last_message_monotonic


def test_a_replaced_parser_keeps_what_was_counted_and_a_raising_one_counts_the_message() -> None:
    hub = HubConnection("http://127.0.0.1:9/hubs/user", _no_token, FrameParser())
    hub._on_text(PING + PING)
    hub.parser = FrameParser()
    hub._on_text(PING)
    assert (hub.stats.messages, hub.stats.records) == (2, 3)

    class Raising(FrameParser):
        def feed(self, data: str | bytes | bytearray | memoryview) -> int:
            raise ValueError("boom")

    hub.parser = Raising()
    assert hub._on_text(PING)  # skipped, counted: the connection goes on
    assert (hub.stats.messages, hub.stats.records, hub.stats.parser_errors) == (3, 3, 1)
