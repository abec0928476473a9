"""The suite's order book: analytics fed live from the Gateway's trades and depth."""

from __future__ import annotations

import pytest

from projectx.events import Event, EventType
from projectx.sim import Simulator
from projectx.suite import TradingSuite
from tests.suite.conftest import config_for, eventually


@pytest.mark.parametrize(
    "features",
    [["orderbook"], ["orderbook", "orderbook_heuristics"]],
    ids=["native-tape", "python-hooks"],
)
async def test_orderbook_analytics_follow_the_live_feed(
    sim: Simulator, features: list[str]
) -> None:
    ticks: list[Event] = []
    suite = TradingSuite(
        "MNQ", timeframes=["1min"], initial_days=0, features=features, config=config_for(sim)
    )
    suite.on(EventType.TRADE_TICK, ticks.append)
    async with suite:
        book = suite.orderbook
        await eventually(lambda: len(ticks) >= 30 and book.best_bid > 0)
        delta = book.get_cumulative_delta()
        assert delta["source"] == "gateway_trades"
        buys = sum(t.data["volume"] for t in ticks if t.data["type"] == 0)
        sells = sum(t.data["volume"] for t in ticks if t.data["type"] == 1)
        # the book saw exactly the trades the bus delivered (same messages, same order)
        assert delta["trades"] == len(ticks)
        assert book.get_statistics()["trades"] == len(ticks)  # counted from either source
        assert (delta["buy_volume"], delta["sell_volume"]) == (buys, sells)
        assert delta["cumulative_delta"] == buys - sells
        snap = book.get_orderbook_snapshot(5)
        native = suite.feed.book(suite["MNQ"].contract_id)
        assert native is not None
        assert snap["best_bid"] == native.best_bid and snap["best_ask"] == native.best_ask
        bids = book.get_orderbook_bids(5)
        assert bids.height >= 1 and bids["price"][0] == native.best_bid
        impact = book.market_impact(1, "buy")
        assert impact["average_price"] >= native.best_ask
