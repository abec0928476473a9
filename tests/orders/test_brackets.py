"""Brackets (native and client-side), OCO pairs and the chain builder."""

from __future__ import annotations

from projectx.enums import OrderSide, OrderStatus, OrderType
from projectx.events import EventType
from projectx.orders import OrderRole, OrderSpec, OrderState
from tests.orders.conftest import ASK, BID, Env, eventually


def auto_oco(env: Env) -> None:
    env.sim.exchange.configure_account(env.account_id, bracketMode="auto_oco")


async def test_native_bracket_attaches_the_server_children_and_they_work_after_the_fill(
    env: Env,
) -> None:
    auto_oco(env)
    br = await env.om.place_bracket_order(
        env.contract, OrderSide.BUY, 2, None, stop_loss_ticks=8, take_profit_ticks=16
    )
    assert br.native and env.om.native_brackets is True
    stop = await br.wait_protected(5)
    await eventually(lambda: br.target is not None and br.target.state is OrderState.WORKING)
    assert br.target is not None
    assert stop.role is OrderRole.STOP_LOSS and stop.order_type is OrderType.STOP
    assert stop.stop_price == ASK - 2.0 and br.target.limit_price == ASK + 4.0
    assert stop.size == 2 and stop.side == OrderSide.SELL
    assert EventType.ORDER_MODIFIED not in env.kinds(stop.order_id)  # activation is no edit
    assert env.kinds(stop.order_id) == [EventType.ORDER_PLACED]
    body = env.requests.places()[0].body
    assert body["stopLossBracket"] == {"ticks": -8, "type": 4}
    assert body["takeProfitBracket"] == {"ticks": 16, "type": 1}
    # the target fills: the Gateway cancels the stop
    env.set_book(bid=ASK + 4, ask=ASK + 4.25)
    await env.om.track(br.target).wait_for_fill(5)
    await env.om.track(stop).wait_for_status(OrderState.CANCELLED, 5)
    assert env.requests.count("Order/place") == 1 and env.requests.count("Order/cancel") == 0


async def test_auto_detection_falls_back_to_client_side_and_remembers_it(env: Env) -> None:
    br = await env.om.place_bracket_order(
        env.contract, OrderSide.BUY, 1, BID - 5, stop_loss_ticks=8, take_profit_ticks=8
    )
    assert not br.native and env.om.native_brackets is False
    assert env.requests.count("Order/place") == 2  # refused native probe, then the entry
    assert EventType.ORDER_REJECTED not in env.kinds()
    await env.om.place_bracket_order(
        env.contract, OrderSide.BUY, 1, BID - 5, stop_loss_ticks=8, take_profit_ticks=8
    )
    assert env.requests.count("Order/place") == 3  # no second probe
    assert env.om.stats()["rejected"] == 0


async def test_client_bracket_sends_the_stop_first_right_after_the_entry_fill(env: Env) -> None:
    br = await env.om.place_bracket_order(
        env.contract,
        OrderSide.BUY,
        2,
        BID - 1,
        stop_loss_ticks=8,
        take_profit_ticks=12,
        native=False,
    )
    await env.om.track(br.entry).wait_for_status(OrderState.WORKING, 5)
    mark = len(env.requests.hits)
    env.trade(BID - 1, 5)  # fills the entry (no request involved)
    stop = await br.wait_protected(5)
    await eventually(lambda: br.target is not None and br.target.state is OrderState.WORKING)
    after = env.requests.hits[mark:]
    assert after[0].endpoint == "Order/place" and after[0].tag == stop.custom_tag
    assert after[1].endpoint == "Order/place" and br.target is not None
    assert after[1].tag == br.target.custom_tag
    assert stop.stop_price == BID - 3.0 and stop.size == 2 and stop.side == OrderSide.SELL
    assert br.target.limit_price == BID + 2.0 and br.target.size == 2


