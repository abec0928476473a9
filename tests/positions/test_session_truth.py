"""Positions and P&L against the simulator's truth over real sockets.

The simulator's exchange computes positions, realised P&L, fees and the balance; the manager
must arrive at the same numbers from the hub events (and REST after a dropped socket)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from projectx.enums import OrderSide
from projectx.models import Trade

from .conftest import PEnv, eventually

MAX_ABS = 12


def cents(x: float) -> int:
    return round(x * 100)


async def random_session(env: PEnv, orders: int, rng: random.Random) -> None:
    """``orders`` market orders of random contract, side and size; the book wanders."""
    cids = sorted(env.contracts)
    bids = {cid: env.sim.market.best_bid(cid) or 100.0 for cid in cids}
    for cid in cids:
        env.set_book(cid, bids[cid], sizes=[2, 3, 50])
    for _ in range(orders):
        cid = rng.choice(cids)
        if rng.random() < 0.3:
            tick = env.contracts[cid].tick_size or 0.25
            bids[cid] = round(bids[cid] + rng.randint(-8, 8) * tick, 10)
            env.set_book(cid, bids[cid], ticks_wide=rng.randint(1, 3), sizes=[2, 3, 50])
        size = rng.randint(1, 6)
        held = env.server_positions().get(cid, (0, 0.0))[0]
        side = rng.choice((OrderSide.BUY, OrderSide.SELL))
        signed = size if side == OrderSide.BUY else -size
        if abs(held + signed) > MAX_ABS:
            side = OrderSide.SELL if side == OrderSide.BUY else OrderSide.BUY
        await env.px.place_market_order(cid, side, size, account_id=env.account_id)


async def server_trades(env: PEnv) -> list[Trade]:
    since = datetime.now(UTC) - timedelta(days=2)
    return await env.px.search_trades(since, account_id=env.account_id)


async def assert_matches_truth(env: PEnv, start_balance: float) -> None:
    trades = await server_trades(env)
    pm = env.pm
    await eventually(lambda: pm.stats()["trades"] >= len(trades))
    await eventually(
        lambda: (
            {p.contract_id: p.size for p in pm.get_all_positions()}
            == {cid: size for cid, (size, _) in env.server_positions().items()}
        )
    )
    truth = env.server_positions()
    for info in pm.get_all_positions():
        size, avg = truth[info.contract_id]
        assert info.size == size
        assert abs(info.average_price - avg) <= 1e-9 * max(1.0, abs(avg))
    realized = sum(t.profit_and_loss or 0.0 for t in trades)
    fees = sum((t.fees or 0.0) + (t.commissions or 0.0) for t in trades)
    assert cents(pm.realized_pnl()) == cents(realized)
    assert cents(pm.total_fees()) == cents(fees)
    balance = env.server_balance()
    assert cents(start_balance + pm.realized_pnl() - pm.total_fees()) == cents(balance)
    await eventually(lambda: pm.balance is not None and cents(pm.balance) == cents(balance))
    portfolio = pm.get_portfolio_pnl()
    assert cents(portfolio["net_realized_pnl"]) == cents(balance - start_balance)


async def test_a_random_session_of_1000_orders_matches_the_simulator_to_the_cent(
    penv: PEnv,
) -> None:
    env = penv
    assert env.pm.balance is not None
    start_balance = env.pm.balance
    await random_session(env, 1000, random.Random(20261124))
    await assert_matches_truth(env, start_balance)
    assert env.pm.stats()["pnl_mismatches"] == 0
    # unrealised P&L at an arbitrary mark equals (mark - exact average) * size * point value
    for cid, (size, avg) in env.server_positions().items():
        c = env.contracts[cid]
        assert c.tick_size is not None and c.tick_value is not None
        mark = round(avg + 7 * c.tick_size, 6)
        env.pm.on_price(cid, mark)
        info = env.pm.get_position(cid)
        assert info is not None and info.unrealized_pnl is not None
        expected = (mark - avg) * size * c.tick_value / c.tick_size
        assert abs(info.unrealized_pnl - expected) < 1e-6
    # flattening everything closes the round trips; their net P&L is the balance change
    await env.pm.close_all_positions()
    await eventually(lambda: not env.pm.get_all_positions() and not env.server_positions())
    await assert_matches_truth(env, start_balance)
    trips = env.pm.round_trips
    assert trips
    assert cents(sum(t.net_pnl for t in trips)) == cents(env.server_balance() - start_balance)


async def test_commissions_of_the_extended_profile_are_charged_like_the_balance(
    penv_extended: PEnv,
) -> None:
    env = penv_extended
    assert env.pm.balance is not None
    start_balance = env.pm.balance
    await random_session(env, 150, random.Random(7))
    await assert_matches_truth(env, start_balance)
    assert any((t.commissions or 0.0) > 0 for t in env.pm.trades())


async def test_positions_and_pnl_converge_after_the_user_socket_dies_during_fills(
    penv: PEnv,
) -> None:
    env = penv
    assert env.pm.balance is not None
    start_balance = env.pm.balance
    rng = random.Random(99)
    await random_session(env, 40, rng)
    missed = 0
    for _ in range(3):
        # drop the user hub while fills are happening, keep trading while it is down; the
        # server runs the re-subscriptions late, so the reconnect cannot outrun the first
        # orders (a slow REST answer let it restore every stream before any fill)
        env.sim.faults.delay_invocations("user", 0.5)
        await env.sim.faults.drop_connections("user", mode="abort")
        await random_session(env, 30, rng)
        env.sim.faults.delay_invocations("user", 0)
        await eventually(lambda: env.rt.user.state.value in ("connected", "reconnected"))
        report = await env.pm.reconcile()
        missed += report["missed_trades"]
        await assert_matches_truth(env, start_balance)
    assert missed > 0  # the drops did cost hub events, and REST filled them in
    assert env.pm.stats()["reconciles"] >= 4
