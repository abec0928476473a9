"""A hostile or broken peer on the hub connections (issue 14, items 1, 4 and 8), through real
sockets against the in-process simulator and a real ``TradingSuite``.

Each test asserts three things: still working (market data flows; an order is placed and
cancelled), reported (a counter plus an event or a health reason), consistent with the
simulator's truth (its session count, its order book of record, its live connections).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from projectx._native.frames import FeedResult
from projectx.enums import OrderSide, OrderStatus
from projectx.events import Event, EventType
from projectx.orders.state import OrderState
from projectx.realtime.hub import HubConnection, HubState, ReconnectPolicy
from projectx.sim import Simulator
from projectx.suite import TradingSuite
from tests.hostile.conftest import config_for, eventually

#: compressed time: the same policy shape as the default, in tenths of a second
POLICY = ReconnectPolicy(
    first_delay=0.0,
    base_delay=0.02,
    max_delay=0.1,
    circuit_threshold=5,
    circuit_cooldown=1.0,
    healthy_after=0.5,
    storm_window=60.0,
    storm_threshold=5,
)


def make_suite(sim: Simulator) -> TradingSuite:
    return TradingSuite(
        "MNQ", timeframes=["1sec"], initial_days=0, config=config_for(sim), reconnect=POLICY
    )


def hubs(suite: TradingSuite) -> tuple[HubConnection, HubConnection]:
    assert suite.realtime is not None
    user, market = suite.realtime.user, suite.realtime.market
    assert isinstance(user, HubConnection) and isinstance(market, HubConnection)
    return user, market


def record_events(suite: TradingSuite, *types: EventType) -> list[Event]:
    seen: list[Event] = []
    for etype in types:
        suite.on(etype, seen.append)
    return seen


def health(suite: TradingSuite) -> tuple[int, list[str]]:
    h = suite.get_stats()["health"]
    return int(h["score"]), list(h["reasons"])


def has_reason(reasons: list[str], text: str) -> bool:
    return any(text in r for r in reasons)


async def trades_flow(suite: TradingSuite, n: int = 5) -> None:
    """Still working (market side): ``n`` more trades reach the native feed."""
    seen = suite.feed.trades
    await eventually(lambda: suite.feed.trades >= seen + n, what=f"{n} more trades")


async def order_round_trip(suite: TradingSuite, sim: Simulator) -> None:
    """Still working (trading side): a resting limit is placed and cancelled; the suite's
    record follows the user hub and agrees with the simulator's."""
    ctx = suite["MNQ"]
    await eventually(lambda: suite.orderbook.best_bid > 0, what="a book")
    price = suite.orderbook.best_bid - 40 * ctx.data.tick_size
    order = await suite.orders.place_limit_order(ctx.contract, OrderSide.BUY, 1, price)
    assert order.order_id is not None
    assert sim.exchange.orders[order.order_id].status == OrderStatus.OPEN
    await suite.orders.cancel_order(order)
    await eventually(lambda: order.state is OrderState.CANCELLED, what="the cancel event")
    assert sim.exchange.orders[order.order_id].status == OrderStatus.CANCELLED


