"""Client CPU per market message inside HubConnection (no socket: the receive path only)."""

from __future__ import annotations

from test_bench_frames import CID, TRADE_MSG

from projectx._native.feed import MarketFeed
from projectx.realtime.hub import HubConnection


async def _no_token() -> str:
    return "unused"


def test_hub_receive_one_trade_message_into_bars(benchmark) -> None:
    """One-trade text message through HubConnection's receive path -> native feed -> 3-TF bars."""
    feed = MarketFeed()
    feed.add_contract(CID, 0.25, ["1sec", "1min", "5min"])
    hub = HubConnection("http://127.0.0.1:1/hubs/market", _no_token, feed)
    benchmark(hub._on_text, TRADE_MSG)
    assert hub.stats.native_records > 0 and feed.trades > 0
