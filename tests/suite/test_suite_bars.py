"""TradingSuite against the simulator: live bars of every timeframe equal bars rebuilt from the
simulator's trades, across the warm-up boundary and a reconnect with a gap; NEW_BAR once per
closed bar, in order, carrying the closed bar; the book equals the simulator's book."""

from __future__ import annotations

import asyncio

import numpy as np

from projectx.events import Event, EventType
from projectx.realtime.hub import HubState
from projectx.sim import Simulator
from projectx.suite import TradingSuite
from tests.suite.conftest import config_for, eventually, reference_bars, stored_bars

TIMEFRAMES = ["1sec", "1min", "5min", "15min", "1hr", "4hr", "1day"]


def _truth(sim: Simulator, contract_id: str, tick_size: float) -> tuple[np.ndarray, ...]:
    ts, ticks, vol = sim.market.history.trades(contract_id)
    return ts, np.round(ticks * tick_size, 10), vol


def _book_matches(suite: TradingSuite, sim: Simulator, cid: str) -> bool:
    book = suite.feed.book(cid)
    assert book is not None
    want_bids = sim.market.book_levels(cid, 0)[:5]
    want_asks = sim.market.book_levels(cid, 1)[:5]
    bp, bs, ap, az = book.top(5)
    got_bids = [(float(p), int(s)) for p, s in zip(bp, bs, strict=True) if s > 0]
    got_asks = [(float(p), int(s)) for p, s in zip(ap, az, strict=True) if s > 0]
    return got_bids == want_bids and got_asks == want_asks


async def test_bars_equal_the_trades_across_warmup_and_a_reconnect_gap(sim: Simulator) -> None:
    new_bars: list[Event] = []
    suite = TradingSuite("MNQ", timeframes=TIMEFRAMES, initial_days=0.05, config=config_for(sim))
    suite.on(EventType.NEW_BAR, new_bars.append)
    reconnected: list[Event] = []
    suite.on(EventType.RECONNECTED, reconnected.append)
    async with suite:
        ctx = suite["MNQ"]
        cid = ctx.contract_id
        await eventually(lambda: sum(e.data["timeframe"] == "1sec" for e in new_bars) >= 3)
        first_live = new_bars[0].data["bar"].ts_ns  # every trade from here on was streamed
        # a real gap: the whole server goes away for a second while the market keeps trading
        await sim.faults.stop_server()
        await asyncio.sleep(1.2)
        await sim.faults.start_server()
        await eventually(lambda: any(e.data["hub"] == "market" for e in reconnected))
        await eventually(lambda: sum(e.data["repaired"] for e in new_bars) >= 2)
        await asyncio.sleep(2.5)  # several more 1sec closes after the gap
        await ctx.data.wait_repaired()
        await eventually(lambda: _book_matches(suite, sim, cid))

        tick = float(ctx.contract.tick_size or 0.25)
        ts, price, vol = _truth(sim, cid, tick)
        streamed_since_subscribe = int((ts >= first_live).sum())
        assert suite.feed.trades < streamed_since_subscribe, "the outage lost no trade: no gap"
        for tf in TIMEFRAMES:
            closed = ctx.data.engine.closed(tf)
            if len(closed["ts"]) == 0:
                continue
            truth = reference_bars(ts, price, vol, tf)
            first, last = int(closed["ts"][0]), int(closed["ts"][-1])
            cut = ctx.data.provisional_from(tf)  # a gap whose last bar is still forming
            if cut is not None:
                last = min(last, cut - 1)
            expected = {k: v for k, v in truth.items() if first <= k <= last}
            got = stored_bars(closed, hi=last)
            assert got == expected, f"{tf}: bars differ from the trades"
        # NEW_BAR: once per closed bar, in order, the bar as stored
        for tf in TIMEFRAMES:
            events = [e.data["bar"] for e in new_bars if e.data["timeframe"] == tf]
            labels = [b.ts_ns for b in events]
            assert labels == sorted(set(labels)), f"{tf}: NEW_BAR out of order or repeated"
            closed = ctx.data.engine.closed(tf)
            stored = {int(closed["ts"][i]): i for i in range(len(closed["ts"]))}
            for bar in events:
                i = stored[bar.ts_ns]
                assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (
                    closed["open"][i],
                    closed["high"][i],
                    closed["low"][i],
                    closed["close"][i],
                    closed["volume"][i],
                )
        one_sec = [e.data["bar"].ts_ns for e in new_bars if e.data["timeframe"] == "1sec"]
        live_closed = ctx.data.engine.closed("1sec")
        cut = ctx.data.provisional_from("1sec") or 2**63
        after_first = [int(t) for t in live_closed["ts"] if one_sec[0] <= int(t) < cut]
        assert one_sec == after_first  # every 1sec bar closed since subscribing got its NEW_BAR
    assert suite.get_stats()["connected"] is False