# -- handshake-then-close: a reconnect storm -----------------------------------------------------
@pytest.mark.parametrize("hub_name", ["market", "user"])
async def test_a_handshake_then_close_storm_opens_the_circuit_and_recovers(
    sim: Simulator, hub_name: str
) -> None:
    async with make_suite(sim) as suite:
        user, market = hubs(suite)
        hub = market if hub_name == "market" else user
        states: list[HubState] = []
        hub.on_state(states.append)
        errors = record_events(suite, EventType.ERROR)
        await eventually(lambda: hub.healthy, what="a healthy connection")
        before = sim.faults.sessions_started(hub_name)
        sim.faults.handshake_then_close(hub_name)  # every new connection, until cleared
        await sim.faults.drop_connections(hub_name, mode="abort")
        await eventually(lambda: HubState.CIRCUIT_OPEN in states, what="the circuit open")
        # bounded: the circuit opened after exactly circuit_threshold connections (the
        # simulator's count), where the old client made thousands in the same time
        assert sim.faults.sessions_started(hub_name) - before == POLICY.circuit_threshold
        assert hub.stats.unhealthy_connections >= POLICY.circuit_threshold
        score, reasons = health(suite)
        assert has_reason(reasons, f"{hub_name} hub circuit open") and score < 100
        assert any(e.data.get("error") == "circuit open" for e in errors)
        sim.faults.clear()
        await eventually(lambda: hub.healthy, what="recovered after the cooldown")
        await trades_flow(suite)
        await order_round_trip(suite, sim)
        # reported after the recovery too, and the counts agree with the server's
        assert hub.stats.reconnects == sim.faults.sessions_started(hub_name) - before
        assert hub.stats.reconnects == POLICY.circuit_threshold + 1
        score, reasons = health(suite)
        assert has_reason(reasons, f"{hub_name} hub reconnect storm") and score < 100


# -- Close{allowReconnect: false} --------------------------------------------------------------
async def test_close_with_allow_reconnect_false_is_final_and_reported(sim: Simulator) -> None:
    async with make_suite(sim) as suite:
        user, market = hubs(suite)
        events = record_events(suite, EventType.DISCONNECTED, EventType.ERROR)
        await trades_flow(suite)
        sessions = sim.faults.sessions_started("market")
        await sim.faults.drop_connections(
            "market",
            mode="close_message",
            error="Session ended. access_token=eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl",
            allow_reconnect=False,
        )
        await eventually(lambda: not market.alive, what="the market supervisor stopped")
        # no reconnect attempt, now or later: the supervisor has ended
        assert sim.faults.sessions_started("market") == sessions
        # the server forgets the closed socket on its own schedule; no new one ever appears
        await eventually(
            lambda: sim.faults.connections("market") == [], what="the server dropped the socket"
        )
        assert sim.faults.sessions_started("market") == sessions
        assert market.state is HubState.DISCONNECTED and market.stats.reconnects == 0
        final = [e for e in events if e.type is EventType.DISCONNECTED and e.data.get("hub")]
        assert final and final[-1].data["reconnecting"] is False
        assert "allowReconnect=false" in final[-1].data["reason"]
        assert "eyJ" not in final[-1].data["reason"]  # the close text is redacted
        assert any(e.type is EventType.ERROR and e.data.get("hub") == "market" for e in events)
        score, reasons = health(suite)
        assert has_reason(reasons, "market hub stopped reconnecting") and score < 100
        assert score <= 100 - 40 - 40  # down, and nothing brings it back
        # the user hub is untouched: trading still works
        await order_round_trip(suite, sim)
        assert user.alive and user.stats.reconnects == 0


# -- one huge WebSocket message ----------------------------------------------------------------
def _rss() -> int:
    with open("/proc/self/statm", "rb") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def peak_rss() -> Iterator[dict[str, int]]:
    """The process's peak RSS growth while the block runs (sampled from a thread, so a busy
    event loop cannot hide a spike)."""
    out = {"base": _rss(), "peak": 0}
    out["peak"] = out["base"]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            out["peak"] = max(out["peak"], _rss())
            stop.wait(0.001)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield out
    finally:
        stop.set()
        thread.join()
        out["growth"] = out["peak"] - out["base"]