async def test_market_entry_client_bracket_protects_before_anything_else(env: Env) -> None:
    br = await env.om.place_bracket_order(
        env.contract, OrderSide.SELL, 1, None, stop_loss_ticks=4, take_profit_ticks=4, native=False
    )
    stop = await br.wait_protected(5)
    await eventually(lambda: br.target is not None and br.target.state is OrderState.WORKING)
    places = env.requests.places()
    assert [p.tag for p in places] == [
        br.entry.custom_tag,
        stop.custom_tag,
        br.target.custom_tag if br.target else None,
    ]
    entry_place = env.requests.hits.index(places[0])
    assert env.requests.hits[entry_place + 1] is places[1]
    assert stop.stop_price == BID + 1.0 and stop.side == OrderSide.BUY


async def test_partial_entry_fills_size_and_then_resize_the_protective_orders(env: Env) -> None:
    br = await env.om.place_bracket_order(
        env.contract,
        OrderSide.BUY,
        5,
        BID - 1,
        stop_loss_ticks=8,
        take_profit_ticks=12,
        native=False,
    )
    await env.om.track(br.entry).wait_for_status(OrderState.WORKING, 5)
    env.trade(BID - 1, 2)
    stop = await br.wait_protected(5)
    await eventually(lambda: br.target is not None and br.target.order_id is not None)
    assert br.target is not None
    assert stop.size == 2 and br.target.size == 2
    env.trade(BID - 1, 3)
    await env.om.track(br.entry).wait_for_fill(5)
    target = br.target
    # the server's orders change before the client hears of it (hub update, modify answer)
    await eventually(
        lambda: (
            env.server_order(stop.order_id).size == 5
            and env.server_order(target.order_id).size == 5
            and stop.size == 5
            and target.size == 5
        )
    )
    assert env.requests.count("Order/modify") == 2


async def test_client_bracket_target_fill_cancels_the_stop(env: Env) -> None:
    br = await env.om.place_bracket_order(
        env.contract, OrderSide.BUY, 1, None, stop_loss_ticks=8, take_profit_ticks=4, native=False
    )
    stop = await br.wait_protected(5)
    await eventually(lambda: br.target is not None and br.target.state is OrderState.WORKING)
    assert br.target is not None
    env.set_book(bid=ASK + 1, ask=ASK + 1.25)
    await env.om.track(br.target).wait_for_fill(5)
    await env.om.track(stop).wait_for_status(OrderState.CANCELLED, 5)
    assert env.server_order(stop.order_id).status == OrderStatus.CANCELLED


async def test_client_bracket_stop_fill_cancels_the_target(env: Env) -> None:
    br = await env.om.place_bracket_order(
        env.contract, OrderSide.BUY, 1, None, stop_loss_ticks=4, take_profit_ticks=8, native=False
    )
    stop = await br.wait_protected(5)
    await eventually(lambda: br.target is not None and br.target.state is OrderState.WORKING)
    target = br.target
    assert target is not None
    env.set_book(bid=ASK - 1.25, ask=ASK - 1)
    env.trade(ASK - 1.25, 1)
    await env.om.track(stop).wait_for_fill(5)
    await env.om.track(target).wait_for_status(OrderState.CANCELLED, 5)


async def test_user_cancelling_one_protective_order_cancels_the_other(env: Env) -> None:
    br = await env.om.place_bracket_order(
        env.contract, OrderSide.BUY, 1, None, stop_loss_ticks=8, take_profit_ticks=8, native=False
    )
    stop = await br.wait_protected(5)
    await eventually(lambda: br.target is not None and br.target.state is OrderState.WORKING)
    target = br.target
    assert target is not None
    await env.om.cancel_order(stop)
    await env.om.track(target).wait_for_status(OrderState.CANCELLED, 5)


async def test_oco_siblings_cancel_each_other(env: Env) -> None:
    pair = await env.om.place_oco_order(
        env.contract,
        OrderSpec(OrderSide.BUY, 1, "limit", limit_price=BID - 2),
        OrderSpec(OrderSide.BUY, 1, "stop", stop_price=ASK + 2),
    )
    for rec in (pair.first, pair.second):
        await env.om.track(rec).wait_for_status(OrderState.WORKING, 5)
    env.trade(BID - 2, 1)
    await env.om.track(pair.first).wait_for_fill(5)
    await env.om.track(pair.second).wait_for_status(OrderState.CANCELLED, 5)
    # and a user cancel of one leg cancels the other
    other = await env.om.place_oco_order(
        env.contract,
        OrderSpec(OrderSide.SELL, 1, "limit", limit_price=ASK + 5),
        OrderSpec(OrderSide.SELL, 1, "stop", stop_price=BID - 5),
    )
    await env.om.track(other.second).wait_for_status(OrderState.WORKING, 5)
    await env.om.cancel_order(other.first)
    await env.om.track(other.second).wait_for_status(OrderState.CANCELLED, 5)


