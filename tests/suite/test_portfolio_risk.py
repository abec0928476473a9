"""``TradingSuite.calculate_portfolio_risk`` against the simulator: stops cover positions,
the risk is priced with the contract's point value, unprotected size is reported apart."""

from __future__ import annotations

import pytest

from projectx import TradingSuite
from projectx.enums import OrderSide
from projectx.sim import Simulator
from tests.suite.conftest import config_for, eventually


async def test_stops_cover_the_position_and_the_rest_is_unprotected(sim: Simulator) -> None:
    async with await TradingSuite.create(
        "MNQ", timeframes=["1sec"], initial_days=0, config=config_for(sim)
    ) as suite:
        ctx = suite["MNQ"]
        empty = suite.calculate_portfolio_risk()
        assert empty.positions == () and empty.total_risk == 0
        await suite.orders.place_market_order(ctx.contract, OrderSide.BUY, 2)
        await eventually(lambda: suite.positions.signed_size(ctx.contract_id) == 2)
        pos = suite.positions.get_position(ctx.contract)
        assert pos is not None and pos.point_value is not None
        naked = suite.calculate_portfolio_risk()
        assert naked.unprotected_positions == 1 and naked.total_risk == 0
        assert naked.positions[0].unprotected_size == 2
        tick = ctx.data.tick_size
        near = ctx.contract.round_to_tick(pos.average_price - 40 * tick)
        far = ctx.contract.round_to_tick(pos.average_price - 80 * tick)
        await suite.orders.place_stop_order(ctx.contract, OrderSide.SELL, 1, near)
        half = suite.calculate_portfolio_risk()
        (risk,) = half.positions
        assert (risk.protected_size, risk.unprotected_size) == (1, 1)
        assert risk.risk_amount == pytest.approx((pos.average_price - near) * pos.point_value)
        await suite.orders.place_stop_order(ctx.contract, OrderSide.SELL, 3, far)
        full = suite.calculate_portfolio_risk()
        (risk,) = full.positions
        # the far stop is the worst case; it covers the whole position alone
        assert risk.worst_stop == far and risk.protected_size == 2 and not risk.unprotected
        assert full.total_risk == pytest.approx(2 * (pos.average_price - far) * pos.point_value)
        assert full.unprotected_positions == 0
        assert full.balance is not None and full.balance > 0
        assert full.risk_percent == pytest.approx(100 * full.total_risk / full.balance)
        await suite.orders.cancel_all_orders()
        await suite.positions.close_position(ctx.contract)


async def test_a_short_is_covered_by_buy_stops_not_by_sell_stops(
    sim: Simulator,
) -> None:
    async with await TradingSuite.create(
        "MNQ", timeframes=["1sec"], initial_days=0, config=config_for(sim)
    ) as suite:
        ctx = suite["MNQ"]
        await suite.orders.place_market_order(ctx.contract, OrderSide.SELL, 1)
        await eventually(lambda: suite.positions.signed_size(ctx.contract_id) == -1)
        pos = suite.positions.get_position(ctx.contract)
        assert pos is not None and pos.point_value is not None
        tick = ctx.data.tick_size
        sell_stop = ctx.contract.round_to_tick(pos.average_price - 60 * tick)  # wrong side
        await suite.orders.place_stop_order(ctx.contract, OrderSide.SELL, 1, sell_stop)
        assert suite.calculate_portfolio_risk().positions[0].unprotected_size == 1
        above = ctx.contract.round_to_tick(pos.average_price + 40 * tick)
        await suite.orders.place_stop_order(ctx.contract, OrderSide.BUY, 1, above)
        (risk,) = suite.calculate_portfolio_risk().positions
        assert risk.worst_stop == above and not risk.unprotected
        assert risk.risk_amount == pytest.approx((above - pos.average_price) * pos.point_value)
        await suite.orders.cancel_all_orders()
        await suite.positions.close_position(ctx.contract)
