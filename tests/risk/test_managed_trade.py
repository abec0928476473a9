"""ManagedTrade against the simulator: risk-sized protected entries, scaling, stop moves, exits,
and the emergency exit when the block ends unprotected."""

from __future__ import annotations

import pytest

from projectx.enums import OrderSide, OrderType
from projectx.exceptions import ValidationError
from projectx.risk import RiskConfig, RiskViolationError
from projectx.suite.managed_trade import ManagedTrade

from .conftest import ASK, BID, Rig, eventually


@pytest.fixture
def rig_config() -> RiskConfig:
    return RiskConfig(max_position_size=10)


def trade(rig: Rig, **kw: object) -> ManagedTrade:
    assert rig.om is not None and rig.rm is not None
    return ManagedTrade(rig.om, rig.pm, rig.rm, rig.contract, **kw)  # type: ignore[arg-type]


def server_order(rig: Rig, order_id: int | None) -> object:
    assert order_id is not None
    return rig.sim.exchange.orders[order_id]


async def test_a_risk_sized_entry_is_protected_then_scaled_and_moved(rig: Rig) -> None:
    async with trade(rig, max_risk_amount=20.0) as t:
        # 10-tick stop x $0.50 = $5 a contract; $20 of risk -> 4 contracts
        await t.enter_long(stop_ticks=10, take_profit_ticks=20)
        await eventually(lambda: rig.pm.signed_size(rig.cid) == 4)
        stop = t.stop_order
        assert stop is not None and stop.order_type == OrderType.STOP
        assert stop.side == OrderSide.SELL and stop.size == 4
        assert stop.stop_price == pytest.approx(ASK - 10 * 0.25)
        await eventually(lambda: t.target_order is not None and t.target_order.is_working)

        await t.scale_in(2)
        assert rig.pm.signed_size(rig.cid) == 6
        assert t.stop_order is not None and t.stop_order.size == 6
        assert server_order(rig, t.stop_order.order_id).size == 6  # type: ignore[attr-defined]

        await t.adjust_stop(BID - 1.0)
        server_stop = server_order(rig, t.stop_order.order_id)
        assert server_stop.spec.price(server_stop.stop) == pytest.approx(BID - 1.0)  # type: ignore[attr-defined]
        with pytest.raises(ValidationError):
            await t.adjust_stop(BID + 5.0)  # a sell stop above the market

        await t.scale_out(1)
        assert rig.pm.signed_size(rig.cid) == 5
        assert t.stop_order is not None and t.stop_order.size == 5

        await t.exit_partial(2)
        assert rig.pm.signed_size(rig.cid) == 3
        await eventually(lambda: t.stop_order is not None and t.stop_order.size == 3)
    # protected: leaving the block keeps the position and its stop
    assert rig.pm.signed_size(rig.cid) == 3
    assert t.stop_order is not None and t.stop_order.is_working
    assert await t.close_position()
    await eventually(lambda: rig.pm.signed_size(rig.cid) == 0)
    await eventually(lambda: not [o for o in t.orders_placed if o.is_working])


async def test_leaving_the_block_unprotected_flattens_at_market(rig: Rig) -> None:
    assert rig.om is not None
    async with trade(rig) as t:
        await t.enter_short(2, stop_ticks=8)
        await eventually(lambda: rig.pm.signed_size(rig.cid) == -2)
        stop = t.stop_order
        assert stop is not None
        await rig.om.cancel_order(stop)
        await eventually(lambda: t.stop_order is None)
    await eventually(lambda: rig.pm.signed_size(rig.cid) == 0)
    assert t.exited


async def test_an_exception_in_the_block_with_no_stop_still_flattens(rig: Rig) -> None:
    assert rig.om is not None
    with pytest.raises(RuntimeError):
        async with trade(rig) as t:
            await t.enter_long(1, stop_ticks=8)
            await rig.om.cancel_order(t.stop_order)  # type: ignore[arg-type]
            await eventually(lambda: t.stop_order is None)
            raise RuntimeError("strategy bug")
    await eventually(lambda: rig.pm.signed_size(rig.cid) == 0)


async def test_a_trailing_entry_uses_the_gateways_trailing_stop(rig: Rig) -> None:
    async with trade(rig) as t:
        await t.enter_long(1, trail_ticks=12)
        stop = t.stop_order
        assert stop is not None and stop.order_type == OrderType.TRAILING_STOP
        assert server_order(rig, stop.order_id).type == OrderType.TRAILING_STOP  # type: ignore[attr-defined]
        with pytest.raises(ValidationError):
            await t.adjust_stop(BID - 5.0)
        await t.emergency_exit()
    await eventually(lambda: rig.pm.signed_size(rig.cid) == 0)
    assert not stop.is_working


async def test_entries_without_a_stop_or_beyond_the_budget_send_nothing(rig: Rig) -> None:
    async with trade(rig, max_risk_amount=4.0) as t:
        with pytest.raises(ValidationError):
            await t.enter_long(1)  # no stop
        with pytest.raises(ValidationError):
            await t.enter_long(0, stop_ticks=4)
        with pytest.raises(RiskViolationError) as info:
            await t.enter_long(stop_ticks=10)  # one contract risks $5 > $4
        assert info.value.rule == "risk_per_trade"
        with pytest.raises(ValidationError):
            await t.scale_in(1)  # nothing to scale
    assert rig.places == []


async def test_an_unfilled_limit_entry_is_cancelled_when_the_block_ends(rig: Rig) -> None:
    async with trade(rig) as t:
        bracket = await t.enter_long(1, entry_price=BID - 5.0, stop_ticks=8)
        await eventually(lambda: bracket.entry.order_id is not None and bracket.entry.is_working)
    await eventually(lambda: bracket.entry.is_terminal)
    assert bracket.entry.fill_volume == 0 and rig.pm.signed_size(rig.cid) == 0
    assert not [o for o in t.orders_placed if o.is_working]
