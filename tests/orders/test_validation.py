"""Bad input: each a clear typed error before anything is sent (counted server-side)."""

from __future__ import annotations

from typing import Any

import pytest

from projectx.enums import OrderSide
from projectx.exceptions import ValidationError
from projectx.orders import OrderRefusedError, OrderRequest, OrderState
from tests.orders.conftest import ASK, BID, Env


def assert_nothing_sent(env: Env) -> None:
    assert env.requests.count("Order/place") == 0
    assert env.om.open_orders() == []


@pytest.mark.parametrize("size", [0, -1])
async def test_size_not_positive_is_refused(env: Env, size: int) -> None:
    with pytest.raises(ValidationError, match="size must be > 0"):
        await env.om.place_limit_order(env.contract, OrderSide.BUY, size, BID)
    assert_nothing_sent(env)


async def test_size_of_the_wrong_type_is_refused(env: Env) -> None:
    with pytest.raises(ValidationError, match="size must be an int"):
        await env.om.place_market_order(env.contract, OrderSide.BUY, 1.5)  # type: ignore[arg-type]
    assert_nothing_sent(env)


async def test_off_grid_price_is_refused_naming_the_nearest_valid_prices(env: Env) -> None:
    with pytest.raises(ValidationError) as info:
        await env.om.place_limit_order(env.contract, OrderSide.BUY, 1, BID - 9.9)
    text = str(info.value)
    assert "off the tick grid" in text and "19990.0" in text and "19990.25" in text
    assert "snap=True" in text
    assert_nothing_sent(env)


async def test_snap_rounds_an_off_grid_price_to_the_nearest_tick(env: Env) -> None:
    rec = await env.om.place_limit_order(env.contract, OrderSide.BUY, 1, BID - 10.1, snap=True)
    assert rec.limit_price == BID - 10.0
    assert env.requests.places()[0].body["limitPrice"] == BID - 10.0


async def test_off_grid_bracket_prices_are_refused(env: Env) -> None:
    with pytest.raises(ValidationError, match="stop_loss_price"):
        await env.om.place_bracket_order(
            env.contract, OrderSide.BUY, 1, BID - 5, stop_loss_price=BID - 7.1, take_profit_ticks=8
        )
    assert_nothing_sent(env)


async def test_unknown_contract_is_refused(env: Env) -> None:
    with pytest.raises(ValidationError, match="unknown"):
        await env.om.place_market_order("CON.F.US.NOPE.Z25", OrderSide.BUY, 1)
    with pytest.raises(ValidationError, match="unknown"):
        await env.om.place_market_order("NOPE", OrderSide.BUY, 1)
    assert_nothing_sent(env)


async def test_unknown_contract_from_a_custom_resolver_is_refused(env: Env) -> None:
    om = env.make_manager(instrument_resolver=lambda symbol: None)
    with pytest.raises(ValidationError, match="unknown contract 'MNQ'"):
        await om.place_market_order("MNQ", OrderSide.BUY, 1)
    assert_nothing_sent(env)


@pytest.mark.parametrize(
    ("side", "stop"),
    [
        (OrderSide.BUY, ASK),
        (OrderSide.BUY, BID - 1),
        (OrderSide.SELL, BID),
        (OrderSide.SELL, ASK + 1),
    ],
)
async def test_stop_on_the_wrong_side_of_the_market_is_refused(
    env: Env, side: OrderSide, stop: float
) -> None:
    with pytest.raises(ValidationError, match="market"):
        await env.om.place_stop_order(env.contract, side, 1, stop)
    assert_nothing_sent(env)


async def test_trailing_stop_level_on_the_wrong_side_is_refused(env: Env) -> None:
    with pytest.raises(ValidationError, match="wrong side"):
        await env.om.place_trailing_stop_order(env.contract, OrderSide.SELL, 1, BID + 2)
    assert_nothing_sent(env)


async def test_bracket_stop_on_the_wrong_side_of_the_entry_is_refused(env: Env) -> None:
    with pytest.raises(ValidationError, match="stop_loss_price"):
        await env.om.place_bracket_order(
            env.contract, OrderSide.SELL, 1, None, stop_loss_price=BID - 2, take_profit_ticks=8
        )
    assert_nothing_sent(env)


async def test_missing_or_contradictory_prices_are_refused(env: Env) -> None:
    with pytest.raises(ValidationError):
        await env.om.place_order(env.contract, OrderSide.BUY, 1, "limit")
    with pytest.raises(ValidationError):
        await env.om.place_order(env.contract, OrderSide.BUY, 1, "market", limit_price=BID)
    with pytest.raises(ValidationError):
        await env.om.place_trailing_stop_order(env.contract, OrderSide.SELL, 1)
    with pytest.raises(ValidationError, match="bracket needs"):
        await env.om.place_bracket_order(env.contract, OrderSide.BUY, 1)
    assert_nothing_sent(env)


async def test_a_duplicate_custom_tag_is_refused(env: Env) -> None:
    await env.om.place_limit_order(env.contract, OrderSide.BUY, 1, BID - 50, custom_tag="mine-1")
    with pytest.raises(ValidationError, match="already used"):
        await env.om.place_limit_order(
            env.contract, OrderSide.BUY, 1, BID - 50, custom_tag="mine-1"
        )
    assert env.requests.count("Order/place") == 1


async def test_the_risk_gate_refuses_with_a_typed_error_and_nothing_is_sent(env: Env) -> None:
    seen: list[OrderRequest] = []

    async def gate(req: OrderRequest) -> None:
        seen.append(req)
        if req.size > 2:
            raise RuntimeError("max position size is 2")

    om = env.make_manager(risk_gate=gate)
    with pytest.raises(OrderRefusedError, match="max position size is 2"):
        await om.place_limit_order(env.contract, OrderSide.BUY, 3, BID - 50)
    with pytest.raises(OrderRefusedError):
        await om.place_bracket_order(
            env.contract, OrderSide.BUY, 5, None, stop_loss_ticks=8, take_profit_ticks=16
        )
    assert_nothing_sent(env)
    entry = seen[-1]
    assert entry.stop_loss_price == ASK - 2.0 and entry.take_profit_price == ASK + 4.0
    rec = await om.place_limit_order(env.contract, OrderSide.BUY, 2, BID - 50)
    assert rec.state in (OrderState.SUBMITTED, OrderState.WORKING)
    assert om.stats()["refused"] == 2


async def test_a_sync_risk_gate_raising_a_projectx_error_keeps_its_type(env: Env) -> None:
    class Breach(ValidationError):
        pass

    def gate(req: OrderRequest) -> Any:
        raise Breach("daily loss limit reached")

    om = env.make_manager(risk_gate=gate)
    with pytest.raises(Breach):
        await om.place_market_order(env.contract, OrderSide.SELL, 1)
    assert_nothing_sent(env)
