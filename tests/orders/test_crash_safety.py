"""Crash safety: an order whose ``Order/place`` answer never arrives is found by its tag and
never sent twice (``Order/place`` counted server-side)."""

from __future__ import annotations

import asyncio

import pytest

from projectx.client import ProjectX
from projectx.enums import OrderSide
from projectx.events import EventBus
from projectx.exceptions import OrderSubmissionUncertainError
from projectx.orders import OrderManager, OrderState
from tests.orders.conftest import BID, Env, config_for, eventually


def server_tags(env: Env) -> list[str | None]:
    return [o.tag for o in env.sim.exchange.orders.values()]


async def test_uncertain_submission_is_found_by_its_tag_and_not_resent(env: Env) -> None:
    async with ProjectX(config_for(env.sim, request_timeout_s=0.3)) as px:
        await px.select_account()
        om = OrderManager(
            px, env.bus, account_id=env.account_id, uncertain_checks=20, uncertain_interval_s=0.1
        )
        env.rt.on_user_event(om.on_user_event)
        env.sim.faults.delay_rest(0.6)
        task = asyncio.create_task(om.place_limit_order(env.contract, OrderSide.BUY, 1, BID - 20))
        await eventually(lambda: env.requests.count("Order/place") == 1)
        env.sim.faults.delay_rest(0)  # the look-ups are answered at once
        rec = await task
        await om.close()
    assert rec.order_id is not None and not rec.uncertain
    assert env.server_order(rec.order_id).tag == rec.custom_tag
    assert env.requests.count("Order/place") == 1
    stats = om.stats()
    assert stats["uncertain"] == 1 and stats["recovered_by_tag"] == 1


async def test_uncertain_submission_not_found_reraises_with_the_tag(env: Env) -> None:
    env.sim.faults.fail_next(1, status=502, path="Order/place")
    with pytest.raises(OrderSubmissionUncertainError) as info:
        await env.om.place_limit_order(env.contract, OrderSide.BUY, 1, BID - 20)
    tag = info.value.custom_tag
    assert tag and env.om.find_by_tag(tag) is not None
    assert env.om.find_by_tag(tag).uncertain  # type: ignore[union-attr]
    assert env.requests.count("Order/place") == 1  # never re-sent
    assert env.requests.count("Order/search") >= env.om.uncertain_checks
    assert tag not in server_tags(env)


async def test_client_killed_before_the_answer_restarts_and_adopts_the_order_by_tag(
    env: Env,
) -> None:
    env.sim.faults.delay_rest(0.5)
    task = asyncio.create_task(env.om.place_limit_order(env.contract, OrderSide.SELL, 2, BID + 20))
    await eventually(lambda: env.requests.count("Order/place") == 1)
    tag = env.requests.places()[0].tag
    task.cancel()  # the client dies between Order/place and its answer
    with pytest.raises(asyncio.CancelledError):
        await task
    assert tag is not None
    pending = env.om.find_by_tag(tag)
    assert pending is not None and pending.uncertain and pending.order_id is None
    await env.om.close()
    await env.rt.close()
    await env.px.close()
    env.sim.faults.delay_rest(0)
    await eventually(lambda: tag in server_tags(env))  # the server did take it
    async with ProjectX(config_for(env.sim)) as px:
        bus = EventBus()
        fresh = OrderManager(px, bus, account_id=env.account_id)
        assert fresh.session_id != env.om.session_id
        report = await fresh.start()
        assert tag is not None
        rec = fresh.find_by_tag(tag)
        assert rec is not None and rec.state is OrderState.WORKING and rec.size == 2
        assert report.adopted >= 1
        assert env.requests.count("Order/place") == 1
        assert fresh.open_orders(env.contract)[0] is rec
        await fresh.cancel_order(rec)
        await fresh.close()
        await bus.aclose()
