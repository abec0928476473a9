"""A token that expires mid-session: REST refreshes before expiry, hubs closed by the server for
the expired token reconnect with a fresh one and re-subscribe; no call fails."""

from __future__ import annotations

import asyncio

from projectx.client import ProjectX
from projectx.config import ProjectXConfig
from projectx.exceptions import ConnectionError as ProjectXConnectionError
from projectx.exceptions import ProjectXError
from projectx.realtime.client import RealtimeClient
from projectx.realtime.hub import ReconnectPolicy
from projectx.sim import Simulator
from projectx.sim.hubs import HubConfig
from tests.realtime.test_client import eventually


async def test_hubs_and_rest_survive_token_expiry_without_a_failed_call() -> None:
    async with (
        Simulator(
            symbols=["MNQ"],
            seed=21,
            rate=200.0,
            token_lifetime_s=2.0,
            hub=HubConfig(close_on_token_expiry=True),
        ) as sim,
        ProjectX(ProjectXConfig.for_simulator(sim)) as px,
    ):
        account = await px.select_account()
        contract = await px.resolve_contract("MNQ")
        rt = RealtimeClient(
            px.token_factory,
            sim.user_hub_url,
            sim.market_hub_url,
            reconnect=ReconnectPolicy(first_delay=0.0, base_delay=0.05, max_delay=0.2),
        )
        rt.feed.add_contract(contract.id, float(contract.tick_size or 0.25), ["1sec"])
        async with rt:
            await rt.subscribe_market(contract.id)
            await rt.subscribe_user(account.id)
            first_token = px.token
            assert first_token is not None
            first_serial = sim.auth.verify(first_token).serial
            failures = 0
            for _ in range(25):  # ~5 s: more than two token lifetimes
                try:
                    await px.search_open_orders()
                except ProjectXError:
                    failures += 1
                closes = rt.user.stats.close_messages
                try:
                    await rt.user.invoke("SubscribeAccounts")
                except ProjectXConnectionError:
                    if rt.user.stats.close_messages == closes:
                        failures += 1  # lost without the server closing for the token
                    else:
                        # the server closed the hub for the expired token while this
                        # invocation was in flight: its outcome is unknown (documented on
                        # invoke); the same call must succeed on the fresh connection
                        await rt.user.invoke("SubscribeAccounts")
                except ProjectXError:
                    failures += 1
                await asyncio.sleep(0.2)
            assert failures == 0
            assert px.token != first_token and px.stats.refreshes >= 1
            # the server closed both hubs for the expired token at least once ...
            assert rt.market.stats.close_messages >= 1 and rt.market.stats.reconnects >= 1
            assert rt.user.stats.reconnects >= 1
            # ... and the fresh connections carry the subscriptions and live data again
            trades_before = rt.feed.trades
            await eventually(lambda: rt.feed.trades > trades_before + 10)

            def one_fresh_subscribed_connection() -> bool:
                # the server closes the hub again at each expiry of the token it was
                # opened with: look between two of those reconnections, not at one instant
                conns = sim.faults.connections("market")
                return (
                    len(conns) == 1
                    and conns[0].token.serial > first_serial  # a fresh token
                    and sim.hubs.subscriber_count("GatewayTrade", contract.id) == 1
                )

            await eventually(one_fresh_subscribed_connection)
