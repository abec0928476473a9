"""Position sizing from the stop distance and tick value, hand-checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from projectx.events import EventBus
from projectx.exceptions import ValidationError
from projectx.risk import RiskConfig, RiskManager


def manager(tmp_path: Path, balance: float | None = 50_000.0, **cfg: object) -> RiskManager:
    return RiskManager(
        EventBus(),
        RiskConfig(**cfg),  # type: ignore[arg-type]
        account_balance_source=lambda: balance,
        state_path=tmp_path / "risk.json",
    )


def test_one_percent_of_50k_with_a_40_tick_mnq_stop_is_25_contracts(tmp_path: Path) -> None:
    # 40 ticks x $0.50 = $20 a contract; 1% of 50,000 = 500 -> 25 contracts (exactly)
    rm = manager(tmp_path)
    assert rm.calculate_position_size(21000.0, 20990.0, tick_size=0.25, tick_value=0.5) == 25


def test_a_fixed_amount_rounds_down_to_whole_contracts(tmp_path: Path) -> None:
    # ES: 18 ticks x $12.50 = $225 a contract; $1,000 -> 4 (5 would risk $1,125)
    rm = manager(tmp_path)
    size = rm.calculate_position_size(
        6000.0, 5995.5, tick_size=0.25, tick_value=12.5, risk_amount=1000.0
    )
    assert size == 4


def test_bond_ticks_of_a_32nd(tmp_path: Path) -> None:
    # ZB: 113.5 -> 113.0 is 16 ticks of 1/32 x $31.25 = $500; 1% of 100,000 -> 2 contracts
    rm = manager(tmp_path, balance=100_000.0)
    size = rm.calculate_position_size(113.5, 113.0, tick_size=0.03125, tick_value=31.25)
    assert size == 2


def test_a_short_entry_sizes_like_a_long_one(tmp_path: Path) -> None:
    rm = manager(tmp_path)
    long = rm.calculate_position_size(100.0, 99.0, tick_size=0.25, tick_value=5.0, risk_percent=2)
    short = rm.calculate_position_size(99.0, 100.0, tick_size=0.25, tick_value=5.0, risk_percent=2)
    assert long == short == 50  # 4 ticks x $5 = $20; 2% of 50,000 = 1,000


def test_caps_max_risk_per_trade_and_max_position_size(tmp_path: Path) -> None:
    rm = manager(tmp_path, max_risk_per_trade=300.0)
    # 5% of 50,000 = 2,500 but capped at 300 -> 300 / 20 = 15
    assert (
        rm.calculate_position_size(21000.0, 20990.0, tick_size=0.25, tick_value=0.5, risk_percent=5)
        == 15
    )
    rm2 = manager(tmp_path / "b", max_position_size=3)
    assert rm2.calculate_position_size(21000.0, 20990.0, tick_size=0.25, tick_value=0.5) == 3


def test_a_budget_below_one_contract_sizes_zero(tmp_path: Path) -> None:
    rm = manager(tmp_path, balance=1_000.0)
    # 1% of 1,000 = 10 < one ES contract at 4 ticks ($50)
    assert rm.calculate_position_size(6000.0, 5999.0, tick_size=0.25, tick_value=12.5) == 0


@pytest.mark.parametrize(
    ("entry", "stop", "kw"),
    [
        (100.0, 100.0, {}),  # no distance
        (100.0, 100.1, {}),  # less than a tick
        (-1.0, 99.0, {}),
        (100.0, 99.0, {"risk_percent": 0}),
        (100.0, 99.0, {"risk_percent": 150}),
        (100.0, 99.0, {"risk_amount": -5.0}),
        (100.0, 99.0, {"risk_amount": 10.0, "risk_percent": 1.0}),
        (100.0, float("nan"), {}),
    ],
)
def test_bad_sizing_input_is_a_validation_error(
    tmp_path: Path, entry: float, stop: float, kw: dict[str, float]
) -> None:
    rm = manager(tmp_path)
    with pytest.raises(ValidationError):
        rm.calculate_position_size(entry, stop, tick_size=0.25, tick_value=0.5, **kw)


def test_without_a_balance_a_percent_cannot_be_sized(tmp_path: Path) -> None:
    rm = manager(tmp_path, balance=None)
    with pytest.raises(ValidationError):
        rm.calculate_position_size(100.0, 99.0, tick_size=0.25, tick_value=0.5)
    assert (
        rm.calculate_position_size(100.0, 99.0, tick_size=0.25, tick_value=0.5, risk_amount=20.0)
        == 10
    )
