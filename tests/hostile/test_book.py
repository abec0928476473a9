"""Hostile depth: GatewayDepth levels thousands of ticks from the touch, over the real socket.

The simulator's market keeps trading while the test injects raw GatewayDepth records that its
own book does not have; the client book must be the simulator's book plus exactly the injected
levels (what it cannot hold counted as lost and reported in health), and the suite keeps working.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from projectx.enums import DomType, OrderSide
from projectx.sim import Simulator
from projectx.suite import TradingSuite
from tests.hostile.conftest import config_for, eventually

Level = tuple[float, int]


def depth_record(contract_id: str, entries: list[tuple[int, float, int]]) -> str:
    """One GatewayDepth invocation record (SignalR JSON + 0x1E) with ``(type, price, volume)``."""
    ts = datetime.now(UTC).isoformat(timespec="milliseconds")
    items = [
        {"timestamp": ts, "type": t, "price": p, "volume": v, "currentVolume": v}
        for t, p, v in entries
    ]
    frame = {"type": 1, "target": "GatewayDepth", "arguments": [contract_id, items]}
    return orjson.dumps(frame).decode() + "\x1e"


def client_levels(native: Any, side: int) -> list[Level]:
    prices, sizes = native.depth(side, 100_000)
    return list(zip(prices.tolist(), sizes.tolist(), strict=True))


def matches_simulator(
    native: Any, sim: Simulator, contract_id: str, far_bids: list[Level], far_asks: list[Level]
) -> bool:
    """The client's whole book is the simulator's plus the injected far levels (best first)."""
    want_bids = sim.market.book_levels(contract_id, 0) + far_bids
    want_asks = sim.market.book_levels(contract_id, 1) + far_asks
    return client_levels(native, 0) == want_bids and client_levels(native, 1) == want_asks


def lossy_reasons(suite: TradingSuite) -> list[str]:
    return [r for r in suite.get_stats()["health"]["reasons"] if "book lossy" in r]


async def still_trading(suite: TradingSuite, sim: Simulator) -> None:
    """Depth keeps flowing and an order places and cancels."""
    depth = suite.feed.depth_updates
    await eventually(lambda: suite.feed.depth_updates > depth + 10, what="more depth updates")
    ctx = suite["MNQ"]
    bid = sim.market.best_bid(ctx.contract_id)
    assert bid is not None
    order = await suite.orders.place_limit_order(
        ctx.contract, OrderSide.BUY, 1, bid - 40 * ctx.data.tick_size
    )
    assert await suite.orders.cancel_order(order)
    await eventually(lambda: order.is_terminal, what="the order cancelled")


def make_suite(sim: Simulator) -> TradingSuite:
    return TradingSuite(
        "MNQ", timeframes=["1min"], initial_days=0, features=["orderbook"], config=config_for(sim)
    )


async def test_levels_thousands_of_ticks_away_keep_the_book_right(sim: Simulator) -> None:
    async with make_suite(sim) as suite:
        ctx = suite["MNQ"]
        cid, tick = ctx.contract_id, ctx.data.tick_size
        native = suite.feed.book(cid)
        assert native is not None
        await eventually(lambda: native.bid_levels >= 5 and native.ask_levels >= 5, what="book")
        touch = sim.market.best_bid(cid)
        assert touch is not None
        far_bid, far_ask = (touch - 3_000 * tick, 7), (touch + 5_000 * tick, 9)
        record = depth_record(
            cid, [(int(DomType.BID), far_bid[0], 7), (int(DomType.ASK), far_ask[0], 9)]
        )
        assert sim.faults.send_frame("market", kind="raw", data=record) == 1
        # consistent: the simulator's whole book, plus the two far levels, deepest on each side
        await eventually(
            lambda: matches_simulator(native, sim, cid, [far_bid], [far_ask]),
            what="client book == simulator book + far levels",
        )
        assert native.levels_outside == 2 and native.recentres == 0
        await still_trading(suite, sim)
        # reported: held (not lost) in the stats snapshot, so health has no lossy reason
        book_stats = suite.get_stats()["instruments"]["MNQ"]["book"]
        assert book_stats["levels_outside"] == 2 and book_stats["levels_lost"] == 0
        assert lossy_reasons(suite) == []
        # the far levels go again: the book is the simulator's exactly
        record = depth_record(
            cid, [(int(DomType.BID), far_bid[0], 0), (int(DomType.ASK), far_ask[0], 0)]
        )
        sim.faults.send_frame("market", kind="raw", data=record)
        await eventually(lambda: native.levels_outside == 0, what="far levels removed")
        await eventually(
            lambda: matches_simulator(native, sim, cid, [], []), what="client == simulator"
        )


async def test_more_far_levels_than_the_book_can_hold_are_lost_and_reported(
    sim: Simulator,
) -> None:
    async with make_suite(sim) as suite:
        ctx = suite["MNQ"]
        cid, tick = ctx.contract_id, ctx.data.tick_size
        native = suite.feed.book(cid)
        assert native is not None
        await eventually(lambda: native.bid_levels >= 5 and native.ask_levels >= 5, what="book")
        touch = sim.market.best_bid(cid)
        assert touch is not None
        cap = native.outside_capacity
        n = cap + 76
        far = [(touch - (3_000 + i) * tick, 1 + i % 5) for i in range(n)]  # nearest first
        record = depth_record(cid, [(int(DomType.BID), p, v) for p, v in far])
        assert sim.faults.send_frame("market", kind="raw", data=record) == 1
        # consistent: the nearest `cap` far bids are held, the deepest 76 are gone
        held = far[:cap]
        await eventually(
            lambda: matches_simulator(native, sim, cid, held, []),
            what="client book == simulator book + the far levels held",
        )
        assert native.levels_lost == n - cap
        stats = suite.get_stats()
        book_stats = stats["instruments"]["MNQ"]["book"]
        assert book_stats["levels_outside"] == cap
        assert book_stats["volume_lost"] == sum(v for _, v in far[cap:])
        # reported: health says the book is lossy
        assert lossy_reasons(suite) == [
            f"-10: order book lossy: {n - cap} levels could not be held"
        ]
        assert stats["health"]["score"] <= 90
        await still_trading(suite, sim)
