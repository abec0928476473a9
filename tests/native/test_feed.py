"""MarketFeed applies market-hub messages to bars, book and quote exactly as the records say."""

from __future__ import annotations

import random

import orjson
import pytest

from projectx._native.bars import BarEngine
from projectx._native.book import OrderBook
from projectx._native.feed import MarketFeed
from projectx._native.isotime import format_iso, parse_iso

RS = "\x1e"
MNQ = "CON.F.US.MNQ.Z25"
ES = "CON.F.US.EP.Z25"
T0 = parse_iso("2025-11-24T14:00:00Z")
TIMEFRAMES = ["1sec", "1min", "5min"]


def trade_message(contract: str, trades: list[tuple[int, float, int]]) -> str:
    items = [
        {"symbolId": "F.US.MNQ", "price": p, "timestamp": format_iso(ts, 7), "type": 0, "volume": v}
        for ts, p, v in trades
    ]
    return orjson.dumps(
        {"type": 1, "target": "GatewayTrade", "arguments": [contract, items]}
    ).decode()


def depth_message(contract: str, entries: list[tuple[int, int, float, int]]) -> str:
    items = [
        {"timestamp": format_iso(ts), "type": t, "price": p, "volume": v, "currentVolume": v}
        for ts, t, p, v in entries
    ]
    return orjson.dumps(
        {"type": 1, "target": "GatewayDepth", "arguments": [contract, items]}
    ).decode()


@pytest.fixture
def feed() -> MarketFeed:
    f = MarketFeed()
    f.add_contract(MNQ, 0.25, TIMEFRAMES)
    f.add_contract(ES, 0.25, ["1min"], book=False)
    return f


def test_trades_build_the_same_bars_as_the_engine_fed_directly(feed: MarketFeed) -> None:
    rnd = random.Random(7)
    reference = BarEngine(TIMEFRAMES)
    ts, closes_seen = T0, []
    for _ in range(300):
        batch = []
        for _ in range(rnd.randint(1, 3)):
            ts += rnd.randint(1, 4_000_000_000)
            batch.append((ts, 21000 + rnd.randint(-40, 40) * 0.25, rnd.randint(1, 9)))
        feed.feed(trade_message(MNQ, batch) + RS)
        expected_masks = [reference.update(*t) for t in batch]
        closes_seen += feed.closes()
        expected = [(0, m) for m in expected_masks if m]  # MNQ is the feed's contract 0
        assert feed.closes() == expected
    for tf in TIMEFRAMES:
        assert feed.bars(MNQ).get_data(tf).equals(reference.get_data(tf))
        assert feed.bars(MNQ).forming(tf) == reference.forming(tf)
    assert feed.trades == reference.trades
    assert any("5min" in reference.mask_timeframes(m) for _, m in closes_seen)


def test_depth_entries_reach_the_book_in_wire_order(feed: MarketFeed) -> None:
    rnd = random.Random(3)
    reference = OrderBook(0.25, levels=4096)
    applied = 0
    for k in range(200):
        entries = [
            (
                T0 + k,
                rnd.choice([1, 2, 3, 4, 5, 9, 10]),
                21000 + rnd.randint(-20, 20) * 0.25,
                rnd.randint(0, 30),
            )
            for _ in range(rnd.randint(1, 10))
        ]
        if k % 50 == 0:
            entries.insert(0, (T0 + k, 6, 0.0, 0))
        feed.feed(depth_message(MNQ, entries) + RS)
        for ts, t, p, v in entries:
            reference.apply(t, p, v, v, ts)
        applied += len(entries)
    book = feed.book(MNQ)
    assert (book.best_bid, book.best_ask) == (reference.best_bid, reference.best_ask)
    for got, want in zip(book.top(10), reference.top(10), strict=True):
        assert got.tolist() == want.tolist()
    assert feed.depth_updates == applied


def test_partial_quotes_merge_field_by_field(feed: MarketFeed) -> None:
    quote = {
        "symbol": "F.US.MNQ",
        "lastPrice": 21000.25,
        "bestBid": 21000.0,
        "bestAsk": 21000.25,
        "timestamp": "2025-11-24T14:00:00.5+00:00",
    }
    feed.feed(
        orjson.dumps({"type": 1, "target": "GatewayQuote", "arguments": [MNQ, quote]}).decode() + RS
    )
    feed.feed(
        orjson.dumps(
            {
                "type": 1,
                "target": "GatewayQuote",
                "arguments": [MNQ, {"symbol": "F.US.MNQ", "bestAsk": 21000.5}],
            }
        ).decode()
        + RS
    )
    merged = feed.quote(MNQ)
    assert merged["lastPrice"] == 21000.25 and merged["bestBid"] == 21000.0
    assert merged["bestAsk"] == 21000.5 and merged["updates"] == 2
    assert merged["ts_ns"] == parse_iso("2025-11-24T14:00:00.5Z")
    assert "change" not in merged


def test_contract_without_a_book_counts_depth_but_keeps_no_book(feed: MarketFeed) -> None:
    feed.feed(depth_message(ES, [(T0, 2, 6000.0, 5)]) + RS)
    assert feed.book(ES) is None and feed.depth_updates == 1


def test_untracked_contract_and_non_market_records_are_handed_back(feed: MarketFeed) -> None:
    other = trade_message("CON.F.US.RTY.Z25", [(T0, 2400.0, 1)])
    feed.feed(other + RS + '{"type":3,"invocationId":"1","result":null}' + RS)
    assert feed.parser.others == [other.encode(), b'{"type":3,"invocationId":"1","result":null}']
    assert feed.trades == 0


def test_adding_a_contract_twice_or_with_a_bad_tick_is_refused(feed: MarketFeed) -> None:
    with pytest.raises(ValueError):
        feed.add_contract(MNQ, 0.25)
    with pytest.raises(ValueError):
        feed.add_contract("CON.F.US.X.Z25", 0.0)
    with pytest.raises(KeyError):
        feed.bars("CON.F.US.NOPE.Z25")