HUGE = 128 * 1024 * 1024


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
@pytest.mark.parametrize("fragment_bytes", [None, 1024 * 1024], ids=["one-frame", "fragments"])
async def test_a_128_mb_message_is_refused_at_the_socket(
    sim: Simulator, fragment_bytes: int | None
) -> None:
    async with make_suite(sim) as suite:
        user, market = hubs(suite)
        await trades_flow(suite)
        sessions = sim.faults.sessions_started("market")
        with peak_rss() as rss:
            assert sim.faults.send_huge_message(
                "market", size=HUGE, fragment_bytes=fragment_bytes
            ) == 1  # fmt: skip
            await eventually(lambda: market.stats.oversized_messages == 1, what="counted")
            await eventually(lambda: market.stats.reconnects == 1 and market.connected)
        # the client never held the message (the old client grew by 250-400 MB here)
        assert rss["growth"] < HUGE // 8, f"RSS grew {rss['growth'] / 2**20:.0f} MiB"
        await trades_flow(suite)
        await order_round_trip(suite, sim)
        score, reasons = health(suite)
        assert has_reason(reasons, "market hub: 1 oversized WebSocket messages refused")
        assert score < 100
        # consistent: one reconnect, seen by the server; nothing else lost - the bars of the
        # reconnect's gap are repaired from REST, the user hub never noticed
        assert sim.faults.sessions_started("market") == sessions + 1
        data = suite["MNQ"].data
        await eventually(lambda: data.provisional_from("1sec") is None, what="gap repaired")
        assert user.stats.reconnects == 0 and market.stats.oversized_records == 0


# -- a record the parser raises on -------------------------------------------------------------
class _Boom(BaseException):
    """What no supervisor can catch as an Exception (it still must not go unnoticed)."""


class RaisingFeed:
    """The suite's MarketFeed behind a stand-in that raises on a marked record, after feeding
    the real feed the part of the message before it (a partial record is left behind, as a
    parser failing mid-message would). No real record needs to fail for this to be tested."""

    def __init__(self, inner: Any, marker: bytes, error: Callable[[], BaseException]) -> None:
        self.inner = inner
        self.marker = marker
        self.error = error
        self.raised = 0

    @property
    def others(self) -> list[bytes]:
        others: list[bytes] = self.inner.others
        return others

    def feed(self, data: str | bytes) -> int:
        raw = data.encode() if isinstance(data, str) else data
        at = raw.find(self.marker)
        if at >= 0:
            self.inner.feed(raw[:at])
            self.raised += 1
            raise self.error()
        n: int = self.inner.feed(raw)
        return n

    @property
    def result(self) -> FeedResult:
        result: FeedResult = self.inner.result
        return result

    def receive(self, data: str | bytes) -> FeedResult:
        raw = data.encode() if isinstance(data, str) else data
        at = raw.find(self.marker)
        if at >= 0:
            self.inner.receive(raw[:at])
            self.raised += 1
            raise self.error()
        result: FeedResult = self.inner.receive(raw)
        return result

    def reset(self) -> None:
        self.inner.reset()


def bomb_record(contract_id: str) -> str:
    trade = (
        '{"symbolId":"F.US.MNQ","price":21000.25,"timestamp":"2025-11-24T14:12:30.548+00:00",'
        '"type":0,"volume":-1,"sim":"PARSER-BOMB"}'
    )
    return f'{{"type":1,"target":"GatewayTrade","arguments":["{contract_id}",[{trade}]]}}\x1e'


async def test_a_parser_exception_is_counted_and_the_hub_keeps_going(sim: Simulator) -> None:
    async with make_suite(sim) as suite:
        _, market = hubs(suite)
        stand_in = RaisingFeed(suite.feed, b"PARSER-BOMB", lambda: ValueError("volume=-1"))
        market.parser = stand_in
        await trades_flow(suite)
        sessions = sim.faults.sessions_started("market")
        malformed = market.stats.malformed_records
        cid = suite["MNQ"].contract_id
        ping = '{"type":6}\x1e'
        sim.faults.send_frame("market", kind="raw", data=ping + bomb_record(cid))
        await eventually(lambda: market.stats.parser_errors == 1, what="counted")
        assert stand_in.raised == 1
        await trades_flow(suite)  # the next messages are processed ...
        # ... from a clean state: the partial record was dropped, not glued to the next one
        assert market.stats.malformed_records == malformed
        await order_round_trip(suite, sim)
        score, reasons = health(suite)
        assert has_reason(reasons, "market hub: 1 messages the parser could not process")
        assert score < 100
        # consistent: the same connection all along
        assert market.alive and market.stats.reconnects == 0
        assert sim.faults.sessions_started("market") == sessions


