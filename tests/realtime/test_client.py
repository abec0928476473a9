"""RealtimeClient: both hubs against the simulator; user events unwrapped, market into the feed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from projectx.client import ProjectX
from projectx.enums import OrderSide, OrderStatus
from projectx.realtime.client import RealtimeClient, UserEvent, _unwrap
from projectx.sim import Simulator
from tests.realtime.conftest import sim_session

WAIT_S = 15.0


async def eventually(predicate: Callable[[], bool], timeout: float = WAIT_S) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


@pytest.fixture
async def session() -> AsyncIterator[tuple[Simulator, ProjectX]]:
    async with sim_session(symbols=["MNQ"], seed=11, rate=100.0) as pair:
        yield pair


async def test_a_fill_arrives_as_unwrapped_user_events_and_market_data_in_the_feed(
    session: tuple[Simulator, ProjectX],
) -> None:
    sim, px = session
    account = await px.select_account()
    contract = await px.resolve_contract("MNQ")
    events: list[UserEvent] = []
    rt = RealtimeClient(px.token_factory, sim.user_hub_url, sim.market_hub_url)
    rt.feed.add_contract(contract.id, float(contract.tick_size or 0.25), ["1sec"])
    rt.on_user_event(events.append)
    async with rt:
        await rt.subscribe_user(account.id)
        await rt.subscribe_market(contract.id)
        await eventually(lambda: rt.feed.trades > 0 and rt.feed.book(contract.id) is not None)
        order_id = await px.place_market_order(contract, OrderSide.BUY, 1)
        await eventually(
            lambda: (
                {e.target for e in events}
                >= {
                    "GatewayUserOrder",
                    "GatewayUserTrade",
                    "GatewayUserPosition",
                    "GatewayUserAccount",
                }
            )
        )
        orders = [e for e in events if e.target == "GatewayUserOrder" and e.data["id"] == order_id]
        assert orders[-1].data["status"] == OrderStatus.FILLED and orders[-1].action == 1
        fills = [e for e in events if e.target == "GatewayUserTrade"]
        assert fills[0].data["orderId"] == order_id and fills[0].action == 0
        position = [e for e in events if e.target == "GatewayUserPosition"][-1]
        assert position.data["size"] == 1 and position.data["contractId"] == contract.id
        assert rt.malformed_user_events == 0
    assert rt.user.state.value == "closed" and rt.market.state.value == "closed"


async def test_user_subscriptions_survive_a_dropped_socket(
    session: tuple[Simulator, ProjectX],
) -> None:
    sim, px = session
    account = await px.select_account()
    events: list[UserEvent] = []
    rt = RealtimeClient(px.token_factory, sim.user_hub_url, sim.market_hub_url)
    rt.on_user_event(events.append)
    async with rt:
        await rt.subscribe_user(account.id)
        before = set(sim.faults.connections("user")[0].subscriptions)
        await sim.faults.drop_connections("user", mode="abort")
        await eventually(lambda: rt.user.stats.reconnects == 1 and rt.user.connected)
        await eventually(
            lambda: [set(c.subscriptions) for c in sim.faults.connections("user")] == [before]
        )
        await px.place_market_order("MNQ", OrderSide.SELL, 1)
        await eventually(lambda: any(e.target == "GatewayUserTrade" for e in events))


async def test_subscribing_market_data_for_an_untracked_contract_is_refused(
    session: tuple[Simulator, ProjectX],
) -> None:
    sim, px = session
    async with RealtimeClient(px.token_factory, sim.user_hub_url, sim.market_hub_url) as rt:
        with pytest.raises(KeyError):
            await rt.subscribe_market("CON.F.US.MNQ.Z26")
        assert rt.market.subscriptions == []


def test_every_payload_shape_of_the_spec_is_unwrapped() -> None:
    entity = {"id": 1, "status": 2}
    assert _unwrap("GatewayUserOrder", {"action": 1, "data": entity}) == UserEvent(
        "GatewayUserOrder", 1, entity
    )
    assert _unwrap("GatewayUserOrder", entity) == UserEvent("GatewayUserOrder", None, entity)
    assert _unwrap("GatewayUserOrder", [entity]) is None
