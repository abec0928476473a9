"""Every order type places, fills (fully and partially), modifies and cancels against the
simulator over real sockets, with the right events in the right order."""

from __future__ import annotations

import asyncio

import pytest

from projectx.enums import OrderSide, OrderStatus
from projectx.events import EventType
from projectx.exceptions import ValidationError
from projectx.orders import OrderNotFilledError, OrderState, UnsupportedOrderTypeError
from tests.orders.conftest import ASK, BID, Env, eventually

E = EventType


async def test_market_order_fills_with_placed_trade_filled_events_in_order(env: Env) -> None:
    rec = await env.om.place_market_order(env.contract, OrderSide.BUY, 2)
    assert rec.order_id is not None and rec.custom_tag and rec.custom_tag.startswith("pxn-")
    await env.om.track(rec).wait_for_fill(5)
    await eventually(lambda: E.ORDER_FILLED in env.kinds(rec.order_id))
    kinds = env.kinds(rec.order_id)
    assert kinds[0] is E.ORDER_PLACED
    assert kinds.count(E.ORDER_PLACED) == 1 and kinds.count(E.ORDER_FILLED) == 1
    assert kinds.index(E.TRADE_EXECUTED) < kinds.index(E.ORDER_FILLED)
    assert rec.state is OrderState.FILLED and rec.fill_volume == 2
    assert rec.average_fill_price == ASK
    assert env.server_order(rec.order_id).status == OrderStatus.FILLED
    stats = env.om.stats()
    assert stats["placed"] == 1 and stats["filled"] == 1 and stats["illegal_transitions"] == 0


async def test_market_order_walking_the_book_fills_partially_then_fully(env: Env) -> None:
    env.set_book(sizes=[2, 2, 10])
    rec = await env.om.place_market_order(env.contract, OrderSide.BUY, 5)
    await env.om.track(rec).wait_for_fill(5)
    kinds = [k for k in env.kinds(rec.order_id) if k is not E.TRADE_EXECUTED]
    assert kinds == [E.ORDER_PLACED, E.ORDER_PARTIAL_FILL, E.ORDER_PARTIAL_FILL, E.ORDER_FILLED]
    assert [t.size for t in rec.trades] == [2, 2, 1]
    expected = (2 * ASK + 2 * (ASK + 0.25) + 1 * (ASK + 0.5)) / 5
    assert rec.average_fill_price == pytest.approx(expected)
    assert rec.history == [
        OrderState.PENDING,
        OrderState.SUBMITTED,
        OrderState.PARTIALLY_FILLED,
        OrderState.FILLED,
    ]


async def test_limit_order_works_modifies_and_cancels(env: Env) -> None:
    rec = await env.om.place_limit_order(env.contract, OrderSide.BUY, 1, BID - 50)
    await env.om.track(rec).wait_for_status(OrderState.WORKING, 5)
    assert rec.order_id is not None
    await env.om.modify_order(rec, limit_price=BID - 40)
    await eventually(
        lambda: (
            env.server_order(rec.order_id).limit
            == env.sim.exchange.contracts[env.cid].to_ticks(BID - 40)
        )
    )
    assert rec.limit_price == BID - 40
    assert await env.om.cancel_order(rec) is True
    await env.om.track(rec).wait_for_status("cancelled", 5)
    assert env.kinds(rec.order_id) == [E.ORDER_PLACED, E.ORDER_MODIFIED, E.ORDER_CANCELLED]
    assert env.server_order(rec.order_id).status == OrderStatus.CANCELLED
    assert await env.om.cancel_order(rec) is False  # already terminal: nothing sent
    assert env.requests.count("Order/cancel") == 1


async def test_a_cancel_while_the_order_is_being_placed_is_sent_once_its_id_is_known(
    env: Env,
) -> None:
    """OCO: the other leg can fill while this one's Order/place is in flight; the cancel is
    not lost, it goes out when the Gateway id arrives."""
    env.sim.faults.delay_rest(0.5)
    task = asyncio.create_task(env.om.place_limit_order(env.contract, OrderSide.BUY, 1, BID - 50))
    await eventually(lambda: env.requests.count("Order/place") == 1)
    tag = env.requests.places()[0].tag
    rec = env.om.find_by_tag(tag)
    assert rec is not None and rec.order_id is None  # still being placed
    assert await env.om.cancel_order(rec) is True  # queued, nothing sent yet
    assert env.requests.count("Order/cancel") == 0
    env.sim.faults.delay_rest(0)
    await task
    await env.om.track(rec).wait_for_status("cancelled", 10)
    assert env.server_order(rec.order_id).status == OrderStatus.CANCELLED
    assert env.requests.count("Order/cancel") == 1


