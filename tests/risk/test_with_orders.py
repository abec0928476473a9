"""The risk manager as the OrderManager's gate and live guard, against the simulator over real
sockets: refused orders are never sent, a breach flattens the account, a restart remembers."""

from __future__ import annotations

import asyncio
import time

import pytest

from projectx.enums import OrderSide
from projectx.events import EventType
from projectx.exceptions import ValidationError
from projectx.risk import RiskConfig, RiskViolationError

from .conftest import ASK, BID, Rig, eventually


async def test_bad_input_and_orders_beyond_the_limits_are_refused_before_sending(
    rig: Rig,
) -> None:
    assert rig.om is not None
    om = rig.om
    with pytest.raises(ValidationError):
        await om.place_market_order(rig.cid, OrderSide.BUY, 0)
    with pytest.raises(RiskViolationError) as info:
        await om.place_market_order(rig.cid, OrderSide.BUY, 6)
    assert info.value.rule == "max_position_size"
    # a bracket whose stop risks more than 1% of the balance
    with pytest.raises(RiskViolationError) as info:
        await om.place_bracket_order(
            rig.cid, OrderSide.BUY, 5, stop_loss_price=BID - 1000.0, take_profit_ticks=8
        )
    assert info.value.rule == "risk_per_trade"
    assert rig.places == []
    await om.place_market_order(rig.cid, OrderSide.BUY, 5)
    assert len(rig.places) == 1
    await eventually(lambda: rig.pm.signed_size(rig.cid) == 5)
    with pytest.raises(RiskViolationError):
        await om.place_market_order(rig.cid, OrderSide.BUY, 1)  # 6 > 5
    assert len(rig.places) == 1


async def test_a_breach_flattens_and_a_restart_still_blocks_trading(rig: Rig) -> None:
    assert rig.om is not None and rig.rm is not None
    start_balance = rig.balance()
    await rig.om.place_market_order(rig.cid, OrderSide.BUY, 4)
    await eventually(lambda: rig.pm.signed_size(rig.cid) == 4)
    # the market drops 10 points: 4 x 10 x $2 = $80 open loss > the $40 daily loss limit
    rig.sim.market.set_book(rig.cid, bid=BID - 10, ask=ASK - 10, sizes=20, last=BID - 10)
    rig.pm.on_price(rig.cid, BID - 10)
    # the flat position can arrive over the user hub before the flatten's REST close returns
    # (the flatten is counted then): wait for both
    risk = rig.rm
    await eventually(lambda: rig.pm.signed_size(rig.cid) == 0 and risk.flattens >= 1)
    assert [(e.type, e.data["rule"]) for e in rig.events] == [
        (EventType.RISK_LIMIT_BREACHED, "daily_loss_limit")
    ]
    assert rig.rm.flattens == 1
    lost = start_balance - rig.balance()
    assert lost > 40.0
    await eventually(lambda: round(rig.rm.state.net_pnl, 2) == round(-lost, 2))  # type: ignore[union-attr]
    with pytest.raises(RiskViolationError):
        await rig.om.place_market_order(rig.cid, OrderSide.BUY, 1)
    sent = len(rig.places)
    # restart: new risk and order managers on the same state file
    await rig.rm.close()
    await rig.om.close()
    rm, om = rig.new_managers()
    await om.start()
    await rm.start()
    assert round(rm.state.net_pnl, 2) == round(-lost, 2)
    with pytest.raises(RiskViolationError) as info:
        await om.place_market_order(rig.cid, OrderSide.SELL, 1)
    assert info.value.rule == "daily_loss_limit"
    assert len(rig.places) == sent


async def test_the_days_pnl_converges_after_the_user_socket_dies_during_fills(
    rig: Rig,
) -> None:
    assert rig.om is not None and rig.rm is not None
    rig.rm.config = RiskConfig(max_position_size=5)  # no loss limit for this one
    start_balance = rig.balance()
    for i in range(4):
        await rig.sim.faults.drop_connections("user", mode="abort")
        side = OrderSide.BUY if i % 2 == 0 else OrderSide.SELL
        await rig.px.place_market_order(rig.cid, side, 2, account_id=rig.account_id)
        bid = BID + (i + 1) * 3
        rig.sim.market.set_book(rig.cid, bid=bid, ask=bid + 0.25, sizes=20, last=bid)
    deadline = time.monotonic() + 30.0  # an upper bound for slow machines, not a timing check
    while True:
        report = await rig.pm.reconcile()
        rig.rm.record_fills(rig.pm.trades())
        if report["missed_trades"] == 0 and rig.pm.signed_size(rig.cid) == 0:
            break
        assert time.monotonic() < deadline, "reconciliation never converged"
        await asyncio.sleep(0.05)
    change = rig.balance() - start_balance
    assert round(rig.rm.state.net_pnl, 2) == round(change, 2)
    assert round(rig.pm.realized_pnl() - rig.pm.total_fees(), 2) == round(change, 2)