@pytest.mark.parametrize(
    "record",
    [
        '{"symbolId":"F.US.MNQ","price":21000.25,"timestamp":"2025-11-24T14:12:30.548+00:00",'
        '"type":0,"volume":-1}',
        '{"symbolId":"F.US.MNQ","price":21000.25,"timestamp":"2262-04-11T23:47:16.000+00:00",'
        '"type":0,"volume":1}',
    ],
    ids=["volume-1", "timestamp-near-int64-limit"],
)
async def test_real_records_that_broke_the_feed_no_longer_end_the_hub(
    sim: Simulator, record: str
) -> None:
    """The records of issue 14 item 1, through the real MarketFeed: the feed's guard refuses
    them (the hub's catch-all is never needed), the hub keeps going and it is reported."""
    suite = TradingSuite(
        "MNQ",
        timeframes=["1sec", "1day"],
        initial_days=0,
        config=config_for(sim),
        reconnect=POLICY,
    )
    async with suite:
        _, market = hubs(suite)
        await trades_flow(suite)
        cid = suite["MNQ"].contract_id
        frame = f'{{"type":1,"target":"GatewayTrade","arguments":["{cid}",[{record}]]}}\x1e'
        sim.faults.send_frame("market", kind="raw", data=frame)
        # later messages are consumed: the hub went past it
        messages = market.stats.messages
        await eventually(lambda: market.stats.messages > messages + 2, what="more messages")
        await trades_flow(suite)
        await order_round_trip(suite, sim)
        assert market.alive and market.connected and market.stats.reconnects == 0
        score, reasons = health(suite)
        assert score < 100  # rejected by the feed's guard, and reported
        assert any("refused or held" in r for r in reasons), reasons
        assert sum(suite.feed.anomalies().values()) == 1 and market.stats.parser_errors == 0