async def test_cancel_all_reaches_an_order_still_being_placed(env: Env) -> None:
    """A flatten (cancel everything, then close) must not miss the order whose Order/place is
    in flight: it is counted and cancelled once its Gateway id is known."""
    resting = await env.om.place_limit_order(env.contract, OrderSide.BUY, 1, BID - 40)
    env.sim.faults.delay_rest(0.5)
    task = asyncio.create_task(env.om.place_limit_order(env.contract, OrderSide.BUY, 1, BID - 50))
    await eventually(lambda: env.requests.count("Order/place") == 2)
    in_flight = env.om.find_by_tag(env.requests.places()[1].tag)
    assert in_flight is not None and in_flight.order_id is None
    cancelling = asyncio.create_task(env.om.cancel_all_orders(env.contract))
    await asyncio.sleep(0)
    env.sim.faults.delay_rest(0)
    assert await cancelling == 2
    await task
    for rec in (resting, in_flight):
        await env.om.track(rec).wait_for_status("cancelled", 10)
        assert env.server_order(rec.order_id).status == OrderStatus.CANCELLED
    assert env.requests.count("Order/cancel") == 2


async def test_resting_limit_fills_partially_then_fully_from_market_trades(env: Env) -> None:
    rec = await env.om.place_limit_order(env.contract, OrderSide.BUY, 5, BID - 2.5)
    tracker = env.om.track(rec)
    await tracker.wait_for_status(OrderState.WORKING, 5)
    env.trade(BID - 2.5, 2)
    await tracker.wait_for_status(OrderState.PARTIALLY_FILLED, 5)
    assert rec.fill_volume == 2
    env.trade(BID - 2.75, 10)
    await tracker.wait_for_fill(5)
    await eventually(lambda: len(rec.trades) == 2)
    kinds = [k for k in env.kinds(rec.order_id) if k is not E.TRADE_EXECUTED]
    assert kinds == [E.ORDER_PLACED, E.ORDER_PARTIAL_FILL, E.ORDER_FILLED]
    assert rec.average_fill_price == BID - 2.5
    assert env.om.stats()["partial_fills"] == 1


async def test_cancelling_a_partially_filled_limit_keeps_its_fills(env: Env) -> None:
    rec = await env.om.place_limit_order(env.contract, OrderSide.SELL, 4, ASK + 1)
    await env.om.track(rec).wait_for_status(OrderState.WORKING, 5)
    env.trade(ASK + 1, 1)
    await env.om.track(rec).wait_for_status(OrderState.PARTIALLY_FILLED, 5)
    await env.om.cancel_order(rec)
    with pytest.raises(OrderNotFilledError):
        await env.om.track(rec).wait_for_fill(5)
    assert rec.state is OrderState.CANCELLED and rec.fill_volume == 1


async def test_stop_order_triggers_on_a_trade_through_it(env: Env) -> None:
    rec = await env.om.place_stop_order(env.contract, OrderSide.BUY, 1, ASK + 2)
    await env.om.track(rec).wait_for_status(OrderState.WORKING, 5)
    await env.om.modify_order(rec, stop_price=ASK + 3)
    env.set_book(bid=ASK + 3, ask=ASK + 3.25)
    env.trade(ASK + 3, 1)
    await env.om.track(rec).wait_for_fill(5)
    kinds = [k for k in env.kinds(rec.order_id) if k is not E.TRADE_EXECUTED]
    assert kinds == [E.ORDER_PLACED, E.ORDER_MODIFIED, E.ORDER_FILLED]
    assert rec.average_fill_price == ASK + 3.25


async def test_trailing_stop_follows_the_market_and_fills(env: Env) -> None:
    rec = await env.om.place_trailing_stop_order(env.contract, OrderSide.SELL, 1, trail_ticks=8)
    assert rec.trail_price == BID - 2.0
    await env.om.track(rec).wait_for_status(OrderState.WORKING, 5)
    server = env.server_order(rec.order_id)
    assert server.trail_dist == 8
    env.set_book(bid=BID + 5, ask=BID + 5.25)
    env.trade(BID + 5, 1)  # trails up to 5 points higher
    await eventually(lambda: server.stop == env.sim.exchange.contracts[env.cid].to_ticks(BID + 3))
    assert rec.state is OrderState.WORKING
    env.set_book(bid=BID + 2.75, ask=BID + 3)
    env.trade(BID + 2.75, 1)
    await env.om.track(rec).wait_for_fill(5)
    assert rec.average_fill_price == BID + 2.75


