"""TradingSuite after a user-hub reconnect: what happens before the subscriptions are restored
is not lost (the suite reconciles again once they are)."""

from __future__ import annotations

from projectx.enums import OrderSide, OrderType
from projectx.realtime.hub import HubState
from projectx.sim import Simulator
from projectx.suite import TradingSuite
from tests.suite.conftest import config_for, eventually


async def test_a_fill_while_the_user_hub_resubscribes_is_not_lost(sim: Simulator) -> None:
    suite = TradingSuite("MNQ", timeframes=["1sec"], initial_days=0, config=config_for(sim))
    async with suite:
        cid = suite["MNQ"].contract_id
        assert suite.realtime is not None and suite.account is not None
        states: list[HubState] = []
        suite.realtime.user.on_state(states.append)
        await eventually(lambda: suite["MNQ"].data.get_current_price() is not None)
        # each re-subscription (accounts, orders, positions, trades) runs 0.8 s late: events
        # of the next ~3 s reach no subscription
        sim.faults.delay_invocations("user", 0.8)
        await sim.faults.drop_connections("user", mode="abort")
        await eventually(lambda: HubState.RECONNECTED in states)
        await eventually(lambda: suite.reconciliations >= 1 and not suite.reconciling)
        # a fill now: after the reconciliation of RECONNECTED, before any subscription
        await suite.client.place_order(
            cid, OrderSide.BUY, 1, OrderType.MARKET, account_id=suite.account.id
        )
        assert HubState.RESUBSCRIBED not in states  # it happened inside the blind window
        await eventually(lambda: HubState.RESUBSCRIBED in states, timeout_s=20)
        sim.faults.delay_invocations("user", 0.0)

        def long_one() -> bool:
            pos = suite.positions.get_position(cid)
            return pos is not None and pos.size == 1

        await eventually(long_one, timeout_s=15)
        assert suite.reconciliations >= 2
