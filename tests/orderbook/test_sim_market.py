"""End to end with the simulator's market generator: GatewayDepth into the native book and the
``on_depth`` hook, GatewayTrade into ``on_trade``, then the analytics against the generator's
own book and trades."""

from __future__ import annotations

from typing import Any

import pytest

from projectx._native.book import OrderBook as NativeBook
from projectx.orderbook import OrderBook
from projectx.sim.contracts import default_contracts
from projectx.sim.market import ContractMarket

START_NS = 1_764_000_000_000_000_000
STEPS = 3_000


@pytest.mark.parametrize("root", ["MNQ", "RTY", "USA"])
def test_manager_follows_the_simulated_market(root: str) -> None:
    spec = next(s for s in default_contracts(START_NS) if s.root == root)
    market = ContractMarket(spec, seed=11, rate_per_s=50.0, start_ns=START_NS, levels=10)
    native = NativeBook(spec.tick_size, levels=512)
    book = OrderBook(native, spec.tick_size, spec.tick_value, root, track_heuristics=True)
    for entry in market.depth_snapshot():
        native.apply(entry["type"], entry["price"], entry["volume"], entry["volume"], START_NS)
        book.on_depth(entry["type"], entry["price"], entry["volume"], START_NS)

    trades: list[tuple[int, int, int]] = []  # ticks, volume, aggressor
    for i in range(STEPS):
        ts = START_NS + (i + 1) * 1_000_000
        out: list[Any] = []
        market.step(ts, out)
        for target, _cid, data in out:
            if target == "GatewayDepth":
                for e in data:
                    native.apply(e["type"], e["price"], e["volume"], e["currentVolume"], ts)
                    book.on_depth(e["type"], e["price"], e["volume"], ts)
            elif target == "GatewayTrade":
                for t in data:
                    book.on_trade(t["price"], t["volume"], t["type"], ts)
                    trades.append((round(t["price"] / spec.tick_size), t["volume"], t["type"]))

    # the book equals the generator's book, level for level
    for side, frame in ((0, book.get_orderbook_bids(50)), (1, book.get_orderbook_asks(50))):
        want = market.levels_ticks(side)
        assert frame["price"].to_list() == [spec.price(t) for t, _ in want]
        assert frame["volume"].to_list() == [s for _, s in want]
    stats = book.get_statistics()
    assert stats["crossed_resyncs"] == 0 and stats["invalid"] == 0
    assert stats["trades"] == len(trades) > 0

    delta = book.get_cumulative_delta()
    assert delta["buy_volume"] == sum(v for _, v, a in trades if a == 0)
    assert delta["sell_volume"] == sum(v for _, v, a in trades if a == 1)
    assert delta["source"] == "gateway_trades"

    per_tick: dict[int, int] = {}
    for t, v, _ in trades:
        per_tick[t] = per_tick.get(t, 0) + v
    prof = book.get_volume_profile()
    top = max(per_tick.values())
    assert prof["poc_volume"] == top
    assert prof["point_of_control"] == spec.price(min(t for t, v in per_tick.items() if v == top))
    assert prof["total_volume"] == sum(per_tick.values())

    # a full-depth market order fills exactly what the generator shows
    asks = market.levels_ticks(1)
    impact = book.market_impact(sum(s for _, s in asks) + 5, "buy")
    assert impact["filled"] == sum(s for _, s in asks) and impact["unfilled"] == 5
    assert impact["levels_consumed"] == len(asks)