async def test_join_bid_and_join_ask_rest_at_the_touch(env: Env) -> None:
    bid = await env.om.place_join_bid_order(env.contract, OrderSide.BUY, 1)
    ask = await env.om.place_join_ask_order(env.contract, OrderSide.SELL, 1)
    for rec, price in ((bid, BID), (ask, ASK)):
        await env.om.track(rec).wait_for_status(OrderState.WORKING, 5)
        assert rec.limit_price == price
    assert await env.om.cancel_all_orders(env.contract) == 2
    await eventually(lambda: bid.is_terminal and ask.is_terminal)
    assert env.om.open_orders() == []


async def test_stop_limit_is_refused_clearly_without_the_account_capability(env: Env) -> None:
    with pytest.raises(UnsupportedOrderTypeError, match="emulate=True"):
        await env.om.place_stop_limit_order(env.contract, OrderSide.BUY, 1, ASK + 2, ASK + 2.5)
    assert env.om.stats()["rejected"] == 1


async def test_stop_limit_works_natively_where_the_account_allows_it(env: Env) -> None:
    env.sim.exchange.configure_account(env.account_id, stopLimit=True)
    rec = await env.om.place_stop_limit_order(env.contract, OrderSide.BUY, 1, ASK + 2, ASK + 2.5)
    await env.om.track(rec).wait_for_status(OrderState.WORKING, 5)
    assert rec.emulated is False
    env.set_book(bid=ASK + 2, ask=ASK + 2.25)
    env.trade(ASK + 2, 1)
    await env.om.track(rec).wait_for_fill(5)
    assert rec.average_fill_price == ASK + 2.25


async def test_emulated_stop_limit_sends_the_limit_when_a_trade_prints_through_the_stop(
    env: Env,
) -> None:
    rec = await env.om.place_stop_limit_order(
        env.contract, OrderSide.BUY, 1, ASK + 2, ASK + 1, emulate=True
    )
    assert rec.emulated and rec.order_id is None and rec.state is OrderState.PENDING
    assert env.requests.count("Order/place") == 0
    env.om.on_trade_price(env.cid, ASK + 1.75)  # below the stop: nothing
    assert env.requests.count("Order/place") == 0
    env.set_book(bid=ASK + 2, ask=ASK + 2.25)  # the market ran up through the stop
    env.om.on_trade_price(env.cid, ASK + 2)
    await env.om.track(rec).wait_for_status(OrderState.WORKING, 5)
    assert rec.triggered and rec.limit_price == ASK + 1
    place = env.requests.places()[-1]
    assert place.body["type"] == 1 and place.body["limitPrice"] == ASK + 1
    assert place.tag == rec.custom_tag


async def test_cancelling_an_armed_emulated_stop_limit_sends_nothing(env: Env) -> None:
    rec = await env.om.place_stop_limit_order(
        env.contract, OrderSide.SELL, 1, BID - 2, BID - 2.5, emulate=True
    )
    assert await env.om.cancel_order(rec) is True
    env.om.on_trade_price(env.cid, BID - 3)
    assert rec.state is OrderState.CANCELLED
    assert env.requests.count("Order/place") == 0 and env.requests.count("Order/cancel") == 0


async def test_trailing_stop_distance_can_be_modified(env: Env) -> None:
    rec = await env.om.place_trailing_stop_order(env.contract, OrderSide.SELL, 1, trail_ticks=8)
    await env.om.track(rec).wait_for_status(OrderState.WORKING, 5)
    await env.om.modify_order(rec, trail_price=BID - 1)
    server = env.server_order(rec.order_id)
    await eventually(lambda: server.trail_dist == 4)
    assert rec.trail_price == BID - 1
    assert env.kinds(rec.order_id) == [E.ORDER_PLACED, E.ORDER_MODIFIED]


async def test_a_modification_of_a_finished_order_is_refused_before_sending(env: Env) -> None:
    rec = await env.om.place_market_order(env.contract, OrderSide.BUY, 1)
    await env.om.track(rec).wait_for_fill(5)
    with pytest.raises(ValidationError, match="filled"):
        await env.om.modify_order(rec, size=2)
    assert env.requests.count("Order/modify") == 0
