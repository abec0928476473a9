"""HubConnection against the in-process simulator over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from projectx._native.feed import MarketFeed
from projectx._native.frames import FeedResult, FrameParser
from projectx.exceptions import ConnectionError as ProjectXConnectionError
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

    kw.setdefault("reconnect", FAST)
    hub = HubConnection(sim.market_hub_url, token_factory, parser, **kw)  # type: ignore[arg-type]
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


# -- the reconnect policy ------------------------------------------------------------------------
def test_backoff_starts_at_first_delay_grows_and_is_capped() -> None:
    import random

    policy = ReconnectPolicy(first_delay=0.0, base_delay=0.5, max_delay=4.0, jitter=0.0)
    rnd = random.Random(1)
    assert [policy.delay(a, rnd) for a in range(1, 8)] == [0.0, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_backoff_jitter_only_shortens_the_delay() -> None:
    import random

    policy = ReconnectPolicy(base_delay=1.0, max_delay=8.0, jitter=0.5)
    rnd = random.Random(7)
    for attempt in range(2, 10):
        raw = min(8.0, 2.0 ** (attempt - 2))
        delays = [policy.delay(attempt, rnd) for _ in range(50)]
        assert all(raw * 0.5 <= d <= raw for d in delays)
        assert len(set(delays)) > 1  # jittered, not constant


STORM = ReconnectPolicy(
    first_delay=0.0,
    base_delay=0.01,
    max_delay=0.05,
    circuit_threshold=4,
    circuit_cooldown=0.5,
    healthy_after=0.3,
)


async def test_connections_closed_after_the_handshake_back_off_and_open_the_circuit(
    sim: Simulator,
) -> None:
    """Each handshake-then-close connection is a failed attempt: after circuit_threshold of
    them the circuit opens (the backoff used to reset on every handshake: it never did)."""
    cid = sim.contract_ids[0]
    feed, states, hub = market_hub(sim, reconnect=STORM)
    async with hub:
        await hub.subscribe("SubscribeContractTrades", cid)
        await eventually(lambda: hub.healthy)
        before = sim.faults.sessions_started("market")
        sim.faults.handshake_then_close("market")  # until cleared
        await hub.drop()
        await eventually(lambda: HubState.CIRCUIT_OPEN in states)
        # the truth: exactly circuit_threshold connections before the circuit opened
        assert sim.faults.sessions_started("market") - before == STORM.circuit_threshold
        assert hub.state is HubState.CIRCUIT_OPEN and hub.stats.circuit_opens == 1
        assert hub.stats.unhealthy_connections >= STORM.circuit_threshold
        sim.faults.clear()
        await eventually(lambda: hub.healthy)  # after the cooldown it recovers
        seen = feed.trades
        await eventually(lambda: feed.trades > seen + 3)
        assert hub.stats.reconnects == STORM.circuit_threshold + 1
        assert hub.reconnect_storm and hub.recent_reconnects() == hub.stats.reconnects


async def test_a_healthy_connection_resets_the_backoff(sim: Simulator) -> None:
    """Two unhealthy connections, a healthy one, two unhealthy again: with the reset the
    circuit (threshold 3) never opens; without it the fourth attempt opens it."""
    cid = sim.contract_ids[0]
    policy = ReconnectPolicy(
        base_delay=0.01, max_delay=0.05, circuit_threshold=3, circuit_cooldown=30.0,
        healthy_after=0.3,
    )  # fmt: skip
    _, states, hub = market_hub(sim, reconnect=policy)
    async with hub:
        await hub.subscribe("SubscribeContractTrades", cid)
        for _ in range(2):
            await eventually(lambda: hub.healthy)
            sim.faults.handshake_then_close("market", n=2)
            target = hub.stats.connects + 3
            await hub.drop()
            await eventually(lambda t=target: hub.stats.connects == t and hub.connected)
        await eventually(lambda: hub.healthy)
        assert hub.stats.circuit_opens == 0 and HubState.CIRCUIT_OPEN not in states
        assert hub.stats.unhealthy_connections == 4


async def test_close_with_allow_reconnect_false_stops_for_good_and_says_so(
    sim: Simulator,
) -> None:
    cid = sim.contract_ids[0]
    feed, _, hub = market_hub(sim)
    async with hub:
        await hub.subscribe("SubscribeContractTrades", cid)
        await eventually(lambda: feed.trades > 0)
        sessions = sim.faults.sessions_started("market")
        await sim.faults.drop_connections(
            "market", mode="close_message", error="Kicked access_token=abc", allow_reconnect=False
        )
        await eventually(lambda: not hub.alive)
        # the supervisor has ended: structurally nothing can reconnect any more
        assert hub.state is HubState.DISCONNECTED and not hub.connected
        assert sim.faults.sessions_started("market") == sessions
        assert hub.stats.reconnects == 0 and hub.stats.last_close_allow_reconnect is False
        reason = hub.stats.stopped_reason or ""
        assert "allowReconnect=false" in reason and "abc" not in reason  # redacted
        with pytest.raises(ProjectXConnectionError):
            await hub.invoke("SubscribeContractQuotes", cid, timeout=0.5)
    assert hub.state is HubState.CLOSED


class _Boom(BaseException):
    """Something no supervisor can handle (a BaseException that is not a cancellation)."""


class _RaisingParser:
    """A FrameParser stand-in: a message carrying ``marker`` makes ``feed`` raise after
    feeding the inner parser the first part of it (leaving a partial record behind)."""

    def __init__(self, inner: FrameParser, marker: bytes, error: BaseException) -> None:
        self.inner = inner
        self.marker = marker
        self.error = error

    @property
    def others(self) -> list[bytes]:
        return self.inner.others

    def feed(self, data: str | bytes) -> int:
        raw = data.encode() if isinstance(data, str) else data
        at = raw.find(self.marker)
        if at >= 0:
            self.inner.feed(raw[: at + len(self.marker) // 2])  # a partial record stays
            raise self.error
        return self.inner.feed(raw)

    @property
    def result(self) -> FeedResult:
        return self.inner.result

    def receive(self, data: str | bytes) -> FeedResult:
        raw = data.encode() if isinstance(data, str) else data
        at = raw.find(self.marker)
        if at >= 0:
            self.inner.receive(raw[: at + len(self.marker) // 2])  # a partial record stays
            raise self.error
        return self.inner.receive(raw)

    def reset(self) -> None:
        self.inner.reset()


PING = '{"type":6}\x1e'
BOMB = '{"type":1,"target":"GatewayTrade","arguments":["PARSER-BOMB",[]]}\x1e'


async def test_a_parser_exception_is_counted_and_the_next_messages_parse_cleanly(
    sim: Simulator,
) -> None:
    inner = FrameParser()
    parser = _RaisingParser(inner, b"PARSER-BOMB", ValueError("volume out of range"))
    async with make_hub(sim, parser) as hub:  # type: ignore[arg-type]
        sim.faults.send_frame("market", kind="raw", data=PING + BOMB)
        await eventually(lambda: hub.stats.parser_errors == 1)
        records = hub.stats.records
        sim.faults.send_frame("market", kind="raw", data=PING + PING)
        await eventually(lambda: hub.stats.records >= records + 2)
        # the partial record the failure left behind was dropped, not glued to the next one
        assert hub.stats.malformed_records == 0 and hub.stats.protocol_errors == 0
        await hub.invoke("SubscribeContractQuotes", sim.contract_ids[0])
        assert hub.alive and hub.connected and hub.stats.reconnects == 0


async def test_a_dead_supervisor_is_visible_and_close_does_not_raise(sim: Simulator) -> None:
    parser = _RaisingParser(FrameParser(), b"PARSER-BOMB", _Boom())
    states: list[HubState] = []
    hub = make_hub(sim, parser)
    hub.on_state(states.append)
    await hub.start()
    assert hub.alive
    sim.faults.send_frame("market", kind="raw", data=BOMB)
    await eventually(lambda: not hub.alive)
    assert hub.stats.stopped_reason == "supervisor dead (_Boom)"
    assert hub.state is HubState.DISCONNECTED and not hub.connected
    await asyncio.wait_for(hub.close(), 5.0)  # the dead task's error is not re-raised
    assert hub.state is HubState.CLOSED and hub._session is None


async def test_an_unexpected_error_while_reconnecting_is_counted_and_retried(
    sim: Simulator,
) -> None:
    cid = sim.contract_ids[0]
    feed, _, hub = market_hub(sim)
    good = hub._token_factory
    failures = {"left": 2}

    async def flaky() -> str:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("token store unavailable")
        return await good()

    async with hub:
        await hub.subscribe("SubscribeContractTrades", cid)
        hub._token_factory = flaky
        await hub.drop()
        await eventually(lambda: hub.stats.reconnects == 1 and hub.connected)
        assert hub.stats.supervisor_errors == 2 and hub.stats.connect_failures == 2
        seen = feed.trades
        await eventually(lambda: feed.trades > seen + 3)
        assert hub.alive


@pytest.mark.parametrize("fragment_bytes", [None, 16 * 1024])
async def test_a_message_over_the_limit_is_refused_at_the_socket_and_the_hub_recovers(
    sim: Simulator, fragment_bytes: int | None
) -> None:
    cid = sim.contract_ids[0]
    feed, _, hub = market_hub(sim, max_message_bytes=64 * 1024)
    async with hub:
        await hub.subscribe("SubscribeContractTrades", cid)
        await eventually(lambda: feed.trades > 0)
        assert sim.faults.send_huge_message(
            "market", size=1024 * 1024, fragment_bytes=fragment_bytes
        ) == 1  # fmt: skip
        await eventually(lambda: hub.stats.oversized_messages == 1)
        await eventually(lambda: hub.stats.reconnects == 1 and hub.connected)
        seen = feed.trades
        await eventually(lambda: feed.trades > seen + 3)
        assert hub.stats.oversized_records == 0  # refused before it became a record


async def test_a_message_under_the_limit_is_delivered(sim: Simulator) -> None:
    """The bound is a bound, not a refusal of big messages: 1 MiB under a 2 MiB limit passes
    (as one frame and as fragments), counted as an oversized *record* by a 64 KiB record cap."""
    async with make_hub(
        sim, FrameParser(), max_message_bytes=2 * 1024 * 1024, max_record_bytes=64 * 1024
    ) as hub:
        for fragments in (None, 100_000):
            sim.faults.send_huge_message("market", size=1024 * 1024, fragment_bytes=fragments)
        await eventually(lambda: hub.stats.oversized_records == 2)
        assert hub.stats.oversized_messages == 0 and hub.stats.reconnects == 0
