"""The seeded synthetic market: determinism, a self-consistent L2 stream, shapes and rate."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from projectx.sim.clock import NS_PER_S, ManualClock, parse_ts
from projectx.sim.contracts import resolve_symbols
from projectx.sim.market import MarketSimulator

T0 = parse_ts("2026-11-24T14:00:00Z")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$")
QUOTE_KEYS = {
    "symbol",
    "symbolName",
    "lastPrice",
    "bestBid",
    "bestAsk",
    "change",
    "changePercent",
    "open",
    "high",
    "low",
    "volume",
    "lastUpdated",
    "timestamp",
}


def make(seed: int = 1, rate: float = 50.0, symbols: tuple[str, ...] = ("MNQ", "ES", "ZB")):
    clock = ManualClock(T0)
    specs = resolve_symbols(list(symbols), T0)
    return clock, MarketSimulator(specs, seed=seed, rate_per_s=rate, clock=clock)


def test_same_seed_same_stream_and_different_seed_different_stream() -> None:
    _, a = make(seed=5)
    _, b = make(seed=5)
    _, c = make(seed=6)
    until = T0 + 30 * NS_PER_S
    ea, eb, ec = a.advance(until), b.advance(until), c.advance(until)
    assert ea and ea == eb
    assert ea != ec


def test_output_does_not_depend_on_how_advance_is_chunked() -> None:
    _, a = make(seed=9)
    _, b = make(seed=9)
    until = T0 + 20 * NS_PER_S
    whole = a.advance(until)
    pieces: list[Any] = []
    t = T0
    step = 37_000_123  # ns, deliberately not aligned to anything
    while t < until:
        t = min(until, t + step)
        pieces.extend(b.advance(t))
    assert pieces == whole


def _apply(book: dict[str, dict[float, int]], entry: dict[str, Any]) -> None:
    kind = entry["type"]
    if kind == 6:
        book["bids"].clear()
        book["asks"].clear()
        return
    side = "asks" if kind in (1, 3, 10) else "bids" if kind in (2, 4, 9) else None
    if side is None:
        return
    if entry["volume"] == 0:
        book[side].pop(entry["price"], None)
    else:
        book[side][entry["price"]] = entry["volume"]


def test_the_stream_is_a_consistent_book_and_trades_print_at_the_touch() -> None:
    _, m = make(rate=80.0)
    books = {}
    for cid in m.contracts:
        books[cid] = {"bids": {}, "asks": {}}
        for entry in m.depth_snapshot(cid):
            _apply(books[cid], entry)
    last_ts = ""
    events = m.advance(T0 + 90 * NS_PER_S)
    assert len(events) > 1000
    trades = 0
    for target, cid, data in events:
        book = books[cid]
        if target == "GatewayTrade":
            (item,) = data
            best = min(book["asks"]) if item["type"] == 0 else max(book["bids"])
            assert item["price"] == best
            assert item["volume"] >= 1
            trades += 1
            ts = item["timestamp"]
        elif target == "GatewayDepth":
            for entry in data:
                _apply(book, entry)
            assert max(book["bids"]) < min(book["asks"])
            assert len(book["bids"]) == len(book["asks"]) == 10
            ts = data[0]["timestamp"]
        else:
            assert target == "GatewayQuote"
            assert set(data) == QUOTE_KEYS
            assert data["bestBid"] == max(book["bids"])
            assert data["bestAsk"] == min(book["asks"])
            assert data["low"] <= data["lastPrice"] <= data["high"]
            ts = data["timestamp"]
        assert TS_RE.match(ts)
        assert ts >= last_ts  # time order (same-format ISO strings sort chronologically)
        last_ts = ts
    assert trades > 100
    for cid, book in books.items():
        assert sorted(book["bids"].items(), reverse=True) == m.book_levels(cid, 0)
        assert sorted(book["asks"].items()) == m.book_levels(cid, 1)
        assert m.best_bid(cid) == max(book["bids"]) and m.best_ask(cid) == min(book["asks"])


def test_prices_stay_on_the_tick_grid_and_the_price_walks() -> None:
    _, m = make(rate=100.0, symbols=("ZB",))
    spec = next(iter(m.contracts.values()))
    prices = [
        item["price"]
        for target, _, data in m.advance(T0 + 300 * NS_PER_S)
        if target == "GatewayTrade"
        for item in data
    ]
    assert all(spec.is_aligned(p) for p in prices)
    assert len(set(prices)) > 5  # it moves


def test_mean_step_rate_is_as_configured_and_arrivals_are_bursty() -> None:
    _, m = make(rate=20.0, symbols=("MNQ",))
    seconds = 2000
    events = m.advance(T0 + seconds * NS_PER_S)
    depth = [d for t, _, d in events if t == "GatewayDepth"]
    assert len(depth) == m.steps  # one depth batch per step
    assert 0.9 * 20 * seconds <= m.steps <= 1.1 * 20 * seconds
    per_second = Counter(d[0]["timestamp"][:19] for d in depth)
    counts = [per_second.get(k, 0) for k in per_second]
    mean = sum(counts) / len(counts)
    var = sum((c - mean) ** 2 for c in counts) / len(counts)
    assert var / mean > 2.0  # a plain Poisson process would give ~1


def test_zero_rate_freezes_the_market() -> None:
    _, m = make(rate=0.0)
    assert m.advance(T0 + 3600 * NS_PER_S) == []


def test_snapshot_shapes() -> None:
    _, m = make()
    cid = next(iter(m.contracts))
    snap = m.depth_snapshot(cid)
    assert snap[0] == {
        "timestamp": snap[0]["timestamp"],
        "type": 6,
        "price": 0,
        "volume": 0,
        "currentVolume": 0,
    }
    bids = [e for e in snap if e["type"] == 2]
    asks = [e for e in snap if e["type"] == 1]
    assert len(bids) == len(asks) == 10 and len(snap) == 21
    assert [e["price"] for e in bids] == sorted((e["price"] for e in bids), reverse=True)
    assert [e["price"] for e in asks] == sorted(e["price"] for e in asks)
    assert all(e["volume"] == e["currentVolume"] > 0 for e in bids + asks)
    q = m.full_quote(cid)
    assert set(q) == QUOTE_KEYS and q["symbol"] == "F.US.MNQ" and q["symbolName"] == "/MNQ"
    assert m.last_price(cid) == q["lastPrice"]


def test_trade_listener_sees_exactly_the_streamed_trades() -> None:
    _, m = make(rate=40.0)
    seen: list[tuple[str, float, int]] = []
    m.add_trade_listener(lambda cid, ts, price, vol: seen.append((cid, price, vol)))
    events = m.advance(T0 + 30 * NS_PER_S)
    streamed = [
        (cid, item["price"], item["volume"])
        for target, cid, data in events
        if target == "GatewayTrade"
        for item in data
    ]
    assert seen == streamed and streamed


def test_scenario_hooks_publish_consistent_events() -> None:
    _, m = make(rate=0.0, symbols=("MNQ",))
    cid = next(iter(m.contracts))
    m.set_book(cid, bid=21010.0, ask=21010.5, sizes=[1, 2, 3])
    m.print_trade(cid, 21010.5, 4, aggressor=0)
    events = m.advance(T0)
    assert [t for t, _, _ in events] == [
        "GatewayDepth",
        "GatewayQuote",
        "GatewayTrade",
        "GatewayQuote",
    ]
    assert events[0][2][0]["type"] == 6
    assert m.book_levels(cid, 1)[:3] == [(21010.5, 1), (21010.75, 2), (21011.0, 3)]
    assert events[3][2]["lastPrice"] == 21010.5
    with pytest.raises(ValueError):
        m.set_book(cid, bid=21011.0, ask=21010.0)
    with pytest.raises(ValueError):
        m.set_book(cid, bid=21010.1, ask=21011.0)


@pytest.mark.parametrize("rate", [-1.0, float("nan"), float("inf")])
def test_bad_rate_is_rejected(rate: float) -> None:
    with pytest.raises(ValueError):
        make(rate=rate)


def test_no_contracts_is_rejected() -> None:
    with pytest.raises(ValueError):
        MarketSimulator([], seed=1, rate_per_s=1.0, clock=ManualClock(T0))


def test_prices_never_reach_zero() -> None:
    clock = ManualClock(T0)
    (spec,) = resolve_symbols(["NQG"], T0)
    m = MarketSimulator([spec], seed=2, rate_per_s=50.0, clock=clock)
    market = m.market(spec.id)
    market.bids = {12 - i: 1 for i in range(10)}  # start right above the floor
    market.asks = {13 + i: 1 for i in range(10)}
    market.bb, market.ba = 12, 13
    events = m.advance(T0 + 600 * NS_PER_S)
    prices = [e["price"] for t, _, d in events if t == "GatewayDepth" for e in d if e["type"] != 6]
    assert prices and min(prices) > 0
    assert min(t for t, _ in market.levels_ticks(0)) >= 1
