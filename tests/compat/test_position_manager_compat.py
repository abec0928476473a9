"""projectx.compat.position_manager against the simulator: positions, P&L and closes equal
the simulator's state, the core's figures and an independent computation."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import pytest

from projectx.compat.models import Position
from projectx.positions.pnl import unrealized_pnl
from tests.compat.managers_env import Env, eventually, make_env


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async for e in make_env():
        yield e


async def _buy(env: Env, size: int) -> tuple[int, float]:
    await env.om.place_market_order(env.cid, 0, size)
    await eventually(lambda: env.sim_position() is not None and env.sim_position()[0] == size)  # type: ignore[index]
    await eventually(lambda: env.suite.positions.signed_size(env.cid) == size)
    return env.sim_position()  # type: ignore[return-value]


async def test_positions_are_the_simulators(env: Env) -> None:
    assert await env.pm.get_all_positions() == []
    assert not await env.pm.is_position_open(env.cid)
    size, avg = await _buy(env, 2)
    positions = await env.pm.get_all_positions()
    assert len(positions) == 1 and isinstance(positions[0], Position)
    pos = positions[0]
    assert (pos.contractId, pos.type, pos.size) == (env.cid, 1, size)
    assert pos.averagePrice == pytest.approx(avg)
    assert await env.pm.get_position("MNQ") == pos
    assert await env.pm.is_position_open(env.cid)


async def test_position_pnl_equals_the_core_and_an_independent_computation(env: Env) -> None:
    _, avg = await _buy(env, 2)
    pos = await env.pm.get_position(env.cid)
    assert pos is not None
    point_value = env.tick_value / env.tick
    price = avg + 7 * env.tick
    got = await env.pm.calculate_position_pnl(pos, price, point_value=point_value)
    independent = round((price - avg) * 2 * env.tick_value / env.tick, 2)
    assert got["unrealized_pnl"] == pytest.approx(independent)
    assert got["unrealized_pnl"] == pytest.approx(
        round(unrealized_pnl(2, avg, price, point_value), 2)
    )
    points = await env.pm.calculate_position_pnl(pos, price)  # project-x-py: points without it
    assert points["unrealized_pnl"] == pytest.approx(round((price - avg) * 2, 2))
    assert got["position_value"] == pytest.approx(round(price * 2, 2))
    # without a price: the core's last trade price of the contract
    info = env.suite.positions.get_position(env.cid)
    assert info is not None and info.last_price is not None
    marked = await env.pm.calculate_position_pnl(pos, point_value=point_value)
    assert marked["current_price"] == info.last_price


async def test_round_trip_pnl_matches_the_simulators_balance(env: Env) -> None:
    start = float(env.sim.exchange.accounts[env.account_id].balance)
    await _buy(env, 1)
    answer = await env.pm.close_position_direct(env.cid)
    assert answer == {"success": True, "errorCode": 0, "errorMessage": None}
    await eventually(lambda: env.sim_position() is None)
    await eventually(lambda: len(env.suite.positions.round_trips) == 1)
    balance = float(env.sim.exchange.accounts[env.account_id].balance)
    pnl = await env.pm.get_portfolio_pnl()
    core = env.suite.positions.get_portfolio_pnl()
    assert pnl["realized_pnl"] == pytest.approx(round(core["net_realized_pnl"], 2))
    assert pnl["realized_pnl"] == pytest.approx(round(balance - start, 2))
    assert pnl["unrealized_pnl"] == 0.0 and pnl["total_trades"] == 1
    trip = env.suite.positions.round_trips[0]
    assert pnl["winning_trades"] + pnl["losing_trades"] == (1 if trip.net_pnl != 0 else 0)
    stats = await env.pm.get_position_statistics()
    assert stats["closed_positions"] == 1 and stats["open_positions"] == 0
    assert stats["realized_pnl"] == pytest.approx(core["net_realized_pnl"])
    got = await env.pm.get_stats()
    assert got["name"] == "position_manager" and got["closed_positions"] == 1
    history = await env.pm.get_position_history(env.cid)
    assert [h["size_change"] for h in history] == [1, -1] and history[-1]["net_size"] == 0


async def test_partial_and_full_closes_reach_the_simulator(env: Env) -> None:
    await _buy(env, 3)
    before = env.sim.requests.total
    bad = await env.pm.partially_close_position(env.cid, 0)
    assert bad["success"] is False and env.paths(before) == []
    done = await env.pm.partially_close_position(env.cid, 2)
    assert done["success"] is True
    await eventually(lambda: env.sim_position() is not None and env.sim_position()[0] == 1)  # type: ignore[index]
    result = await env.pm.close_all_positions()
    assert result == {"total_positions": 1, "closed": 1, "failed": 0, "errors": []}
    await eventually(lambda: env.sim_position() is None)
    await eventually(lambda: env.suite.positions.signed_size(env.cid) == 0)
    before = env.sim.requests.total
    flat = await env.pm.close_position_direct(env.cid)
    assert flat["success"] is False
    assert not [p for p in env.paths(before) if "Position/close" in p]


async def test_sizing_uses_the_contracts_tick_value(env: Env) -> None:
    entry = 20_000.0
    stop = entry - 10.0  # 40 ticks of 0.25 at 0.50 each: 20 dollars per contract
    per_contract = 10.0 / env.tick * env.tick_value
    got = await env.pm.calculate_position_size(100.0, entry, stop, contract_id=env.cid)
    assert got == math.floor(100.0 / per_contract)
    assert await env.pm.calculate_position_size(100.0, entry, stop) == pytest.approx(10.0)
    assert await env.pm.calculate_position_size(100.0, entry, entry) == 0.0


async def test_alert_fires_the_position_alert_callback(env: Env) -> None:
    fired: list[dict[str, object]] = []
    await env.pm.add_callback("position_alert", fired.append)
    await _buy(env, 1)
    await env.pm.add_position_alert(env.cid, pnl_threshold=-1e9 + 1)  # far: never
    assert fired == []
    info = env.suite.positions.get_position(env.cid)
    assert info is not None and info.unrealized_pnl is not None
    level = info.unrealized_pnl  # reached at once: pnl <= level (negative) or >= (positive)
    await env.pm.add_position_alert(env.cid, pnl_threshold=level if level != 0 else 0.0)
    await eventually(lambda: len(fired) == 1, 10.0)
    assert fired[0]["contract_id"] == env.cid
    report = await env.pm.export_portfolio_report()
    assert report["alerts"] == {"active_alerts": 0, "triggered_alerts": 1}
    assert report["portfolio_summary"]["total_positions"] == 1
    risk = await env.pm.get_risk_metrics()
    assert risk["position_count"] == 1
    assert risk["position_risks"][0]["pnl"] == pytest.approx(
        env.suite.positions.get_position(env.cid).unrealized_pnl  # type: ignore[union-attr]
    )
