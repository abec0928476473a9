"""HubConnection against the in-process simulator over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from projectx._native.feed import MarketFeed
from projectx._native.frames import FrameParser
from projectx.realtime.hub import HubConnection, HubInvocationError, HubState, ReconnectPolicy
from projectx.sim import Simulator

WAIT_S = 15.0  # upper bound for "soon"; never a timing assertion
FAST = ReconnectPolicy(first_delay=0.0, base_delay=0.05, max_delay=0.5)


async def eventually(predicate: Callable[[], bool], timeout: float = WAIT_S) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(symbols=["MNQ"], seed=3, rate=200.0) as simulator:
        yield simulator


async def login(sim: Simulator) -> str:
    creds = sim.credentials
    async with aiohttp.ClientSession() as http:
        resp = await http.post(
            f"{sim.api_url}/Auth/loginKey",
            json={"userName": creds.user_name, "apiKey": creds.api_key},
        )
        body = await resp.json()
    assert body["success"], body
    return str(body["token"])


def make_hub(sim: Simulator, parser: FrameParser | MarketFeed, **kw: object) -> HubConnection:
    token_calls = {"n": 0}

    async def token_factory() -> str:
        token_calls["n"] += 1
        return await login(sim)

    hub = HubConnection(sim.market_hub_url, token_factory, parser, reconnect=FAST, **kw)  # type: ignore[arg-type]
    hub.token_calls = token_calls  # type: ignore[attr-defined]
    return hub


def market_hub(sim: Simulator, **kw: object) -> tuple[MarketFeed, list[HubState], HubConnection]:
    """A market hub feeding a MarketFeed of the first contract, its states recorded."""
    feed = MarketFeed()
    feed.add_contract(sim.contract_ids[0], 0.25, ["1sec"])
    states: list[HubState] = []
    hub = make_hub(sim, feed, **kw)
    hub.on_state(states.append)
    return feed, states, hub


@pytest.mark.parametrize("negotiate", [False, True])
async def test_market_data_reaches_the_native_feed(sim: Simulator, negotiate: bool) -> None:
    cid = sim.contract_ids[0]
    feed = MarketFeed()
    feed.add_contract(cid, 0.25, ["1sec"])
    async with make_hub(sim, feed, negotiate=negotiate) as hub:
        await hub.subscribe("SubscribeContractTrades", cid)
        await hub.subscribe("SubscribeContractMarketDepth", cid)
        await hub.subscribe("SubscribeContractQuotes", cid)
        await eventually(lambda: feed.trades > 20 and feed.quotes > 0)
        book = feed.book(cid)
        assert book is not None and book.best_bid < book.best_ask
        assert feed.bars(cid).stats()["trades"] == feed.trades  # type: ignore[union-attr]
        assert hub.stats.native_records > 0 and hub.stats.malformed_records == 0
    assert hub.state is HubState.CLOSED


async def test_invocation_error_is_raised_and_connection_survives(sim: Simulator) -> None:
    async with make_hub(sim, FrameParser()) as hub:
        with pytest.raises(HubInvocationError):
            await hub.subscribe("SubscribeContractTrades", "CON.F.US.NOPE.Z99")
        assert hub.subscriptions == []
        await hub.invoke("SubscribeContractQuotes", sim.contract_ids[0])
        assert hub.connected


@pytest.mark.parametrize("mode", ["close_message", "close_frame", "abort"])
async def test_dropped_socket_reconnects_with_a_fresh_token_and_resubscribes_once(
    sim: Simulator, mode: str
) -> None:
    cid = sim.contract_ids[0]
    feed, states, hub = market_hub(sim)
    async with hub:
        await hub.subscribe("SubscribeContractTrades", cid)
        await eventually(lambda: feed.trades > 0)
        assert await sim.faults.drop_connections("market", mode=mode) == 1  # type: ignore[arg-type]
        await eventually(lambda: hub.stats.reconnects == 1 and hub.connected)
        before = feed.trades
        await eventually(lambda: feed.trades > before + 5)
        server_side = sim.faults.connections("market")
        assert len(server_side) == 1
        assert len(server_side[0].subscriptions) == 1  # re-subscribed exactly once
        assert hub.token_calls["n"] == 2  # type: ignore[attr-defined]
    assert HubState.RECONNECTED in states
    # the subscriptions were restored after the reconnect, and that is reported (not a state)
    assert states.index(HubState.RESUBSCRIBED) > states.index(HubState.RECONNECTED)
    assert hub.state is HubState.CLOSED


async def test_a_refused_resubscription_is_dropped_and_the_others_restored(
    sim: Simulator,
) -> None:
    cid = sim.contract_ids[0]
    feed, states, hub = market_hub(sim)
    async with hub:
        await hub.subscribe("SubscribeContractQuotes", cid)
        await hub.subscribe("SubscribeContractTrades", cid)
        sim.faults.refuse_invocations("market", "SubscribeContractQuotes")
        await sim.faults.drop_connections("market", mode="abort")
        await eventually(lambda: HubState.RESUBSCRIBED in states)
        assert hub.subscriptions == [("SubscribeContractTrades", (cid,))]
        assert hub.stats.reconnects == 1  # a refusal is not retried by reconnecting
        before = feed.trades
        await eventually(lambda: feed.trades > before + 5)
        assert [len(c.subscriptions) for c in sim.faults.connections("market")] == [1]


async def test_a_resubscription_that_times_out_reconnects_and_tries_again(sim: Simulator) -> None:
    cid = sim.contract_ids[0]
    feed, states, hub = market_hub(sim, invoke_timeout=0.3)
    async with hub:
        await hub.subscribe("SubscribeContractTrades", cid)
        await eventually(lambda: feed.trades > 0)
        sim.faults.delay_hub("market", 1.0)  # every reply, the subscribe completion too, is late
        await sim.faults.drop_connections("market", mode="abort")
        await eventually(lambda: hub.stats.reconnects >= 2)  # the timed-out one was retried
        assert HubState.RESUBSCRIBED not in states
        sim.faults.resume_hub("market")
        await eventually(lambda: HubState.RESUBSCRIBED in states)
        before = feed.trades
        await eventually(lambda: feed.trades > before + 5)
        assert [len(c.subscriptions) for c in sim.faults.connections("market")] == [1]


async def test_server_down_then_back_is_survived(sim: Simulator) -> None:
    cid = sim.contract_ids[0]
    parser = FrameParser()
    parser.register_contract(cid)
    async with make_hub(sim, parser) as hub:
        await hub.subscribe("SubscribeContractTrades", cid)
        await sim.faults.restart_server(down_s=1.5)
        await eventually(lambda: hub.stats.reconnects >= 1 and hub.connected)
        assert hub.stats.connect_failures >= 1
        seen = hub.stats.native_records
        await eventually(lambda: hub.stats.native_records > seen)


@pytest.mark.parametrize("kind", ["malformed", "not_object", "no_type", "split"])
async def test_bad_frames_are_counted_and_the_connection_survives(
    sim: Simulator, kind: str
) -> None:
    async with make_hub(sim, FrameParser()) as hub:
        assert sim.faults.send_frame("market", kind=kind) == 1  # type: ignore[arg-type]
        await eventually(
            lambda: (
                hub.stats.malformed_records + hub.stats.protocol_errors >= 1
                or (kind == "split" and hub.stats.records >= 1)
            )
        )
        await hub.invoke("SubscribeContractQuotes", sim.contract_ids[0])
        assert hub.stats.reconnects == 0


async def test_oversized_record_is_discarded_and_counted(sim: Simulator) -> None:
    async with make_hub(sim, FrameParser(), max_record_bytes=4096) as hub:
        sim.faults.send_frame("market", kind="oversized", size=64 * 1024)
        await eventually(lambda: hub.stats.oversized_records >= 1)
        await hub.invoke("SubscribeContractQuotes", sim.contract_ids[0])
        assert hub.stats.reconnects == 0


async def test_stalled_feed_fires_the_watchdog_and_recovers(sim: Simulator) -> None:
    cid = sim.contract_ids[0]
    parser = FrameParser()
    parser.register_contract(cid)
    states: list[HubState] = []
    hub = make_hub(sim, parser, stale_after=0.5)
    hub.on_state(states.append)
    async with hub:
        await hub.subscribe("SubscribeContractTrades", cid)
        sim.faults.stall_hub("market")
        await eventually(lambda: hub.stats.stale_events >= 1)
        assert HubState.STALE in states
        sim.faults.resume_hub("market")
        await eventually(lambda: hub.stats.reconnects >= 1 and hub.connected)


async def test_close_returns_promptly_and_fails_pending_calls(sim: Simulator) -> None:
    hub = make_hub(sim, FrameParser())
    await hub.start()
    sim.faults.stall_hub("market")
    pending = asyncio.ensure_future(hub.invoke("SubscribeContractQuotes", sim.contract_ids[0]))
    await asyncio.sleep(0.05)
    await asyncio.wait_for(hub.close(), 2.0)
    with pytest.raises(Exception) as info:
        await pending
    assert "closed" in str(info.value) or "lost" in str(info.value)
    sim.faults.resume_hub("market")
