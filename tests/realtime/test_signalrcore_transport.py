"""signalrcore as an alternative transport behind RealtimeClient: same feed state, same events."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from projectx.client import ProjectX
from projectx.enums import OrderSide
from projectx.exceptions import ValidationError
from projectx.realtime.client import RealtimeClient, UserEvent
from projectx.realtime.hub import HubState
from projectx.sim import Simulator
from projectx.sim.hubs import HubConfig
from tests.realtime.conftest import sim_session
from tests.realtime.test_client import eventually

pytest.importorskip("signalrcore")


@pytest.fixture
async def session() -> AsyncIterator[tuple[Simulator, ProjectX]]:
    # signalrcore's stop() joins a receive thread that wakes only on server traffic
    async with sim_session(
        symbols=["MNQ"], seed=5, rate=100.0, hub=HubConfig(keepalive_s=0.2)
    ) as session:
        yield session


async def test_market_and_user_subscriptions_work_through_signalrcore(
    session: tuple[Simulator, ProjectX],
) -> None:
    sim, px = session
    account = await px.select_account()
    contract = await px.resolve_contract("MNQ")
    rt = RealtimeClient(
        px.token_factory, sim.user_hub_url, sim.market_hub_url, transport="signalrcore"
    )
    rt.feed.add_contract(contract.id, float(contract.tick_size or 0.25), ["1sec", "1min"])
    events: list[UserEvent] = []
    rt.on_user_event(events.append)
    async with rt:
        assert rt.market.state is HubState.CONNECTED
        await rt.subscribe_market(contract.id)
        await rt.subscribe_user(account.id)
        assert sim.hubs.subscriber_count("GatewayTrade", contract.id) == 1
        await eventually(lambda: rt.feed.trades >= 5)
        book = rt.feed.book(contract.id)
        assert book is not None
        await eventually(lambda: book.best_bid > 0 and book.best_ask > book.best_bid)
        engine = rt.feed.bars(contract.id)
        assert engine is not None and engine.trades == rt.feed.trades
        order_id = await px.place_market_order(contract, OrderSide.BUY, 1)
        await eventually(
            lambda: any(
                e.target == "GatewayUserTrade" and e.data["orderId"] == order_id for e in events
            )
        )
        assert rt.market.stats.native_records >= rt.feed.trades
    assert rt.market.state is HubState.CLOSED
    await eventually(lambda: not sim.hubs.connections())


def test_an_unknown_transport_is_refused() -> None:
    async def token() -> str:
        return "t"

    with pytest.raises(ValidationError):
        RealtimeClient(token, "http://127.0.0.1:1/u", "http://127.0.0.1:1/m", transport="grpc")
