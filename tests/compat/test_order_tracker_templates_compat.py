"""projectx.compat.order_tracker and order_templates against the simulator."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from projectx.compat.exceptions import ProjectXOrderError
from projectx.compat.models import Account, Instrument
from projectx.compat.order_manager import OrderManager
from projectx.compat.order_templates import (
    TEMPLATES,
    RiskRewardTemplate,
    ScalpingTemplate,
    get_template,
)
from projectx.compat.order_tracker import OrderChainBuilder, OrderLifecycleError, track_order
from projectx.enums import OrderStatus
from tests.compat.managers_env import Env, eventually, make_env


class _Data:
    def __init__(self, price: float) -> None:
        self.price = price

    async def get_current_price(self) -> float:
        return self.price


@dataclass
class _Client:
    account_info: Account


@dataclass
class _Suite:
    """The parts of a compat TradingSuite the tracker, chain and templates use."""

    orders: OrderManager
    events: Any
    instrument_id: str
    data: _Data
    instrument: Instrument
    client: _Client
    orderbook: Any = None


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async for e in make_env():
        yield e


def _suite(env: Env) -> _Suite:
    ctx = env.suite["MNQ"]
    account = env.suite.client.account
    assert account is not None
    return _Suite(
        orders=env.om,
        events=env.om.event_bus,
        instrument_id=env.cid,
        data=_Data(env.last()),
        instrument=Instrument.from_core(ctx.contract),
        client=_Client(Account.from_core(account)),
    )


def _ticks(env: Env, price: float) -> int:
    return round(price / env.tick)


async def test_tracker_waits_for_the_fill(env: Env) -> None:
    suite = _suite(env)
    resp = await env.om.place_market_order(env.cid, 0, 1)
    async with track_order(suite, resp) as tracker:
        order = await tracker.wait_for_fill(timeout=10)
    assert order.id == resp.orderId and order.status == 2 and tracker.is_filled
    assert env.sim_order(resp.orderId).status == OrderStatus.FILLED


async def test_tracker_reports_an_order_that_ends_unfilled(env: Env) -> None:
    suite = _suite(env)
    bid, _ = env.bid_ask()
    resp = await env.om.place_limit_order(env.cid, 0, 1, bid - 80 * env.tick)
    tracker = track_order(suite, resp)
    assert (await tracker.wait_for_status(1, timeout=10)).status == 1 and tracker.is_working
    assert await tracker.modify_or_cancel() is False  # nothing to modify: cancelled
    with pytest.raises(OrderLifecycleError):
        await tracker.wait_for_fill(timeout=10)
    assert env.sim_order(resp.orderId).status == OrderStatus.CANCELLED and tracker.is_terminal


async def test_chain_offsets_are_from_the_current_price(env: Env) -> None:
    suite = _suite(env)
    price = suite.data.price
    resp = await (
        OrderChainBuilder(suite)
        .market_order(size=1, side=0)
        .with_stop_loss(offset=40 * env.tick)
        .with_take_profit(offset=60 * env.tick)
        .execute()
    )
    assert resp.success and resp.stop_order_id and resp.target_order_id
    assert env.sim_order(resp.stop_order_id).stop == _ticks(env, price) - 40
    assert env.sim_order(resp.target_order_id).limit == _ticks(env, price) + 60
    with pytest.raises(ProjectXOrderError):
        await OrderChainBuilder(suite).stop_order(1, price + 50).with_stop_loss(offset=5).execute()


async def test_risk_reward_template_sizes_by_risk(env: Env) -> None:
    suite = _suite(env)
    price = suite.data.price
    template = RiskRewardTemplate(risk_reward_ratio=2.0, stop_distance=5.0, use_limit_entry=False)
    resp = await template.create_order(suite, 0, risk_amount=100.0)
    per_contract = 5.0 / env.tick * env.tick_value
    assert resp.entry_order_id is not None
    entry = env.sim_order(resp.entry_order_id)
    assert entry.size == math.floor(100.0 / per_contract) == 10
    assert env.sim_order(resp.stop_order_id).stop == _ticks(env, price - 5.0)  # type: ignore[arg-type]
    assert env.sim_order(resp.target_order_id).limit == _ticks(env, price + 10.0)  # type: ignore[arg-type]
    await eventually(lambda: env.sim_position() == (10, env.sim_position()[1]))  # type: ignore[index]


async def test_scalping_template_and_the_registry(env: Env) -> None:
    suite = _suite(env)
    price = suite.data.price
    resp = await ScalpingTemplate(stop_ticks=24, target_ticks=40).create_order(suite, 1, size=1)
    assert env.sim_order(resp.stop_order_id).stop == _ticks(env, price) + 24  # type: ignore[arg-type]
    assert env.sim_order(resp.target_order_id).limit == _ticks(env, price) - 40  # type: ignore[arg-type]
    assert get_template("normal_scalp") is TEMPLATES["normal_scalp"]
    with pytest.raises(ValueError, match="Unknown template"):
        get_template("nope")
