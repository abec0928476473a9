"""projectx.compat.order_manager against the simulator: orders reach the right state there."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from projectx.compat.exceptions import ProjectXOrderError
from projectx.compat.models import BracketOrderResponse, Order, OrderPlaceResponse
from projectx.enums import OrderStatus
from tests.compat.managers_env import Env, eventually, make_env

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async for e in make_env():
        yield e


def _ticks(env: Env, price: float) -> int:
    return round(price / env.tick)


async def test_market_order_fills_at_the_simulator(env: Env) -> None:
    resp = await env.om.place_market_order(env.cid, 0, 1)
    assert isinstance(resp, OrderPlaceResponse) and resp.success and resp.orderId > 0
    await eventually(lambda: env.sim_order(resp.orderId).status == OrderStatus.FILLED)
    await eventually(lambda: env.suite.orders.get_order(resp.orderId).state.value == "filled")  # type: ignore[union-attr]
    assert await env.om.is_order_filled(resp.orderId)
    order = await env.om.get_order_by_id(resp.orderId)
    assert isinstance(order, Order)
    assert (order.status, order.side, order.size, order.contractId) == (2, 0, 1, env.cid)
    so = env.sim_order(resp.orderId)
    assert order.filledPrice == pytest.approx(so.fill_cost / so.fill_volume * env.tick)


async def test_limit_order_rests_is_modified_and_cancelled(env: Env) -> None:
    bid, _ = env.bid_ask()
    price = bid - 60 * env.tick
    resp = await env.om.place_limit_order(env.cid, 0, 2, price)
    so = env.sim_order(resp.orderId)
    assert (so.status, so.type, so.side, so.size, so.limit) == (1, 1, 0, 2, _ticks(env, price))
    found = await env.om.search_open_orders(contract_id="MNQ", side=0)
    assert [o.id for o in found] == [resp.orderId]
    assert await env.om.search_open_orders(side=1) == []
    off_grid = price - 2 * env.tick + env.tick * 0.4  # project-x-py aligns to the nearest tick
    assert await env.om.modify_order(resp.orderId, limit_price=off_grid, size=1) is True
    await eventually(lambda: env.sim_order(resp.orderId).limit == _ticks(env, price) - 2)
    assert env.sim_order(resp.orderId).size == 1
    status = await env.om.get_tracked_order_status(str(resp.orderId))
    assert (
        status is not None
        and status["id"] == resp.orderId
        and status["limitPrice"] == (pytest.approx(price - 2 * env.tick))
    )
    assert await env.om.cancel_order(resp.orderId) is True
    await eventually(lambda: env.sim_order(resp.orderId).status == OrderStatus.CANCELLED)
    assert not await env.om.is_order_filled(resp.orderId)


async def test_bad_input_is_refused_before_anything_is_sent(env: Env) -> None:
    bid, ask = env.bid_ask()
    before = env.sim.requests.total
    om = env.om
    bad = [
        om.place_market_order(env.cid, 0, 0),
        om.place_market_order(env.cid, 2, 1),
        om.place_order(env.cid, 9, 0, 1),
        om.place_limit_order(env.cid, 0, 1, bid - 10, account_id=env.account_id + 1),
        om.place_stop_order(env.cid, 0, 1, bid - 40 * env.tick),  # buy stop below the market
        om.place_bracket_order(env.cid, 0, 1, bid, bid + 1.0, bid + 5.0),  # stop above entry
        om.place_bracket_order(env.cid, 1, 1, ask, ask + 5.0, ask + 9.0),  # target above entry
        om.place_bracket_order(env.cid, 0, 1, None, bid - 5.0, bid + 5.0, entry_type="stop"),
        om.place_bracket_order(env.cid, 0, 1, None, bid - 5.0, bid + 5.0),  # limit needs a price
        om.place_trailing_stop_order(env.cid, 1, 1, -2.0),
    ]
    for call in bad:
        with pytest.raises(ProjectXOrderError):
            await call
    assert not [p for p in env.paths(before) if "Order/place" in p]
    assert not [o for o in env.sim.exchange.orders.values() if o.account_id == env.account_id]


async def test_bracket_returns_the_three_ids_and_the_legs_rest_at_the_simulator(env: Env) -> None:
    bid, ask = env.bid_ask()
    stop, target = bid - 30 * env.tick, ask + 30 * env.tick
    resp = await env.om.place_bracket_order(env.cid, 0, 1, None, stop, target, entry_type="market")
    assert isinstance(resp, BracketOrderResponse) and resp.success
    assert resp.entry_order_id and resp.stop_order_id and resp.target_order_id
    entry = env.sim_order(resp.entry_order_id)
    sl = env.sim_order(resp.stop_order_id)
    tp = env.sim_order(resp.target_order_id)
    assert entry.status == OrderStatus.FILLED and entry.side == 0
    assert (sl.type, sl.side, sl.size, sl.stop, sl.status) == (4, 1, 1, _ticks(env, stop), 1)
    assert (tp.type, tp.side, tp.size, tp.limit, tp.status) == (1, 1, 1, _ticks(env, target), 1)
    assert resp.stop_loss_price == pytest.approx(stop)
    assert resp.take_profit_price == pytest.approx(target)
    assert resp.entry_price == pytest.approx(entry.fill_cost / entry.fill_volume * env.tick)
    assert await env.om.get_oco_linked_order(resp.stop_order_id) == resp.target_order_id
    result = await env.om.cancel_all_orders()
    assert result == {"total": 2, "cancelled": 2, "failed": 0, "errors": []}
    await eventually(lambda: sl.status == OrderStatus.CANCELLED and tp.status == 3)
    close = await env.om.close_position(env.cid)
    assert close is not None and close.success
    await eventually(lambda: env.sim_position() is None)
    assert await env.om.close_position(env.cid) is None  # flat: nothing to close


async def test_position_orders_protect_the_open_position(env: Env) -> None:
    resp = await env.om.place_market_order(env.cid, 0, 2)
    await eventually(lambda: env.sim_position() is not None)
    size, avg = env.sim_position()  # type: ignore[misc]
    assert size == 2
    before = env.sim.requests.total
    with pytest.raises(ProjectXOrderError):
        await env.om.add_stop_loss(env.cid, avg + 10 * env.tick)  # above a long's entry
    with pytest.raises(ProjectXOrderError):
        await env.om.add_take_profit(env.cid, avg - 10 * env.tick)  # below a long's entry
    assert env.paths(before) and not [p for p in env.paths(before) if "Order/place" in p]
    bid, ask = env.bid_ask()
    stop = min(avg, bid) - 40 * env.tick
    target = max(avg, ask) + 40 * env.tick
    sl = await env.om.add_stop_loss(env.cid, stop)
    tp = await env.om.add_take_profit("MNQ", target, size=1)
    assert sl is not None and tp is not None
    so, to = env.sim_order(sl.orderId), env.sim_order(tp.orderId)
    assert (so.type, so.side, so.size, so.stop) == (4, 1, 2, _ticks(env, stop))
    assert (to.type, to.side, to.size, to.limit) == (1, 1, 1, _ticks(env, target))
    orders = await env.om.get_position_orders(env.cid)
    assert orders["stop_orders"] == [sl.orderId] and orders["target_orders"] == [tp.orderId]
    cancelled = await env.om.cancel_position_orders(env.cid, order_types=["stop"])
    assert cancelled == {"cancelled_count": 1, "cancelled_orders": [str(sl.orderId)]}
    await eventually(lambda: so.status == OrderStatus.CANCELLED)
    assert to.status == OrderStatus.OPEN
    assert resp.orderId != sl.orderId


async def test_statistics_follow_what_was_placed(env: Env) -> None:
    bid, _ = env.bid_ask()
    m = await env.om.place_market_order(env.cid, 0, 1)
    await env.om.place_limit_order(env.cid, 0, 3, bid - 50 * env.tick)
    await eventually(lambda: env.sim_order(m.orderId).status == OrderStatus.FILLED)
    await eventually(lambda: env.suite.orders.stats()["filled"] == 1)
    core = env.suite.orders.stats()
    stats = env.om.get_order_statistics()
    assert stats["orders_placed"] == core["placed"] == 2
    assert (stats["market_orders"], stats["limit_orders"], stats["stop_orders"]) == (1, 1, 0)
    assert stats["total_volume"] == 4 and stats["largest_order"] == 3
    assert stats["avg_order_size"] == 2.0
    assert stats["total_value"] == pytest.approx(3 * (bid - 50 * env.tick))
    assert stats["fill_rate"] == pytest.approx(0.5)
    assert stats["avg_fill_time_ms"] == pytest.approx(core["avg_fill_time_s"] * 1000.0)
    assert stats["avg_fill_time_ms"] > 0 and stats["avg_order_response_time_ms"] > 0
    assert stats["last_order_time"] is not None
    got = await env.om.get_stats()
    assert got["fill_rate"] == stats["fill_rate"] and got["name"] == "order_manager"
    assert got["error_count"] == 0 and got["status"] == "active"
    assert env.om.get_order_type_distribution() == {"market": 0.5, "limit": 0.5}
    assert await env.om.get_health_score() == 100.0
