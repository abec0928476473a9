"""An independent SignalR client (signalrcore) connects to both hubs, subscribes and receives
events. Skipped when signalrcore is not installed (it is an optional test dependency)."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from typing import Any

import pytest

from projectx.sim import Simulator
from projectx.sim.hubs import HubConfig
from projectx.sim.ratelimit import RateLimitConfig
from tests.sim.conftest import account_ids, login, post, wait_until

signalrcore = pytest.importorskip("signalrcore")
from signalrcore.hub_connection_builder import HubConnectionBuilder  # noqa: E402

WAIT_S = 15.0


@pytest.fixture
async def sim() -> Any:
    # signalrcore's stop() joins its receive thread, which only wakes up when the server sends
    # something: a short keep-alive keeps stop() from waiting 15 s.
    async with Simulator(
        symbols=["MNQ"],
        seed=3,
        rate=50.0,
        hub=HubConfig(keepalive_s=0.2),
        rate_limits=RateLimitConfig(enabled=False),
    ) as s:
        yield s


@pytest.fixture
async def token(http: Any, sim: Simulator) -> str:
    return await login(http, sim)


def _build(url: str, *, token: str, style: str) -> Any:
    if style == "query":  # how project-x-py does it: token in the URL, negotiate first
        builder = HubConnectionBuilder().with_url(f"{url}?access_token={token}")
    else:  # token factory (Bearer header) and skip negotiation, like the docs' JS sample
        builder = HubConnectionBuilder().with_url(
            url, options={"access_token_factory": lambda: token, "skip_negotiation": True}
        )
    return builder.configure_logging(logging.WARNING).build()


async def _start(conn: Any) -> None:
    opened = threading.Event()
    conn.on_open(opened.set)
    await asyncio.to_thread(conn.start)
    assert await asyncio.to_thread(opened.wait, WAIT_S), "signalrcore never opened"


async def _get(q: queue.Queue[Any]) -> Any:
    return await asyncio.to_thread(q.get, True, WAIT_S)


@pytest.mark.parametrize("style", ["query", "factory"])
async def test_signalrcore_receives_market_events(sim, token, style):
    cid = sim.contract_ids[0]
    conn = _build(sim.market_hub_url, token=token, style=style)
    trades: queue.Queue[Any] = queue.Queue()
    quotes: queue.Queue[Any] = queue.Queue()
    depth: queue.Queue[Any] = queue.Queue()
    conn.on("GatewayTrade", trades.put)
    conn.on("GatewayQuote", quotes.put)
    conn.on("GatewayDepth", depth.put)
    await _start(conn)
    try:
        for method in (
            "SubscribeContractTrades",
            "SubscribeContractQuotes",
            "SubscribeContractMarketDepth",
        ):
            await asyncio.to_thread(conn.send, method, [cid])
        await wait_until(lambda: sim.hubs.subscriber_count("GatewayDepth", cid) == 1)
        args = await _get(trades)
        assert args[0] == cid and isinstance(args[1], list) and args[1][0]["price"] > 0
        args = await _get(quotes)
        assert args[0] == cid and args[1]["symbol"]
        args = await _get(depth)
        assert args[0] == cid and args[1][0]["type"] == 6  # snapshot starts with Reset
    finally:
        await asyncio.to_thread(conn.stop)
    await wait_until(lambda: not sim.hubs.connections())


async def test_signalrcore_receives_user_events(http, sim, token):
    acc = (await account_ids(http, sim, token))[0]
    conn = _build(sim.user_hub_url, token=token, style="query")
    orders: queue.Queue[Any] = queue.Queue()
    conn.on("GatewayUserOrder", orders.put)
    await _start(conn)
    try:
        await asyncio.to_thread(conn.send, "SubscribeOrders", [acc])
        await wait_until(lambda: sim.hubs.subscriber_count("GatewayUserOrder", acc) == 1)
        body = {
            "accountId": acc,
            "contractId": sim.contract_ids[0],
            "type": 2,
            "side": 0,
            "size": 1,
        }
        _, env = await post(http, sim, "Order/place", body, token)
        assert env["success"] is True
        args = await _get(orders)
        assert args[0]["data"]["id"] == env["orderId"]
        assert args[0]["data"]["accountId"] == acc
    finally:
        await asyncio.to_thread(conn.stop)