async def test_chain_builder_with_a_trailing_stop(env: Env) -> None:
    br = await (
        env.om.chain(env.contract)
        .market(OrderSide.BUY, 1)
        .trail(6)
        .take_profit(ticks=20)
        .native(False)
        .submit()
    )
    stop = await br.wait_protected(5)
    assert stop.order_type is OrderType.TRAILING_STOP
    assert stop.trail_price == ASK - 1.5
    assert env.server_order(stop.order_id).trail_dist is not None


async def test_a_partial_target_fill_shrinks_the_stop_to_what_is_left(env: Env) -> None:
    br = await env.om.place_bracket_order(
        env.contract, OrderSide.BUY, 3, None, stop_loss_ticks=8, take_profit_ticks=4, native=False
    )
    stop = await br.wait_protected(5)
    await eventually(lambda: br.target is not None and br.target.state is OrderState.WORKING)
    target = br.target
    assert target is not None and stop.size == 3
    env.trade(ASK + 1, 1)  # one contract of the target trades
    await env.om.track(target).wait_for_status(OrderState.PARTIALLY_FILLED, 5)
    # the server's order changes before the client hears of it (hub update, modify answer)
    await eventually(lambda: env.server_order(stop.order_id).size == 2 and stop.size == 2)
    assert stop.state is OrderState.WORKING


async def test_client_bracket_with_absolute_prices_uses_them_as_given(env: Env) -> None:
    br = await env.om.place_bracket_order(
        env.contract,
        OrderSide.SELL,
        1,
        ASK + 1,
        stop_loss_price=ASK + 3,
        take_profit_price=BID - 4,
        native=False,
    )
    await env.om.track(br.entry).wait_for_status(OrderState.WORKING, 5)
    env.trade(ASK + 1.25, 2)
    stop = await br.wait_protected(5)
    assert stop.stop_price == ASK + 3 and stop.side == OrderSide.BUY
    await eventually(lambda: br.target is not None and br.target.limit_price == BID - 4)


async def test_flattening_the_position_cancels_the_client_side_protective_orders(
    env: Env,
) -> None:
    br = await env.om.place_bracket_order(
        env.contract, OrderSide.BUY, 1, None, stop_loss_ticks=8, take_profit_ticks=8, native=False
    )
    stop = await br.wait_protected(5)
    await eventually(lambda: br.target is not None and br.target.state is OrderState.WORKING)
    target = br.target
    assert target is not None
    await env.px.close_position(env.contract, account_id=env.account_id)
    await env.om.track(stop).wait_for_status(OrderState.CANCELLED, 5)
    await env.om.track(target).wait_for_status(OrderState.CANCELLED, 5)


async def test_wait_placed_wakes_on_the_legs_being_placed_not_on_a_poll(env: Env) -> None:
    """``poll_s`` far beyond ``timeout``: only the bracket's own change signals can end the wait
    with the legs (a poll-only wait would time out)."""
    br = await env.om.place_bracket_order(
        env.contract,
        OrderSide.BUY,
        1,
        BID - 1,
        stop_loss_ticks=8,
        take_profit_ticks=12,
        native=False,
    )
    await env.om.track(br.entry).wait_for_status(OrderState.WORKING, 5)
    env.trade(BID - 1, 5)  # fills the entry: the client places both legs
    legs = await br.wait_placed(10, poll_s=3600)
    assert [leg.role for leg in legs] == [OrderRole.STOP_LOSS, OrderRole.TAKE_PROFIT]
    assert all(leg.order_id is not None for leg in legs)