async def test_bars_of_an_open_gap_are_provisional_until_repaired(sim: Simulator) -> None:
    """After a reconnect, closed bars from the gap on are provisional (no NEW_BAR yet) until
    the gap's last bar closes and the repair lands; then every one gets its NEW_BAR."""
    new_bars: list[Event] = []
    suite = TradingSuite("MNQ", timeframes=["1sec", "1min"], initial_days=0, config=config_for(sim))
    suite.on(EventType.NEW_BAR, new_bars.append)
    async with suite:
        ctx = suite["MNQ"]
        await eventually(lambda: sum(e.data["timeframe"] == "1sec" for e in new_bars) >= 2)
        await ctx.data.wait_repaired()
        await eventually(lambda: ctx.data.provisional_from("1sec") is None)
        await sim.faults.drop_connections("market", mode="abort")
        await eventually(lambda: ctx.data.provisional_from("1sec") is not None)
        start = ctx.data.provisional_from("1sec")
        assert start is not None
        # the 1min gap's last bar is still forming: its closed bars (if any) have no NEW_BAR
        minute_cut = ctx.data.provisional_from("1min")
        assert minute_cut is not None
        emitted_min = {e.data["bar"].ts_ns for e in new_bars if e.data["timeframe"] == "1min"}
        assert not any(t >= minute_cut for t in emitted_min)
        # the 1sec gap closes within a second or two and is repaired
        await eventually(lambda: ctx.data.provisional_from("1sec") is None)
        await ctx.data.wait_repaired()
        emitted = [e.data["bar"].ts_ns for e in new_bars if e.data["timeframe"] == "1sec"]
        closed = [int(t) for t in ctx.data.engine.closed("1sec")["ts"] if int(t) >= emitted[0]]
        assert emitted == closed  # each closed 1sec bar got its NEW_BAR once, in order
        assert any(e.data["repaired"] and e.data["bar"].ts_ns >= start for e in new_bars)


async def test_trades_lost_until_the_resubscription_are_repaired(sim: Simulator) -> None:
    """Trades flow again only once the hub has re-subscribed: with a slow server that is
    seconds after RECONNECTED, while the market trades on. The bars of that whole window
    are repaired; none is emitted as final with trades missing."""
    new_bars: list[Event] = []
    suite = TradingSuite("MNQ", timeframes=["1sec"], initial_days=0, config=config_for(sim))
    suite.on(EventType.NEW_BAR, new_bars.append)
    async with suite:
        ctx = suite["MNQ"]
        market = suite.realtime.market if suite.realtime is not None else None
        assert market is not None
        states: list[HubState] = []
        market.on_state(states.append)
        await eventually(lambda: sum(e.data["timeframe"] == "1sec" for e in new_bars) >= 2)
        await ctx.data.wait_repaired()
        first_live = new_bars[0].data["bar"].ts_ns
        # each re-subscription (quotes, trades, depth) runs 0.8 s late on the server: trades
        # are subscribed ~1.6 s after RECONNECTED and flow ~0.8 s before RESUBSCRIBED
        sim.faults.delay_invocations("market", 0.8)
        await sim.faults.drop_connections("market", mode="abort")
        await eventually(lambda: HubState.RESUBSCRIBED in states, timeout_s=20)
        sim.faults.delay_invocations("market", 0.0)
        n = len(new_bars)
        await eventually(lambda: len(new_bars) >= n + 3, timeout_s=20)
        await eventually(lambda: ctx.data.provisional_from("1sec") is None, timeout_s=20)
        await ctx.data.wait_repaired()
        tick = float(ctx.contract.tick_size or 0.25)
        ts, price, vol = _truth(sim, ctx.contract_id, tick)
        assert suite.feed.trades < int((ts >= first_live).sum()), "no trade was lost: no gap"
        closed = ctx.data.engine.closed("1sec")
        got = stored_bars(closed, lo=first_live)
        truth = reference_bars(ts, price, vol, "1sec")
        want = {k: v for k, v in truth.items() if first_live <= k <= max(got)}
        assert got == want
        emitted = {e.data["bar"].ts_ns: e.data["bar"] for e in new_bars}
        assert all(
            (b.open, b.high, b.low, b.close, b.volume) == want[t]
            for t, b in emitted.items()
            if t in want
        ), "a NEW_BAR carried a bar that misses trades"