# -- a dead supervisor -------------------------------------------------------------------------
async def test_a_dead_market_supervisor_shows_in_health(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_suite(sim) as suite:
        user, market = hubs(suite)
        events = record_events(suite, EventType.DISCONNECTED, EventType.ERROR)
        market.parser = RaisingFeed(suite.feed, b"PARSER-BOMB", _Boom)
        await trades_flow(suite)
        assert health(suite)[0] == 100
        cid = suite["MNQ"].contract_id
        with caplog.at_level(logging.ERROR, logger="projectx.realtime.hub"):
            sim.faults.send_frame("market", kind="raw", data=bomb_record(cid))
            await eventually(lambda: not market.alive, what="the supervisor dead")
        assert any("supervisor dead" in r.getMessage() for r in caplog.records)
        score, reasons = health(suite)
        assert has_reason(reasons, "market hub supervisor dead (_Boom)")
        assert score <= 100 - 40 - 40
        assert market.state is HubState.DISCONNECTED and not market.connected
        assert any(e.type is EventType.ERROR and e.data.get("hub") == "market" for e in events)
        stopped = [e for e in events if e.type is EventType.DISCONNECTED]
        assert stopped and stopped[-1].data["reconnecting"] is False
        # consistent: the server sees no market connection any more; trading still works
        await eventually(lambda: sim.faults.connections("market") == [], what="socket closed")
        await order_round_trip(suite, sim)
        assert user.alive


# -- disconnect() with a part that fails -------------------------------------------------------
def _fail(target: Any, name: str) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError(f"{name} failed to close")

    setattr(target, name, broken)


@pytest.mark.parametrize("part", ["dead-supervisor", "market-hub", "managers", "data", "bus"])
async def test_disconnect_closes_every_part_even_when_one_fails(
    sim: Simulator, part: str, caplog: pytest.LogCaptureFixture
) -> None:
    suite = make_suite(sim)
    await suite.connect()
    user, market = hubs(suite)
    session = suite.client.http_session
    await trades_flow(suite)
    await order_round_trip(suite, sim)
    if part == "dead-supervisor":  # the case: close() used to re-raise its error
        market.parser = RaisingFeed(suite.feed, b"PARSER-BOMB", _Boom)
        sim.faults.send_frame("market", kind="raw", data=bomb_record(suite["MNQ"].contract_id))
        await eventually(lambda: not market.alive, what="the supervisor dead")
    elif part == "market-hub":
        _fail(market, "close")
    elif part == "managers":
        _fail(suite.order_manager, "close")
    elif part == "data":
        _fail(suite["MNQ"].data, "close")
    else:
        _fail(suite.bus, "aclose")
    with caplog.at_level(logging.ERROR, logger="projectx.suite.suite"):
        await asyncio.wait_for(suite.disconnect(), 15.0)  # does not raise
    # every other part is closed: both hubs (unless it is the one that failed), the session
    assert user.state is HubState.CLOSED and not user.alive
    if part != "market-hub":
        assert market.state is HubState.CLOSED
    assert session.closed
    await eventually(lambda: sim.faults.connections("user") == [], what="user socket closed")
    if part != "market-hub":
        await eventually(lambda: sim.faults.connections("market") == [], what="market closed")
    # reported
    if part == "dead-supervisor":
        assert suite.disconnect_errors == []  # the hub closed cleanly despite its dead task
    else:
        assert len(suite.disconnect_errors) == 1 and "failed to close" in suite.disconnect_errors[0]
        assert any("disconnect: closing" in r.getMessage() for r in caplog.records)
    if part == "market-hub":  # the failing part's socket: closed by hand, for the fixture
        await HubConnection.close(market)


async def test_disconnect_re_raises_a_cancellation_after_closing_everything(
    sim: Simulator,
) -> None:
    suite = make_suite(sim)
    await suite.connect()
    user, market = hubs(suite)
    session = suite.client.http_session

    async def cancelled() -> None:
        raise asyncio.CancelledError

    suite["MNQ"].data.close = cancelled  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await suite.disconnect()
    # the parts after the cancelled one were closed before it was re-raised
    assert user.state is HubState.CLOSED and market.state is HubState.CLOSED
    assert session.closed


# -- broken handshakes: every failure is a typed, redacted ConnectionError --------------------
@pytest.mark.parametrize(
    "answer",
    ["", "not json\x1e", '{"error":"denied access_token=eyJhbGciOi.eyJzdWIi.c2ln"}\x1e', "{}"],
    ids=["no-answer", "not-json", "error-with-token", "no-separator"],
)
async def test_a_broken_handshake_is_a_typed_error_and_a_reconnect_recovers(
    sim: Simulator, answer: str
) -> None:
    from projectx._native.frames import FrameParser
    from projectx.exceptions import ConnectionError as ProjectXConnectionError

    async with make_suite(sim) as suite:
        _, market = hubs(suite)
        token = await suite.client.token_factory()
        # a first connect: its failure is raised, typed, without the token, no stdlib cause
        sim.faults.handshake_answer("market", answer, n=1)
        hub = HubConnection(
            sim.market_hub_url,
            suite.client.token_factory,
            FrameParser(),
            handshake_timeout=0.3,
            reconnect=POLICY,
        )
        with pytest.raises(ProjectXConnectionError) as info:
            await hub.start()
        assert "handshake" in str(info.value) and token not in repr(info.value)
        assert "eyJhbGciOi" not in str(info.value)
        error = info.value  # a stdlib TimeoutError/JSONDecodeError is never shown as its cause
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
        # mid-session: reconnects meet the broken answer, count it, and a later one recovers
        await trades_flow(suite)
        failures = market.stats.connect_failures
        broken = 2 if answer else 1  # an unanswered handshake costs the suite's 15 s timeout
        sim.faults.handshake_answer("market", answer, n=broken)
        await sim.faults.drop_connections("market", mode="abort")
        await eventually(
            lambda: market.stats.connect_failures >= failures + broken, 40.0, what="counted"
        )
        await eventually(lambda: market.connected, what="reconnected")
        await trades_flow(suite)
        await order_round_trip(suite, sim)
        assert market.alive and market.stats.supervisor_errors == 0
        assert has_reason(health(suite)[1], "market hub reconnected")
