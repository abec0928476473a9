"""Events missing (stalled hub): REST settles orders; late duplicates change nothing."""

from __future__ import annotations

import pytest

from projectx.enums import OrderSide
from projectx.events import EventType
from projectx.orders import OrderState
from tests.orders.conftest import BID, Env, eventually

E = EventType


async def test_reconcile_settles_a_fill_missed_while_the_hub_was_silent(env: Env) -> None:
    rec = await env.om.place_limit_order(env.contract, OrderSide.BUY, 2, BID - 1)
    await env.om.track(rec).wait_for_status(OrderState.WORKING, 5)
    env.sim.faults.stall_hub("user")
    env.trade(BID - 1, 5)
    assert rec.history[-1] is OrderState.WORKING  # nothing arrived
    report = await env.om.reconcile()
    assert rec.state is OrderState.FILLED and rec.fill_volume == 2
    assert report.settled == 1 and len(rec.trades) == 1
    assert env.kinds(rec.order_id).count(E.ORDER_FILLED) == 1
    late: list[str] = []  # the held events arrive late: no double counting
    env.rt.on_user_event(lambda ev: late.append(ev.target))
    env.sim.faults.resume_hub("user")
    await eventually(lambda: "GatewayUserTrade" in late and "GatewayUserOrder" in late)
    await env.sim.faults.drop_connections("user")  # and a reconnect + reconcile is harmless
    await env.om.reconcile()
    assert env.kinds(rec.order_id).count(E.ORDER_FILLED) == 1
    assert env.om.stats()["filled"] == 1 and env.om.stats()["illegal_transitions"] == 0


async def test_tracker_falls_back_to_rest_when_events_are_lost(env: Env) -> None:
    rec = await env.om.place_limit_order(env.contract, OrderSide.SELL, 1, BID + 1)
    await env.om.track(rec).wait_for_status(OrderState.WORKING, 5)
    env.sim.faults.stall_hub("user")
    env.trade(BID + 1, 1)
    before = env.om.stats()["rest_refreshes"]
    filled = await env.om.track(rec, poll_s=0.1).wait_for_fill(5)
    assert filled.state is OrderState.FILLED
    assert env.om.stats()["rest_refreshes"] > before
    env.sim.faults.resume_hub("user")


async def test_tracker_times_out_and_can_cancel_on_exit(env: Env) -> None:
    rec = await env.om.place_limit_order(env.contract, OrderSide.BUY, 1, BID - 30)
    async with env.om.track(rec, cancel_on_exit=True) as tracker:
        with pytest.raises(TimeoutError):
            await tracker.wait_for_fill(0.2)
    await env.om.track(rec).wait_for_status(OrderState.CANCELLED, 5)


async def test_start_adopts_orders_placed_elsewhere(env: Env) -> None:
    external_id = await env.px.place_limit_order(env.contract, OrderSide.BUY, 1, BID - 40)
    om = env.make_manager()
    await om.start()
    rec = om.get_order(external_id)
    assert rec is not None and rec.state is OrderState.WORKING
    assert om.stats()["adopted"] == 1
    assert await om.cancel_all_orders() == 1


async def test_duplicated_user_events_are_counted_once(env: Env) -> None:
    env.sim.faults.duplicate_user_events(20)
    rec = await env.om.place_market_order(env.contract, OrderSide.BUY, 2)
    await env.om.track(rec).wait_for_fill(5)
    env.sim.faults.clear()
    # a later order's fill arrives on the same socket after every duplicate of the first
    fence = await env.om.place_market_order(env.contract, OrderSide.SELL, 2)
    await env.om.track(fence).wait_for_fill(5)
    assert len(rec.trades) == 1 and rec.fill_volume == 2
    assert env.kinds(rec.order_id).count(E.ORDER_FILLED) == 1
    assert env.kinds(rec.order_id).count(E.TRADE_EXECUTED) == 1
    assert env.om.stats()["illegal_transitions"] == 0


async def test_out_of_order_events_cannot_reopen_a_filled_order(env: Env) -> None:
    env.sim.faults.reorder_user_events(3)  # pending, trade, filled arrive reversed
    rec = await env.om.place_market_order(env.contract, OrderSide.BUY, 1)
    await env.om.track(rec).wait_for_fill(5)
    await eventually(lambda: env.om.stats()["illegal_transitions"] == 1)
    assert rec.state is OrderState.FILLED
    assert env.kinds(rec.order_id).count(E.ORDER_FILLED) == 1


async def test_slippage_and_fill_time_are_measured(env: Env) -> None:
    env.set_book(sizes=[2, 2, 10])
    rec = await env.om.place_market_order(env.contract, OrderSide.BUY, 5)
    await env.om.track(rec).wait_for_fill(5)
    stats = env.om.stats()
    # 2 at the ask, 2 one tick worse, 1 two ticks worse: (0*2 + 1*2 + 2*1) / 5
    assert stats["avg_slippage_ticks"] == pytest.approx(0.8)
    assert stats["avg_fill_time_s"] is not None and stats["avg_fill_time_s"] >= 0
