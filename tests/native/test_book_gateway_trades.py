"""GatewayTrade records reach the native trade tape through MarketFeed (no Python per trade)."""

from __future__ import annotations

import math

import orjson

from projectx._native.book import BOOK_INVALID, TAPE_GATEWAY_TRADE, OrderBook
from projectx._native.feed import MarketFeed

CID = "CON.F.US.MNQ.Z26"


def _trade(price: float, volume: int, side: int, second: int) -> bytes:
    entry = {
        "symbolId": "F.US.MNQ",
        "price": price,
        "timestamp": f"2026-11-24T15:00:{second:02d}.000000+00:00",
        "type": side,
        "volume": volume,
    }
    return (
        orjson.dumps({"type": 1, "target": "GatewayTrade", "arguments": [CID, [entry]]}) + b"\x1e"
    )


def test_feed_records_every_gateway_trade_with_the_venue_aggressor() -> None:
    feed = MarketFeed()
    feed.add_contract(CID, 0.25, ["1min"])
    sent = [(21000.25, 2, 0), (21000.0, 1, 1), (21000.5, 3, 0), (20999.75, 5, 1)]
    for i, (price, volume, side) in enumerate(sent):
        feed.feed(_trade(price, volume, side, i))
    book = feed.book(CID)
    assert book is not None
    tape = book.tape()
    assert tape["kind"].tolist() == [TAPE_GATEWAY_TRADE] * 4
    assert tape["price"].tolist() == [p for p, _, _ in sent]
    assert tape["volume"].tolist() == [v for _, v, _ in sent]
    assert tape["aggressor"].tolist() == [s for _, _, s in sent]
    assert book.last_trade_price == 20999.75


def test_record_trade_refuses_bad_input_and_maps_unknown_sides() -> None:
    book = OrderBook(0.25)
    assert book.record_trade(math.nan, 1, 0, 1) == BOOK_INVALID
    assert book.record_trade(100.0, -1, 0, 1) == BOOK_INVALID
    book.record_trade(100.0, 1, 7, 2)
    assert book.tape()["aggressor"].tolist() == [-1]
    assert book.stats["invalid"] == 2


def test_last_prices_gives_the_last_trade_of_each_contract_of_the_message() -> None:
    feed = MarketFeed()
    feed.add_contract(CID, 0.25, ["1min"])
    two = _trade(21000.25, 1, 0, 1)[:-1]  # one record, then a second trade in the same message
    feed.feed(two + b"\x1e" + _trade(21001.0, 2, 1, 2))
    assert feed.trades_last == 2
    assert feed.last_prices() == [(CID, 21001.0)]
    assert [t[1] for t in feed.last_trades()] == [21000.25, 21001.0]
