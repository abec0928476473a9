"""projectx.compat.risk_manager against the simulator: sizes from risk fractions checked by
hand, the core gate's rules as a dry-run ``validate_trade``, config units, managed trades."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from projectx.compat.exceptions import InvalidOrderParameters, ProjectXError
from projectx.compat.models import Instrument, Order
from projectx.compat.risk_manager import ManagedTrade, RiskConfig
from projectx.risk import RiskConfig as CoreRiskConfig
from tests.compat.data_env import DataEnv, eventually, make_data_env


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[DataEnv]:
    async for e in make_data_env(tmp_path, CoreRiskConfig(max_position_size=30)):
        yield e


def _order(env: DataEnv, size: int, side: int = 0) -> Order:
    return Order(
        id=0, accountId=0, contractId=env.ctx.contract.id, creationTimestamp="",
        updateTimestamp=None, status=1, type=2, side=side, size=size,
    )  # fmt: skip


async def test_position_size_from_a_fraction_by_hand(env: DataEnv) -> None:
    inst = Instrument.from_core(env.ctx.contract)
    balance = env.ctx.risk.balance  # type: ignore[union-attr]
    assert balance and balance > 0
    entry, stop = 21000.0, 20990.0
    per_contract = (entry - stop) / inst.tickSize * inst.tickValue  # 40 ticks x $0.50
    got = await env.risk.calculate_position_size(entry, stop, risk_percent=0.01, instrument=inst)
    want = int(balance * 0.01 / per_contract + 1e-9)
    assert got["position_size"] == min(want, 30)
    assert got["risk_amount"] == pytest.approx(got["position_size"] * per_contract)
    assert got["risk_percent"] == pytest.approx(got["risk_amount"] / balance)
    assert got["account_balance"] == balance and got["tick_size"] == inst.tickSize
    small = await env.risk.calculate_position_size(entry, stop, risk_amount=100.0, instrument=inst)
    assert small["position_size"] == int(100.0 / per_contract)
    # without an instrument: one dollar per point, as project-x-py
    points = await env.risk.calculate_position_size(entry, stop, risk_amount=100.0)
    assert points["position_size"] == int(100.0 / (entry - stop))
    # default: the config's fraction (the core's percent / 100)
    default = await env.risk.calculate_position_size(entry, stop, instrument=inst)
    assert env.risk.config.max_risk_per_trade == Decimal("0.01")
    assert default["position_size"] == got["position_size"]
    with pytest.raises(InvalidOrderParameters):
        await env.risk.calculate_position_size(entry, stop, risk_percent=1.5, instrument=inst)
    with pytest.raises(InvalidOrderParameters):
        await env.risk.calculate_position_size(entry, entry, risk_percent=0.01)


async def test_validate_trade_is_the_core_gate_as_a_dry_run(env: DataEnv) -> None:
    core = env.ctx.risk
    assert core is not None
    entries = core.state.entries
    ok = await env.risk.validate_trade(_order(env, 2), current_positions=[])
    assert ok["is_valid"] and ok["reasons"] == [] and ok["position_count"] == 0
    bad = await env.risk.validate_trade(_order(env, 31), current_positions=[])
    assert not bad["is_valid"] and "max_position_size" in bad["reasons"][0]
    assert core.state.entries == entries and core.refused == {}  # nothing counted
    metrics = await env.risk.get_risk_metrics()
    assert metrics["account_balance"] == core.balance
    assert metrics["daily_trades"] == core.state.entries
    assert metrics["risk_per_trade"] == pytest.approx(core.config.risk_per_trade_percent / 100)
    await env.risk.check_daily_reset()
    with pytest.raises(InvalidOrderParameters):
        await env.risk.validate_trade("buy 2")  # type: ignore[arg-type]


def test_config_fractions_become_core_percents() -> None:
    cfg = RiskConfig(max_risk_per_trade=Decimal("0.02"), max_daily_loss_amount=Decimal("500"))
    core = cfg.to_core()
    assert core.risk_per_trade_percent == pytest.approx(2.0)
    assert core.max_daily_loss == 500.0 and core.max_position_size == cfg.max_position_size
    assert RiskConfig(max_daily_loss=Decimal("0.03")).to_core(balance=50_000).max_daily_loss == (
        pytest.approx(1500.0)
    )
    back = RiskConfig.from_core(core)
    assert back.max_risk_per_trade == Decimal("0.02") and back.max_positions == cfg.max_positions
    with pytest.raises(ProjectXError):
        RiskConfig(max_risk_per_trade=Decimal("2")).to_core()


async def test_managed_trade_enters_protected_and_closes(env: DataEnv) -> None:
    core_trade = env.suite.managed_trade(max_risk_percent=1.0)
    trade = ManagedTrade._adopt(core_trade, client=env.client, events=env.events)
    assert trade.max_risk_percent == pytest.approx(0.01)  # shown as a fraction
    cid = env.ctx.contract.id
    async with trade:
        price = env.ctx.data.get_current_price()
        assert price is not None
        tick = env.ctx.contract.tick_size
        result = await trade.enter_long(stop_loss=price - 40 * tick, size=1)
        assert result["size"] == 1 and result["entry_order"] is not None
        assert result["stop_order"] is not None and result["stop_order"].stopPrice is not None
        await eventually(lambda: env.suite.positions.signed_size(cid) == 1)
        assert trade.is_filled()
        summary = await trade.get_trade_summary()
        assert summary["status"] == "open" and summary["size"] == 1
        closed = await trade.close_position()
        assert closed is not None and closed["closed_size"] == 1
        await eventually(lambda: env.suite.positions.signed_size(cid) == 0)
        assert await trade.close_position() is None
