"""RiskManager.preview_trade (a dry run of the gate) and check_daily_reset."""

from __future__ import annotations

from datetime import timedelta

from projectx.enums import OrderSide
from projectx.events import EventBus
from projectx.risk import RiskConfig, RiskManager
from tests.risk.helpers import MNQ, Clock, FakePositions, Req


def _manager(clock: Clock, **cfg: object) -> RiskManager:
    return RiskManager(
        EventBus(),
        RiskConfig(**cfg),  # type: ignore[arg-type]
        persist=False,
        positions=FakePositions(),
        clock=clock,
        account_balance_source=lambda: 50_000.0,
    )


def test_preview_names_the_rule_and_counts_nothing() -> None:
    clock = Clock()
    rm = _manager(clock, max_position_size=3, max_daily_trades=5)
    refusal = rm.preview_trade(Req(MNQ, OrderSide.BUY, 5))
    assert refusal is not None and refusal.rule == "max_position_size"
    assert rm.preview_trade(Req(MNQ, OrderSide.BUY, 2)) is None
    assert rm.state.entries == 0 and rm.refused == {}
    rm.check_trade(Req(MNQ, OrderSide.BUY, 2))  # the real gate still counts
    assert rm.state.entries == 1


def test_check_daily_reset_rolls_the_day_once() -> None:
    clock = Clock()
    rm = _manager(clock)
    rm.check_trade(Req(MNQ, OrderSide.BUY, 1))
    assert rm.check_daily_reset() is False
    clock.now += timedelta(days=1)
    assert rm.check_daily_reset() is True
    assert rm.state.entries == 0
    assert rm.check_daily_reset() is False
